-- The status rule of docs/design.md, materialised at publish time so that "status as of D"
-- is a filtered scan: status_segments holds one row per pair and observation date — the
-- day's winner (and its evidence), valid from that date until the pair's next observation
-- date (seg_to, exclusive; null = open), with its run (since, run_to, run_no) and the
-- disputed flag, which holds for the whole segment (nothing it depends on changes inside it).
-- "Sold" and the ranks come from the vocabulary tables (shelfwatch/vocab.py), written first.
-- name_rank is the pair's place in retailer name, brand name, ids order: listings sort on
-- that one integer instead of two joined names (a third of the 10M "status of every pair"
-- query's time went to sorting wide rows by name).

create or replace table status_segments as
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
),

-- One row per pair and observation date: the day's winner; how many of the day's observations
-- say sold / not sold, and the strongest of each (the disputed rule weighs losers too).
pair_days as (
    select
        retailer_id, brand_id, effective_on,
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

days as (
    select
        *,
        lead(effective_on) over pair_order as seg_to,
        -- Rule 4: a new run starts where the winning status changes.
        coalesce(lag(status) over pair_order <> status, true) as starts_run,
        -- The strongest source of each kind dated in the 30 days before this date
        -- (vocab.DISPUTE_WINDOW_DAYS): what a run starting here must not be weaker than.
        max(sold_strength) over before_day as sold_strength_before,
        max(not_sold_strength) over before_day as not_sold_strength_before
    from pair_days
    window
        pair_order as (partition by retailer_id, brand_id order by effective_on),
        before_day as (
            partition by retailer_id, brand_id order by effective_on
            range between interval 30 days preceding and interval 1 day preceding
        )
),

runs as (
    select
        *,
        max(case when starts_run then effective_on end) over so_far as since,
        min(case when starts_run then effective_on end) over after as run_to,
        (sum(starts_run::integer) over so_far)::integer as run_no
    from days
    window
        so_far as (
            partition by retailer_id, brand_id order by effective_on rows unbounded preceding
        ),
        after as (
            partition by retailer_id, brand_id order by effective_on
            rows between 1 following and unbounded following
        )
),

-- Rule 5, for the run so far (since … this date): a source that disagrees on sold was dated
-- within the run (it lost its date's contest), or in the 30 days before the run and stronger
-- than every source dated in the run so far. The winners of a run all share its status.
disputes as (
    select
        *,
        sum(case when sold then not_sold_n else sold_n end) over run_so_far > 0
            as disagrees_in_run,
        coalesce(
            first(case when sold then not_sold_strength_before else sold_strength_before end)
                over run_so_far
            > max(strength) over run_so_far,
            false
        ) as stronger_before_run
    from runs
    window run_so_far as (
        partition by retailer_id, brand_id, run_no order by effective_on
        rows unbounded preceding
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

final as (
    select
        retailer_id, brand_id, status, sold,
        effective_on as seg_from, seg_to, since, run_to, run_no, obs_id,
        disagrees_in_run or stronger_before_run as disputed
    from disputes
)

-- The winner's evidence rides along, so "status as of D" needs no join with observations.
select
    f.*,
    o.source_url, o.source_kind, o.confidence, o.reported_on, o.channel, o.quote, o.note,
    o.archive_url,
    k.name_rank
from final as f
join observations as o using (obs_id)
join pair_ranks as k on k.retailer_id = f.retailer_id and k.brand_id = f.brand_id
order by f.seg_from, f.retailer_id, f.brand_id;
