-- The status rule of DESIGN.md, materialised at publish time so that "status as of D"
-- is a filtered scan. Two tables:
--   status_segments  one row per pair and observation date: the day's winner, valid from that
--                    date until the pair's next observation date (seg_to, exclusive; null = open),
--                    with the run it belongs to (since, run_to) and the disputed flag;
--   status_intervals consecutive segments with the same status merged (the timeline).

create or replace table status_segments as
with ranked as (
    select
        obs_id, retailer_id, brand_id, effective_on, status, reported_on,
        status in ('stocked', 'exiting') as sold,
        case confidence when 'high' then 3 when 'medium' then 2 else 1 end as confidence_rank,
        case source_kind
            when 'statement' then 5 when 'listing_check' then 4 when 'legal_filing' then 3
            when 'news_report' then 2 else 1
        end as source_kind_rank
    from observations
),

-- Rule 2: one winner per pair and date.
day_winners as (
    select retailer_id, brand_id, effective_on, obs_id, status, sold
    from ranked
    qualify row_number() over (
        partition by retailer_id, brand_id, effective_on
        order by confidence_rank desc, source_kind_rank desc,
                 reported_on desc nulls last, obs_id desc
    ) = 1
),

-- Rule 5 needs every observation of the pair, losers included, in a 30-day window.
day_counts as (
    select
        retailer_id, brand_id, effective_on,
        count(*) filter (where sold) as sold_n,
        count(*) filter (where not sold) as not_sold_n
    from ranked
    group by retailer_id, brand_id, effective_on
),

window_counts as (
    select
        retailer_id, brand_id, effective_on,
        sum(sold_n) over recent as sold_30d,
        sum(not_sold_n) over recent as not_sold_30d
    from day_counts
    window recent as (
        partition by retailer_id, brand_id order by effective_on
        range between interval 30 days preceding and current row
    )
),

segments as (
    select
        w.retailer_id, w.brand_id, w.status, w.obs_id,
        w.effective_on as seg_from,
        lead(w.effective_on) over pair_days as seg_to,
        case when w.sold then c.not_sold_30d > 0 else c.sold_30d > 0 end as disputed,
        -- Rule 4: a new run starts where the winning status changes.
        coalesce(lag(w.status) over pair_days <> w.status, true) as starts_run
    from day_winners as w
    join window_counts as c using (retailer_id, brand_id, effective_on)
    window pair_days as (partition by w.retailer_id, w.brand_id order by w.effective_on)
),

numbered as (
    select
        *,
        (sum(starts_run::integer) over (
            partition by retailer_id, brand_id order by seg_from rows unbounded preceding
        ))::integer as run_no
    from segments
),

final as (
    select
        retailer_id, brand_id, status, seg_from, seg_to,
        min(seg_from) over run as since,
        last_value(seg_to) over (
            run order by seg_from rows between unbounded preceding and unbounded following
        ) as run_to,
        run_no, obs_id, disputed
    from numbered
    window run as (partition by retailer_id, brand_id, run_no)
)

select * from final
order by seg_from, retailer_id, brand_id;

create or replace table status_intervals as
with segments as (
    select * from status_segments
),

final as (
    select
        retailer_id, brand_id, run_no, status,
        min(seg_from) as valid_from,
        any_value(run_to) as valid_to,
        arg_min(obs_id, seg_from) as first_obs_id,
        arg_max(obs_id, seg_from) as last_obs_id,
        bool_or(disputed) as disputed,
        count(*) as segments
    from segments
    group by retailer_id, brand_id, run_no, status
)

select * from final
order by retailer_id, brand_id, valid_from;
