-- kpi_daily: the overview's headline counts. Reads status_segments, relisting_events,
-- brand_parent_periods and designations.

-- The overview's headline numbers on any date D. They change only where a segment starts or
-- ends, a run is relisted, or a brand's parent gets on or off a list, so they are kept as one
-- row per such date with the counts from that date on: "kpis on D" is the last row on or
-- before D (an ASOF join), not two scans of every segment per date change. The definitions
-- are those of queries/kpis.sql's header; tests/test_queries.py checks them against
-- status_as_of and relistings on every date where something changes.
create or replace table kpi_daily as
with segments as not materialized (
    select retailer_id, brand_id, seg_from, seg_to, disputed, sold
    from status_segments
),

-- [from, to) days on which a brand's parent is on some list, by the strongest claim
-- (any_claim false) and by any claim (any_claim true); designations end on ended_on inclusive,
-- parent periods on period_to exclusive. Overlaps are fine: only "any" counts.
listed_spans as (
    select
        a.any_claim,
        p.brand_id,
        greatest(p.period_from, d.effective_on) as span_from,
        case
            when p.period_to is null then d.ended_on + 1
            when d.ended_on is null then p.period_to
            else least(p.period_to, d.ended_on + 1)
        end as span_to
    from brand_parent_periods as p
    join designations as d using (company_id)
    join (values (false), (true)) as a (any_claim) on a.any_claim or p.strongest
    -- A period that ended before the designation began (or the reverse) lists nothing.
    where (p.period_to is null or d.effective_on < p.period_to)
      and (d.ended_on is null or p.period_from <= d.ended_on)
),

-- A sold segment's days on which its brand is listed: the retailer is exposed on those days.
exposed_spans as (
    select
        l.any_claim,
        s.retailer_id,
        greatest(s.seg_from, l.span_from) as span_from,
        case
            when s.seg_to is null then l.span_to
            when l.span_to is null then s.seg_to
            else least(s.seg_to, l.span_to)
        end as span_to
    from segments as s
    join listed_spans as l
        on l.brand_id = s.brand_id
       and (l.span_to is null or s.seg_from < l.span_to)
       and (s.seg_to is null or l.span_from < s.seg_to)
    where s.sold
),

-- Per retailer and date: how many exposed spans start minus end; a running sum > 0 means
-- exposed, and the retailer count moves only where that flips.
retailer_steps as (
    select any_claim, retailer_id, on_date, sum(step) as step
    from (
        select any_claim, retailer_id, span_from as on_date, 1 as step from exposed_spans
        union all
        select any_claim, retailer_id, span_to as on_date, -1 as step
        from exposed_spans
        where span_to is not null
    )
    group by any_claim, retailer_id, on_date
),

-- Re-listings (shelfwatch/sql/derive_relistings.sql), counted from the day they happen.
relistings as (
    select relisted_on as valid_from from relisting_events
),

retailer_flips as (
    select
        r.any_claim,
        r.on_date,
        r.exposed - coalesce(
            lag(r.exposed) over (partition by r.any_claim, r.retailer_id order by r.on_date), 0
        ) as exposed_step
    from (
        select
            any_claim,
            retailer_id,
            on_date,
            (sum(step) over (
                partition by any_claim, retailer_id order by on_date rows unbounded preceding
            ) > 0)::integer as exposed
        from retailer_steps
    ) as r
),

-- A sold segment is stale on the days more than 365 days after it began (the default of
-- vocab.STALE_AFTER_DAYS; kpis.sql counts any other threshold itself), until it ends.
stale_spans as (
    select seg_from + 366 as stale_from, seg_to
    from segments
    where sold and (seg_to is null or seg_from + 366 < seg_to)
),

steps as (
    select
        seg_from as on_date,
        sold::integer as sold_step,
        (not sold)::integer as not_sold_step,
        disputed::integer as disputed_step,
        0 as relisting_step,
        0 as exposed_step,
        0 as exposed_any_step,
        0 as stale_step
    from segments
    union all
    select seg_to, -sold::integer, -(not sold)::integer, -disputed::integer, 0, 0, 0, 0
    from segments
    where seg_to is not null
    union all
    select valid_from, 0, 0, 0, 1, 0, 0, 0 from relistings
    union all
    select
        on_date, 0, 0, 0, 0,
        case when any_claim then 0 else exposed_step end,
        case when any_claim then exposed_step else 0 end,
        0
    from retailer_flips
    where exposed_step <> 0
    union all
    select stale_from, 0, 0, 0, 0, 0, 0, 1 from stale_spans
    union all
    select seg_to, 0, 0, 0, 0, 0, 0, -1 from stale_spans where seg_to is not null
),

per_date as (
    select
        on_date,
        sum(sold_step) as sold_step,
        sum(not_sold_step) as not_sold_step,
        sum(relisting_step) as relisting_step,
        sum(exposed_step) as exposed_step,
        sum(exposed_any_step) as exposed_any_step,
        sum(disputed_step) as disputed_step,
        sum(stale_step) as stale_step
    from steps
    group by on_date
)

select
    on_date,
    sum(sold_step) over running as pairs_sold,
    sum(not_sold_step) over running as pairs_not_sold,
    sum(relisting_step) over running as relistings,
    sum(exposed_step) over running as exposed_retailers,
    sum(exposed_any_step) over running as exposed_retailers_any_claim,
    sum(disputed_step) over running as disputed_pairs,
    sum(stale_step) over running as pairs_sold_stale
from per_date
window running as (order by on_date rows unbounded preceding)
order by on_date;
