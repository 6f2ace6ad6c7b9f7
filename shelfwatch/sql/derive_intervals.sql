-- status_intervals: consecutive status segments with the same status and the same disputed
-- flag merged — the timeline's bars. A run whose flag changes as later sources arrive is two
-- or more intervals; starts_run marks each run's first. Reads status_segments.

create or replace table status_intervals as
with segments as (
    select
        retailer_id, brand_id, status, sold, seg_from, seg_to, since, run_no, obs_id, disputed,
        coalesce(
            lag(run_no) over pair_order <> run_no or lag(disputed) over pair_order <> disputed,
            true
        ) as starts_interval
    from status_segments
    window pair_order as (partition by retailer_id, brand_id order by seg_from)
),

numbered as (
    select
        *,
        (sum(starts_interval::integer) over so_far)::integer as interval_no,
        min(case when starts_interval then seg_from end) over after as interval_to
    from segments
    window
        so_far as (
            partition by retailer_id, brand_id order by seg_from rows unbounded preceding
        ),
        after as (
            partition by retailer_id, brand_id order by seg_from
            rows between 1 following and unbounded following
        )
),

final as (
    select
        retailer_id, brand_id, run_no, interval_no, status,
        any_value(sold) as sold,
        any_value(since) as since,
        min(seg_from) = any_value(since) as starts_run,
        min(seg_from) as valid_from,
        any_value(interval_to) as valid_to,
        arg_min(obs_id, seg_from) as first_obs_id,
        arg_max(obs_id, seg_from) as last_obs_id,
        any_value(disputed) as disputed,
        count(*) as segments
    from numbered
    group by retailer_id, brand_id, run_no, interval_no, status
)

select * from final
order by retailer_id, brand_id, valid_from;
