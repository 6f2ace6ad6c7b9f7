-- timeline_intervals: the status intervals (consecutive days with the same winning status and
-- the same disputed flag merged: a run whose flag changes is split there) that overlap the window [$start, $end], with the evidence of each interval's first
-- observation. valid_to is exclusive (NULL = still open).
-- Parameters:
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
--   $statuses   VARCHAR[]  statuses to keep (NULL = all)
--   $start      DATE       first day of the window (NULL = unbounded)
--   $end        DATE       last day of the window, inclusive (NULL = unbounded)
--   $max_rows   BIGINT     row limit (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, status, since (the first day of
--   the run the interval belongs to), valid_from, valid_to, disputed, segments, source_url,
--   source_kind, confidence, quote.
-- Ordered by brand_name, retailer_name, valid_from.
with

intervals as (
    select
        retailer_id, brand_id, status, since, valid_from, valid_to, disputed, segments,
        first_obs_id
    from status_intervals
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

in_window as (
    select *
    from intervals
    where ($start is null or valid_to is null or valid_to > $start::date)
      and ($end is null or valid_from <= $end::date)
      and ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
      and ($statuses is null or list_contains($statuses, status))
),

final as (
    select
        i.retailer_id,
        r.retailer_name,
        i.brand_id,
        b.brand_name,
        i.status,
        i.since,
        i.valid_from,
        i.valid_to,
        i.disputed,
        i.segments,
        o.source_url,
        o.source_kind,
        o.confidence,
        o.quote
    from in_window as i
    left join evidence as o on o.obs_id = i.first_obs_id
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
)

select * from final
order by brand_name, retailer_name, valid_from, brand_id, retailer_id
limit $max_rows
