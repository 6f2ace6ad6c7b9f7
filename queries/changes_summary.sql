-- changes_summary: how many changes of each kind a window holds, for the Compare page's chart
-- and counts: every transition dated in ($start, $end] (view 'transitions', as
-- changes_between lists them) and the net comparison of the two end dates (view 'net', as
-- net_changes_between lists them). "No data" is from_status / to_status NULL.
-- Parameters:
--   $start      DATE       the window starts after this date
--   $end        DATE       the window's last day (inclusive)
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
-- Columns: view, from_status, to_status, changes (BIGINT).
-- Ordered: transitions first, then net; each by changes desc, from_status, to_status.
with

segments as not materialized (
    select retailer_id, brand_id, status, seg_from, seg_to
    from status_segments
    where ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
),

runs as not materialized (
    select retailer_id, brand_id, run_no, status, valid_from
    from status_intervals
    where starts_run
      and ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
),

in_window as (
    select * from runs where valid_from > $start::date and valid_from <= $end::date
),

transitions as (
    select p.status as from_status, w.status as to_status
    from in_window as w
    left join runs as p
        on p.retailer_id = w.retailer_id
       and p.brand_id = w.brand_id
       and p.run_no = w.run_no - 1
),

start_status as (
    select retailer_id, brand_id, status
    from segments
    where seg_from <= $start::date and (seg_to is null or seg_to > $start::date)
),

end_status as (
    select retailer_id, brand_id, status
    from segments
    where seg_from <= $end::date and (seg_to is null or seg_to > $end::date)
),

net as (
    select s.status as from_status, e.status as to_status
    from end_status as e
    full outer join start_status as s
        on s.retailer_id = e.retailer_id and s.brand_id = e.brand_id
    where s.status is distinct from e.status
),

final as (
    select 'transitions' as view, from_status, to_status, count(*) as changes
    from transitions
    group by from_status, to_status
    union all
    select 'net' as view, from_status, to_status, count(*) as changes
    from net
    group by from_status, to_status
)

select * from final
order by view desc, changes desc, from_status nulls first, to_status nulls first
