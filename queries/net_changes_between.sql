-- net_changes_between: the net view of a window — the retailer × brand pairs whose status on
-- $start differs from their status on $end, whatever happened in between (a round trip inside
-- the window is not listed; changes_between lists every transition). "No data" is a state of
-- its own: a pair first seen after $start has from_status NULL
-- (and, were $end before $start, a pair with no data on $end would have to_status NULL).
-- changed_on is the since of the $end status; the source columns are those of the observation
-- that opened that run (the evidence dated changed_on); disputed is the $end status's flag.
-- Parameters:
--   $start      DATE       the date compared from
--   $end        DATE       the date compared to
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
--   $max_rows   BIGINT     at most this many rows, in order (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, from_status, to_status, changed_on,
--   source_url, source_kind, confidence, quote, disputed.
-- Ordered by changed_on, retailer_name, brand_name.
with

segments as not materialized (
    select retailer_id, brand_id, status, seg_from, seg_to, since, run_no, disputed
    from status_segments
    where ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
),

intervals as (
    select retailer_id, brand_id, run_no, first_obs_id from status_intervals where starts_run
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

start_status as (
    select retailer_id, brand_id, status
    from segments
    where seg_from <= $start::date and (seg_to is null or seg_to > $start::date)
),

end_status as (
    select retailer_id, brand_id, status, since, run_no, disputed
    from segments
    where seg_from <= $end::date and (seg_to is null or seg_to > $end::date)
),

changed as (
    select
        coalesce(e.retailer_id, s.retailer_id) as retailer_id,
        coalesce(e.brand_id, s.brand_id) as brand_id,
        s.status as from_status,
        e.status as to_status,
        e.since as changed_on,
        e.run_no,
        e.disputed
    from end_status as e
    full outer join start_status as s
        on s.retailer_id = e.retailer_id and s.brand_id = e.brand_id
    where s.status is distinct from e.status
),

final as (
    select
        c.retailer_id,
        r.retailer_name,
        c.brand_id,
        b.brand_name,
        c.from_status,
        c.to_status,
        c.changed_on,
        o.source_url,
        o.source_kind,
        o.confidence,
        o.quote,
        c.disputed
    from changed as c
    left join intervals as i using (retailer_id, brand_id, run_no)
    left join evidence as o on o.obs_id = i.first_obs_id
    left join retailer_names as r on r.retailer_id = c.retailer_id
    left join brand_names as b on b.brand_id = c.brand_id
)

select * from final
order by changed_on nulls last, retailer_name, brand_name, retailer_id, brand_id
limit $max_rows
