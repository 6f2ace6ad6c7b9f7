-- relistings: every place where a not-sold interval (removed or unavailable) of a retailer ×
-- brand pair is directly followed by a sold one (stocked or exiting), with the evidence of the
-- relisting interval's first observation.
-- Parameters:
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
--   $as_of      DATE       keep relistings on or before this date (NULL = any)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, not_sold_status, not_sold_from,
--   relisted_on, relisted_status, source_url, source_kind, confidence, quote.
-- Ordered by relisted_on, retailer_name, brand_name.
with

intervals as not materialized (
    select retailer_id, brand_id, run_no, status, valid_from, first_obs_id
    from status_intervals
    where ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
),

evidence as (
    select obs_id, source_url, source_kind, confidence, quote from observations
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

-- Runs are numbered 1, 2, 3 … per pair, so "directly followed" is run_no + 1.
relisted as (
    select
        n.retailer_id,
        n.brand_id,
        n.status as not_sold_status,
        n.valid_from as not_sold_from,
        s.valid_from as relisted_on,
        s.status as relisted_status,
        s.first_obs_id
    from intervals as n
    join intervals as s
        on s.retailer_id = n.retailer_id
       and s.brand_id = n.brand_id
       and s.run_no = n.run_no + 1
    where n.status in ('removed', 'unavailable')
      and s.status in ('stocked', 'exiting')
      and ($as_of is null or s.valid_from <= $as_of::date)
),

final as (
    select
        x.retailer_id,
        r.retailer_name,
        x.brand_id,
        b.brand_name,
        x.not_sold_status,
        x.not_sold_from,
        x.relisted_on,
        x.relisted_status,
        o.source_url,
        o.source_kind,
        o.confidence,
        o.quote
    from relisted as x
    left join evidence as o on o.obs_id = x.first_obs_id
    left join retailer_names as r on r.retailer_id = x.retailer_id
    left join brand_names as b on b.brand_id = x.brand_id
)

select * from final
order by relisted_on, retailer_name, brand_name, retailer_id, brand_id
