-- coverage_over_time: for each brand with any observation and each period of $grain from
-- date_trunc($grain, $start) to $end, the number of retailers whose status on the period's
-- first day is sold (status_vocab.sold): 0 when pairs of the brand have data but none is sold,
-- NULL when no retailer has an observation of the brand up to that day (no data: a chart draws
-- a gap, never 0).
-- Computed as +1/-1 deltas at the boundaries of sold intervals (bucketed to the period that
-- first sees them), a running sum per brand, and an ASOF join of the periods onto it: never
-- intervals × periods.
-- Parameters:
--   $grain   VARCHAR    'day', 'week' (ISO weeks, starting Monday), 'month' or 'year'
--   $start   DATE       first date (NULL = the first observation date of those brands)
--   $end     DATE       last date (NULL = the last observation date of those brands)
--   $brands  VARCHAR[]  brand ids to keep (NULL = all)
-- Columns: brand_id, brand_name, period, retailers_selling (NULL = no data).
-- Ordered by brand_name, period.
with

intervals as not materialized (
    select brand_id, sold, valid_from, valid_to
    from status_intervals
    where ($brands is null or list_contains($brands, brand_id))
),

brand_names as (
    select brand_id, name as brand_name from brands
),

chosen_grain as (
    select
        case
            when $grain in ('day', 'week', 'month', 'year') then $grain
            else error('grain must be day, week, month or year, not ' || coalesce($grain, 'NULL'))
        end as grain
),

bounds as (
    select
        date_trunc(g.grain, coalesce($start::date, min(i.valid_from)))::date as first_period,
        coalesce($end::date, max(i.valid_from)) as last_day,
        case g.grain
            when 'day' then interval 1 day
            when 'week' then interval 7 day
            when 'month' then interval 1 month
            else interval 1 year
        end as step,
        g.grain
    from chosen_grain as g
    cross join intervals as i
    group by g.grain
),

periods as (
    select unnest(generate_series(first_period, last_day, step))::date as period
    from bounds
),

-- A brand's first observation date: the periods before it have no data.
observed_brands as (
    select brand_id, min(valid_from) as first_observed_on
    from intervals
    group by brand_id
),

sold_intervals as (
    select brand_id, valid_from, valid_to
    from intervals
    where sold
),

deltas as (
    select brand_id, valid_from as changed_on, 1 as delta from sold_intervals
    union all
    select brand_id, valid_to as changed_on, -1 as delta
    from sold_intervals
    where valid_to is not null
),

-- A change on day x first shows in the period starting on or after x (and changes before the
-- first period in the first one), so the running sum needs one row per brand and period at most.
bucketed as (
    select
        d.brand_id,
        greatest(
            b.first_period,
            case
                when date_trunc(b.grain, d.changed_on) = d.changed_on then d.changed_on
                else (date_trunc(b.grain, d.changed_on) + b.step)::date
            end
        ) as period_from,
        d.delta
    from deltas as d
    cross join bounds as b
    where d.changed_on <= b.last_day
),

-- One retailer holds one status at a time, so open sold intervals = retailers selling.
running as (
    select
        brand_id,
        period_from,
        sum(sum(delta)) over (partition by brand_id order by period_from) as selling
    from bucketed
    group by brand_id, period_from
),

brand_periods as (
    select b.brand_id, b.first_observed_on, p.period
    from observed_brands as b
    cross join periods as p
),

final as (
    select
        bp.brand_id,
        n.brand_name,
        bp.period,
        case
            when bp.period >= bp.first_observed_on then coalesce(r.selling, 0)::bigint
        end as retailers_selling
    from brand_periods as bp
    asof left join running as r
        on r.brand_id = bp.brand_id and bp.period >= r.period_from
    left join brand_names as n on n.brand_id = bp.brand_id
)

select * from final
order by brand_name, brand_id, period
