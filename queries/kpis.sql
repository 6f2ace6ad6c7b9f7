-- kpis: headline numbers on $as_of and on the comparison date $compare, one row per metric in a
-- fixed order: pairs_sold, pairs_not_sold, relistings (relisted on or before the date),
-- exposed_retailers (distinct retailers with a sold pair whose brand has a parent, any claim,
-- designated on any list on that date), disputed_pairs.
-- Parameters:
--   $as_of    DATE  the date of value
--   $compare  DATE  the date of compare_value (NULL = no comparison: compare_value and delta NULL)
-- Columns: metric, label, value, compare_value, delta (value - compare_value), all counts BIGINT.
with

segments as not materialized (
    select retailer_id, brand_id, status, seg_from, seg_to, disputed from status_segments
),

relisted_days as not materialized (
    select valid_from as relisted_on from status_intervals where relisted
),

claims as (
    select brand_id, company_id, valid_from, valid_to from ownership
),

designated as (
    select company_id, effective_on, ended_on from designations
),

metrics as (
    select * from (values
        (1, 'pairs_sold', 'Retailer × brand pairs sold'),
        (2, 'pairs_not_sold', 'Pairs removed or unavailable'),
        (3, 'relistings', 'Re-listings so far'),
        (4, 'exposed_retailers', 'Retailers selling brands of listed parents'),
        (5, 'disputed_pairs', 'Pairs with disputed status')
    ) as m (position, metric, label)
),

dates as (
    select 'value' as side, $as_of::date as on_date
    union all
    select 'compare' as side, $compare::date as on_date
),

-- Two filtered scans rather than a range join, so each can skip row groups by seg_from.
pair_status as (
    select 'value' as side, retailer_id, brand_id, status, disputed
    from segments
    where seg_from <= $as_of::date and (seg_to is null or seg_to > $as_of::date)
    union all
    select 'compare' as side, retailer_id, brand_id, status, disputed
    from segments
    where seg_from <= $compare::date and (seg_to is null or seg_to > $compare::date)
),

listed_brands as (
    select distinct dt.side, c.brand_id
    from dates as dt
    join claims as c
        on c.valid_from <= dt.on_date and (c.valid_to is null or dt.on_date < c.valid_to)
    join designated as d
        on d.company_id = c.company_id
       and d.effective_on <= dt.on_date
       and (d.ended_on is null or dt.on_date <= d.ended_on)
),

status_counts as (
    select
        side,
        count(*) filter (where status in ('stocked', 'exiting')) as pairs_sold,
        count(*) filter (where status in ('removed', 'unavailable')) as pairs_not_sold,
        count(*) filter (where disputed) as disputed_pairs
    from pair_status
    group by side
),

exposure_counts as (
    select p.side, count(distinct p.retailer_id) as exposed_retailers
    from pair_status as p
    join listed_brands as l on l.side = p.side and l.brand_id = p.brand_id
    where p.status in ('stocked', 'exiting')
    group by p.side
),

relisting_counts as (
    select d.side, count(r.relisted_on) as relistings
    from dates as d
    join relisted_days as r on r.relisted_on <= d.on_date
    group by d.side
),

per_date as (
    select
        d.side,
        coalesce(s.pairs_sold, 0) as pairs_sold,
        coalesce(s.pairs_not_sold, 0) as pairs_not_sold,
        coalesce(r.relistings, 0) as relistings,
        coalesce(e.exposed_retailers, 0) as exposed_retailers,
        coalesce(s.disputed_pairs, 0) as disputed_pairs
    from dates as d
    left join status_counts as s using (side)
    left join relisting_counts as r using (side)
    left join exposure_counts as e using (side)
    where d.on_date is not null
),

long as (
    unpivot per_date
    on pairs_sold, pairs_not_sold, relistings, exposed_retailers, disputed_pairs
    into name metric value n
),

final as (
    select
        m.metric,
        m.label,
        max(l.n) filter (where l.side = 'value')::bigint as value,
        max(l.n) filter (where l.side = 'compare')::bigint as compare_value,
        (value - compare_value)::bigint as delta,
        m.position
    from metrics as m
    left join long as l using (metric)
    group by m.metric, m.label, m.position
)

select * exclude (position) from final
order by position
