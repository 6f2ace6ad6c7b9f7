-- The status rule of DESIGN.md, materialised at publish time so that "status as of D"
-- is a filtered scan. Two tables:
--   status_segments  one row per pair and observation date: the day's winner (and its evidence),
--                    valid from that date until the pair's next observation date (seg_to,
--                    exclusive; null = open), with its run (since, run_to) and disputed flag;
--   status_intervals consecutive segments with the same status merged (the timeline).
-- status_segments.name_rank is the pair's place in retailer name, brand name, ids order:
-- listings sort on that one integer instead of two joined names (a third of the 10M "status
-- of every pair" query's time went to sorting wide rows by name).

create or replace table status_segments as
with observations_ranked as (
    select
        retailer_id, brand_id, effective_on, obs_id, status,
        status in ('stocked', 'exiting') as sold,
        -- Rule 2 as one sortable key: confidence, then source kind, then the latest
        -- reported_on (empty = oldest), then the one ingested last.
        {
            'confidence': case confidence when 'high' then 3 when 'medium' then 2 else 1 end,
            'source_kind': case source_kind
                when 'statement' then 5 when 'listing_check' then 4 when 'legal_filing' then 3
                when 'news_report' then 2 else 1 end,
            'reported_on': coalesce(reported_on, date '0001-01-01'),
            'obs_id': obs_id
        } as precedence
    from observations
),

-- One row per pair and observation date: the day's winner, and how many of the day's
-- observations say sold / not sold (rule 5 counts losers too).
pair_days as (
    select
        retailer_id, brand_id, effective_on,
        arg_max(obs_id, precedence) as obs_id,
        arg_max(status, precedence) as status,
        count(*) filter (where sold) as sold_n,
        count(*) filter (where not sold) as not_sold_n
    from observations_ranked
    group by retailer_id, brand_id, effective_on
),

segments as (
    select
        retailer_id, brand_id, status, obs_id,
        effective_on as seg_from,
        lead(effective_on) over pair_order as seg_to,
        case
            when status in ('stocked', 'exiting') then sum(not_sold_n) over recent > 0
            else sum(sold_n) over recent > 0
        end as disputed,
        -- Rule 4: a new run starts where the winning status changes.
        coalesce(lag(status) over pair_order <> status, true) as starts_run
    from pair_days
    window
        pair_order as (partition by retailer_id, brand_id order by effective_on),
        recent as (
            partition by retailer_id, brand_id order by effective_on
            range between interval 30 days preceding and current row
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
        retailer_id, brand_id, status, seg_from, seg_to,
        max(case when starts_run then seg_from end) over so_far as since,
        min(case when starts_run then seg_from end) over after as run_to,
        (sum(starts_run::integer) over so_far)::integer as run_no,
        obs_id, disputed
    from segments
    window
        so_far as (
            partition by retailer_id, brand_id order by seg_from rows unbounded preceding
        ),
        after as (
            partition by retailer_id, brand_id order by seg_from
            rows between 1 following and unbounded following
        )
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

-- The overview's headline numbers on any date D. They change only where a segment starts or
-- ends, a run is relisted, or a brand's parent gets on or off a list, so they are kept as one
-- row per such date with the counts from that date on: "kpis on D" is the last row on or
-- before D (an ASOF join), not two scans of every segment per date change. The definitions
-- are those of queries/kpis.sql's header; tests/test_queries.py checks them against
-- status_as_of and relistings on every date where something changes.
create or replace table kpi_daily as
with segments as not materialized (
    select
        retailer_id, brand_id, seg_from, seg_to, disputed,
        status in ('stocked', 'exiting') as sold,
        status in ('removed', 'unavailable') as not_sold
    from status_segments
),

-- [from, to) days on which a brand has a parent (any claim) on some list; designations end
-- on ended_on inclusive, claims on valid_to exclusive. Overlaps are fine: only "any" counts.
listed_spans as (
    select
        c.brand_id,
        greatest(c.valid_from, d.effective_on) as span_from,
        case
            when c.valid_to is null then d.ended_on + 1
            when d.ended_on is null then c.valid_to
            else least(c.valid_to, d.ended_on + 1)
        end as span_to
    from ownership as c
    join designations as d using (company_id)
    -- A claim that ended before the designation began (or the reverse) lists nothing.
    where (c.valid_to is null or d.effective_on < c.valid_to)
      and (d.ended_on is null or c.valid_from <= d.ended_on)
),

-- A sold segment's days on which its brand is listed: the retailer is exposed on those days.
exposed_spans as (
    select
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
    select retailer_id, on_date, sum(step) as step
    from (
        select retailer_id, span_from as on_date, 1 as step from exposed_spans
        union all
        select retailer_id, span_to as on_date, -1 as step
        from exposed_spans
        where span_to is not null
    )
    group by retailer_id, on_date
),

-- A re-listing: a sold run directly after a removed or unavailable one (runs are numbered
-- 1, 2, 3 … per pair, as queries/relistings.sql reads them).
relistings as (
    select valid_from
    from (
        select
            valid_from,
            status in ('stocked', 'exiting')
            and lag(status) over (partition by retailer_id, brand_id order by run_no)
            in ('removed', 'unavailable') as relisted
        from status_intervals
    )
    where relisted
),

retailer_flips as (
    select
        r.on_date,
        r.exposed - coalesce(lag(r.exposed) over (partition by r.retailer_id order by r.on_date), 0)
            as exposed_step
    from (
        select
            retailer_id,
            on_date,
            (sum(step) over (
                partition by retailer_id order by on_date rows unbounded preceding
            ) > 0)::integer as exposed
        from retailer_steps
    ) as r
),

steps as (
    select
        seg_from as on_date,
        sold::integer as sold_step,
        not_sold::integer as not_sold_step,
        disputed::integer as disputed_step,
        0 as relisting_step,
        0 as exposed_step
    from segments
    union all
    select seg_to, -sold::integer, -not_sold::integer, -disputed::integer, 0, 0
    from segments
    where seg_to is not null
    union all
    select valid_from, 0, 0, 0, 1, 0 from relistings
    union all
    select on_date, 0, 0, 0, 0, exposed_step from retailer_flips where exposed_step <> 0
),

per_date as (
    select
        on_date,
        sum(sold_step) as sold_step,
        sum(not_sold_step) as not_sold_step,
        sum(relisting_step) as relisting_step,
        sum(exposed_step) as exposed_step,
        sum(disputed_step) as disputed_step
    from steps
    group by on_date
)

select
    on_date,
    sum(sold_step) over running as pairs_sold,
    sum(not_sold_step) over running as pairs_not_sold,
    sum(relisting_step) over running as relistings,
    sum(exposed_step) over running as exposed_retailers,
    sum(disputed_step) over running as disputed_pairs
from per_date
window running as (order by on_date rows unbounded preceding)
order by on_date;

-- How often each source is cited: the Data page's source list and the summary's count read
-- this instead of grouping every observation by URL on a reader's first visit.
create or replace temp table source_tally as
select source_url, count(*) as observations
from observations
group by source_url;

create or replace table top_sources as
with top as (
    select source_url, observations
    from source_tally
    order by observations desc, source_url
    limit 1000
),

cited as (
    select o.source_url, o.source_kind, o.effective_on, o.retailer_id, o.brand_id
    from observations as o
    semi join top as t on t.source_url = o.source_url
),

final as (
    select
        c.source_url,
        array_to_string(list_sort(list_distinct(list(c.source_kind))), ',') as source_kinds,
        count(*) as observations,
        min(c.effective_on) as first_date,
        max(c.effective_on) as last_date,
        len(list_distinct(list(c.retailer_id))) as retailers,
        len(list_distinct(list(c.brand_id))) as brands
    from cited as c
    group by c.source_url
)

select * from final
order by observations desc, source_url;

-- One row describing the version, read by every page's sidebar: computed once at publish
-- rather than by a full scan on each reader's first visit.
create or replace table data_summary as
with all_observations as (
    select effective_on from observations
),

observed_pairs as (
    select distinct retailer_id, brand_id from status_intervals
),

extent as (
    select
        min(effective_on) as first_date,
        max(effective_on) as last_date,
        count(*) as observations
    from all_observations
),

pair_counts as (
    select
        count(*) as pairs,
        count(distinct retailer_id) as retailers,
        count(distinct brand_id) as brands
    from observed_pairs
),

source_counts as (
    select count(*) as sources from source_tally
),

final as (
    select e.first_date, e.last_date, e.observations, p.pairs, p.retailers, p.brands, s.sources
    from extent as e
    cross join pair_counts as p
    cross join source_counts as s
)

select * from final;
