-- kpis: headline numbers on $as_of and on the comparison date $compare, one row per metric in a
-- fixed order:
--   pairs_sold         pairs whose status is a sold one (status_vocab.sold);
--   pairs_sold_stale   of those, pairs whose evidence is older than $stale_after days;
--   pairs_not_sold     pairs whose status is a not-sold one;
--   pairs_with_data    pairs with any observation up to the date (sold + not sold);
--   relistings         times a not-sold run was followed by a sold one, on or before the date;
--   exposed_retailers  distinct retailers with a sold pair whose brand's parent (the strongest
--                      claim's company; with $any_claim, any claim's) is designated on a list;
--   disputed_pairs     pairs whose status is disputed (docs/design.md, rule 5).
-- Parameters:
--   $as_of        DATE     the date of value
--   $compare      DATE     the date of compare_value (NULL = no comparison: compare_value and
--                          delta NULL)
--   $any_claim    BOOLEAN  count exposure through every ownership claim, not only the strongest
--   $stale_after  INTEGER  days: evidence older than this on a date is stale
-- Columns: metric, label, value, compare_value, delta (value - compare_value), all counts BIGINT.
--
-- The counts are precomputed at publish (kpi_daily: one row per date on which one changes, see
-- shelfwatch/sql/derive_kpis.sql); a date takes the last row on or before it, and a date
-- before every row has zero of everything. The stale count is precomputed for the default
-- threshold, 365 days (vocab.STALE_AFTER_DAYS); for any other, it is counted here: sold
-- segments covering the date that began more than $stale_after days before it (a constant
-- filter on $stale_after folds that scan away on the default).
with

counts as (
    select
        on_date, pairs_sold, pairs_not_sold, relistings, exposed_retailers,
        exposed_retailers_any_claim, disputed_pairs, pairs_sold_stale
    from kpi_daily
),

segments as not materialized (
    select seg_from, seg_to from status_segments where sold
),

metrics as (
    select * from (values
        (1, 'pairs_sold', 'Retailer × brand pairs sold'),
        (2, 'pairs_sold_stale', 'Pairs sold on stale evidence'),
        (3, 'pairs_not_sold', 'Pairs not sold'),
        (4, 'pairs_with_data', 'Pairs with data'),
        (5, 'relistings', 'Re-listings so far'),
        (6, 'exposed_retailers', 'Retailers selling brands of listed parents'),
        (7, 'disputed_pairs', 'Pairs with disputed status')
    ) as m (position, metric, label)
),

dates as (
    select 'value' as side, $as_of::date as on_date
    union all
    select 'compare' as side, $compare::date as on_date
),

stale_sold as (
    select 'value' as side, count(*) as pairs_sold_stale
    from segments
    where $stale_after <> 365
      and seg_from < $as_of::date - $stale_after
      and (seg_to is null or seg_to > $as_of::date)
    union all
    select 'compare' as side, count(*) as pairs_sold_stale
    from segments
    where $stale_after <> 365
      and $compare is not null
      and seg_from < $compare::date - $stale_after
      and (seg_to is null or seg_to > $compare::date)
),

per_date as (
    select
        d.side,
        coalesce(c.pairs_sold, 0) as pairs_sold,
        coalesce(
            case when $stale_after = 365 then c.pairs_sold_stale else s.pairs_sold_stale end, 0
        ) as pairs_sold_stale,
        coalesce(c.pairs_not_sold, 0) as pairs_not_sold,
        coalesce(c.pairs_sold + c.pairs_not_sold, 0) as pairs_with_data,
        coalesce(c.relistings, 0) as relistings,
        coalesce(
            case when $any_claim then c.exposed_retailers_any_claim else c.exposed_retailers end,
            0
        ) as exposed_retailers,
        coalesce(c.disputed_pairs, 0) as disputed_pairs
    from dates as d
    asof left join counts as c on d.on_date >= c.on_date
    left join stale_sold as s on s.side = d.side
    where d.on_date is not null
),

long as (
    unpivot per_date
    on pairs_sold, pairs_sold_stale, pairs_not_sold, pairs_with_data, relistings,
        exposed_retailers, disputed_pairs
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
