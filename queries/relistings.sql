-- relistings: every place where a not-sold run (removed or unavailable) of a retailer × brand
-- pair is directly followed by a sold one (stocked or exiting), with the evidence of both
-- sides: the observation that opened the not-sold run and the one that opened the sold run.
-- Parameters:
--   $retailers    VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands       VARCHAR[]  brand ids to keep (NULL = all)
--   $as_of        DATE       keep relistings on or before this date (NULL = any)
--   $max_rows     BIGINT     at most this many rows, in order (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, not_sold_status, not_sold_from,
--   not_sold_source_url, not_sold_source_kind, not_sold_confidence, relisted_on,
--   relisted_status, source_url, source_kind, confidence, quote (the last four: the relisting
--   observation's), disputed (the relisted status's flag on relisted_on).
-- Ordered by relisted_on, retailer_name, brand_name.
with

-- The first interval of each run is where a status begins; runs are numbered 1, 2, 3 … per
-- pair, so "directly followed" is run_no + 1.
runs as not materialized (
    select retailer_id, brand_id, run_no, status, sold, valid_from, first_obs_id, disputed
    from status_intervals
    where starts_run
      and ($retailers is null or list_contains($retailers, retailer_id))
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

relisted as (
    select
        n.retailer_id,
        n.brand_id,
        n.status as not_sold_status,
        n.valid_from as not_sold_from,
        n.first_obs_id as not_sold_obs_id,
        s.valid_from as relisted_on,
        s.status as relisted_status,
        s.first_obs_id,
        s.disputed
    from runs as n
    join runs as s
        on s.retailer_id = n.retailer_id
       and s.brand_id = n.brand_id
       and s.run_no = n.run_no + 1
    where not n.sold
      and s.sold
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
        n.source_url as not_sold_source_url,
        n.source_kind as not_sold_source_kind,
        n.confidence as not_sold_confidence,
        x.relisted_on,
        x.relisted_status,
        o.source_url,
        o.source_kind,
        o.confidence,
        o.quote,
        x.disputed
    from relisted as x
    left join evidence as o on o.obs_id = x.first_obs_id
    left join evidence as n on n.obs_id = x.not_sold_obs_id
    left join retailer_names as r on r.retailer_id = x.retailer_id
    left join brand_names as b on b.brand_id = x.brand_id
)

select * from final
order by relisted_on, retailer_name, brand_name, retailer_id, brand_id
limit $max_rows
