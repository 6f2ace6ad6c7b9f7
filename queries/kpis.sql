-- kpis: headline numbers on $as_of and on the comparison date $compare, one row per metric in a
-- fixed order: pairs_sold, pairs_not_sold, relistings (relisted on or before the date),
-- exposed_retailers (distinct retailers with a sold pair whose brand has a parent, any claim,
-- designated on any list on that date), disputed_pairs.
-- Parameters:
--   $as_of    DATE  the date of value
--   $compare  DATE  the date of compare_value (NULL = no comparison: compare_value and delta NULL)
-- Columns: metric, label, value, compare_value, delta (value - compare_value), all counts BIGINT.
--
-- The counts are precomputed at publish (kpi_daily: one row per date on which one changes, see
-- shelfwatch/sql/derive_status.sql); a date takes the last row on or before it, and a date
-- before every row has zero of everything.
with

counts as (
    select
        on_date, pairs_sold, pairs_not_sold, relistings, exposed_retailers, disputed_pairs
    from kpi_daily
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

per_date as (
    select
        d.side,
        coalesce(c.pairs_sold, 0) as pairs_sold,
        coalesce(c.pairs_not_sold, 0) as pairs_not_sold,
        coalesce(c.relistings, 0) as relistings,
        coalesce(c.exposed_retailers, 0) as exposed_retailers,
        coalesce(c.disputed_pairs, 0) as disputed_pairs
    from dates as d
    asof left join counts as c on d.on_date >= c.on_date
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
