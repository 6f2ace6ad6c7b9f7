-- pair_status_history: the day-by-day status segments (not merged into runs) of retailer ×
-- brand pairs that overlap the window [$start, $end], for the profile pages. seg_to is
-- exclusive (NULL = open); since is the first day of the run the segment belongs to; obs_id is
-- the segment's winning observation.
-- Parameters:
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
--   $start      DATE       first day of the window (NULL = unbounded)
--   $end        DATE       last day of the window, inclusive (NULL = unbounded)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, status, seg_from, seg_to, since,
--   disputed, obs_id.
-- Ordered by retailer_name, brand_name, seg_from.
with

segments as (
    select retailer_id, brand_id, status, seg_from, seg_to, since, disputed, obs_id
    from status_segments
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

in_window as (
    select *
    from segments
    where ($start is null or seg_to is null or seg_to > $start::date)
      and ($end is null or seg_from <= $end::date)
      and ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
),

final as (
    select
        s.retailer_id,
        r.retailer_name,
        s.brand_id,
        b.brand_name,
        s.status,
        s.seg_from,
        s.seg_to,
        s.since,
        s.disputed,
        s.obs_id
    from in_window as s
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
)

select * from final
order by retailer_name, brand_name, seg_from, retailer_id, brand_id
