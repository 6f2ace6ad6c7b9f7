-- The status rule of docs/design.md, materialised at publish time so that "status as of D"
-- is a filtered scan: status_segments holds one row per pair and observation date — the
-- day's winner (and its evidence), valid from that date until the pair's next observation
-- date (seg_to, exclusive; null = open), with its run (since, run_to, run_no) and the
-- disputed flag, which holds for the whole segment (nothing it depends on changes inside it).
-- "Sold" and the ranks come from the vocabulary tables (shelfwatch/vocab.py), written first.
-- name_rank is the pair's place in retailer name, brand name, ids order: listings sort on
-- that one integer instead of two joined names (a third of the 10M "status of every pair"
-- query's time went to sorting wide rows by name).
--
-- Three statements: the rule's rows, narrow, in stored order (segment_rules, temporary); the
-- view that adds each row's evidence (segment_rows); the table, empty. store.derive_status
-- then fills it a range of seg_from days at a time, each range sorted in memory (by how long
-- a segment lasts, then seg_from: see store.RANGE_FILLS) and appended in order, without
-- sorting all the wide rows at once (at 30M observations that sort, its evidence text
-- included, spilled and took a third of the build).

create or replace temp table segment_rules as
with observations_ranked as (
    select
        o.retailer_id, o.brand_id, o.effective_on, o.obs_id, o.status, s.sold,
        -- A source's strength: confidence, then kind (vocab.STRENGTH_BASE = 10 > every kind rank).
        c.rank * 10 + k.rank as strength,
        -- Rule 2 as one sortable key: strength, then the latest reported_on (empty = oldest),
        -- then the one ingested last.
        {
            'strength': c.rank * 10 + k.rank,
            'reported_on': coalesce(o.reported_on, date '0001-01-01'),
            'obs_id': o.obs_id
        } as precedence
    from observations as o
    join status_vocab as s using (status)
    join confidence_vocab as c using (confidence)
    join source_kind_vocab as k using (source_kind)
    -- A retracted observation no longer counts (rule 0 of docs/design.md).
    anti join retractions as x using (obs_id)
),

-- One row per pair and observation date: the day's winner; how many of the day's observations
-- say sold / not sold, and the strongest of each (the disputed rule weighs losers too).
-- day_no orders every window below: one integer key lets DuckDB sort once per level (a range
-- frame over a DATE would order by a TIMESTAMP cast, a second sort).
pair_days as (
    select
        retailer_id, brand_id, effective_on,
        date_diff('day', date '1970-01-01', effective_on) as day_no,
        arg_max(obs_id, precedence) as obs_id,
        arg_max(status, precedence) as status,
        arg_max(sold, precedence) as sold,
        max(strength) as strength,
        count(*) filter (where sold) as sold_n,
        count(*) filter (where not sold) as not_sold_n,
        max(strength) filter (where sold) as sold_strength,
        max(strength) filter (where not sold) as not_sold_strength
    from observations_ranked
    group by retailer_id, brand_id, effective_on
),

-- Per date: where the pair's next date begins its segment, whether a run starts here (rule 4:
-- the winning status changes), the sources of that date disagreeing with its winner, and the
-- strongest disagreeing source in the 30 days before (vocab.DISPUTE_WINDOW_DAYS): what a run
-- starting here must not be weaker than.
days as (
    select
        retailer_id, brand_id, effective_on, day_no, obs_id, status, sold, strength,
        case when sold then not_sold_n else sold_n end as opposite_n,
        lead(effective_on) over pair_order as seg_to,
        coalesce(lag(status) over pair_order <> status, true) as starts_run,
        case
            when sold then max(not_sold_strength) over before_day
            else max(sold_strength) over before_day
        end as opposite_before
    from pair_days
    window
        pair_order as (partition by retailer_id, brand_id order by day_no),
        before_day as (
            partition by retailer_id, brand_id order by day_no
            range between 30 preceding and 1 preceding
        )
),

-- The run each date belongs to, and what rule 5 needs of it, as running values over the pair:
-- run_pre, the strongest source disagreeing with the run in the 30 days before it began (-1:
-- none), carried from the run's first date; last_opposite_on, the latest date with a source
-- that disagreed with its date's winner (inside the run when on or after since).
runs as (
    select
        *,
        max(case when starts_run then effective_on end) over so_far as since,
        min(case when starts_run then effective_on end) over after as run_to,
        (sum(starts_run::integer) over so_far)::integer as run_no,
        arg_max(
            case when starts_run then coalesce(opposite_before, -1) end,
            case when starts_run then day_no end
        ) over so_far as run_pre,
        max(case when opposite_n > 0 then effective_on end) over so_far as last_opposite_on
    from days
    window
        so_far as (
            partition by retailer_id, brand_id order by day_no rows unbounded preceding
        ),
        after as (
            partition by retailer_id, brand_id order by day_no
            rows between 1 following and unbounded following
        )
),

-- The strongest source dated in the run so far: a running max of run_no × 100 + strength over
-- the pair (runs only count up, so the current run's dates outrank every earlier one).
run_strengths as (
    select
        *,
        max(run_no * 100 + strength) over so_far - run_no * 100 as run_strength
    from runs
    window so_far as (
        partition by retailer_id, brand_id order by day_no rows unbounded preceding
    )
),

-- Ties in names fall back to ids, as the listings' own order by does; no name sorts last.
pair_ranks as (
    select
        p.retailer_id,
        p.brand_id,
        row_number() over (
            order by r.name, b.name, p.retailer_id, p.brand_id
        ) as name_rank
    from (select distinct retailer_id, brand_id from pair_days) as p
    left join retailers as r using (retailer_id)
    left join brands as b using (brand_id)
),

-- Rule 5: disputed when a source dated in the run disagrees, or one dated in the 30 days before
-- it is stronger than every source dated in the run so far.
final as (
    select
        retailer_id, brand_id, status, sold,
        effective_on as seg_from, seg_to, since, run_to, run_no, obs_id,
        coalesce(last_opposite_on >= since, false) or run_pre > run_strength as disputed
    from run_strengths
)

-- Every pair has its rank: a left join only so that it is joined here, to the narrow rows
-- (as an inner join DuckDB may join it after the evidence, hashing the wide rows).
select f.*, k.name_rank
from final as f
left join pair_ranks as k on k.retailer_id = f.retailer_id and k.brand_id = f.brand_id
order by f.seg_from, f.retailer_id, f.brand_id;

-- The winner's evidence rides along, so "status as of D" needs no join with observations. The
-- winner is an observation of the segment's own day (seg_from is its effective_on), which lets
-- a range of days read only that range of observations.
create or replace temp view segment_rows as
select
    f.* exclude (name_rank),
    o.source_url, o.source_kind, o.confidence, o.reported_on, o.channel, o.quote, o.note,
    o.archive_url,
    f.name_rank
from segment_rules as f
join observations as o on o.obs_id = f.obs_id and o.effective_on = f.seg_from;

create or replace table status_segments as
select * from segment_rows
limit 0;
