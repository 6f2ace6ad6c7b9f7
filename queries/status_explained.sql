-- status_explained: why a retailer × brand pair has its status on $as_of — every observation
-- of the pair up to that date with the part it plays under the status rule (docs/design.md):
--   role 'deciding'    the winner on the latest observation date (last_evidence_on): the status;
--        'beaten'      another observation of that same date, which lost to it;
--        'in_run'      an observation of an earlier date inside the current run (since …);
--        'before_run'  an observation dated before the run began.
--   step   for 'deciding': what made it win its date against the runner-up ('only source',
--          'confidence', 'source kind', 'report date', 'ingest order'); for 'beaten': what it
--          lost on; else NULL.
--   disputes        it makes the status disputed (rule 5): it disagrees on sold and either was
--                   dated within the run (it lost its date's contest) or within 30 days before
--                   the run and is stronger than every observation dated in the run so far.
--   dispute_reason  'lost its date within the run' or 'stronger source just before the run'.
--   won_day         it won its own date's contest (the status from that date on).
-- Observations after $as_of do not count and are left out. No rows: no data on $as_of.
-- Parameters:
--   $retailer  VARCHAR  the retailer id
--   $brand     VARCHAR  the brand id
--   $as_of     DATE     the date
-- Columns: obs_id, effective_on, status, source_kind, confidence, reported_on, channel,
--   source_url, archive_url, quote, note, role, step, disputes, dispute_reason, won_day, since,
--   current_status, disputed (the status's flag on $as_of).
-- Ordered: the deciding observation, the ones it beat, the disputing ones, then by date, newest
-- first.
with

pair_observations as (
    select
        o.obs_id, o.effective_on, o.status, o.source_kind, o.confidence, o.reported_on,
        o.channel, o.source_url, o.archive_url, o.quote, o.note,
        s.sold,
        c.rank as confidence_rank,
        k.rank as kind_rank,
        coalesce(o.reported_on, date '0001-01-01') as reported_key
    from observations as o
    join status_vocab as s using (status)
    join confidence_vocab as c using (confidence)
    join source_kind_vocab as k using (source_kind)
    -- A retracted observation plays no part (the pair's evidence list shows it struck through).
    anti join retractions as x using (obs_id)
    where o.retailer_id = $retailer and o.brand_id = $brand and o.effective_on <= $as_of::date
),

day_winners as (
    select obs_id
    from status_segments
    where retailer_id = $retailer and brand_id = $brand and seg_from <= $as_of::date
),

current_status as (
    select seg_from, since, status, sold, obs_id, disputed
    from status_segments
    where retailer_id = $retailer and brand_id = $brand
      and seg_from <= $as_of::date and (seg_to is null or seg_to > $as_of::date)
),

-- The strongest observation dated in the run so far: a source before the run must beat it.
run_strength as (
    select max(o.confidence_rank * 10 + o.kind_rank) as strength
    from pair_observations as o
    cross join current_status as c
    where o.effective_on >= c.since
),

winner as (
    select o.*
    from pair_observations as o
    join current_status as c on c.obs_id = o.obs_id
),

-- The deciding observation's strongest rival on its date (rule 2's order).
runner_up as (
    select o.*
    from pair_observations as o
    join winner as w on w.effective_on = o.effective_on and o.obs_id <> w.obs_id
    order by o.confidence_rank desc, o.kind_rank desc, o.reported_key desc, o.obs_id desc
    limit 1
),

classified as (
    select
        o.*,
        c.since,
        c.status as current_status,
        c.disputed,
        case
            when o.obs_id = w.obs_id then 'deciding'
            when o.effective_on = w.effective_on then 'beaten'
            when o.effective_on >= c.since then 'in_run'
            else 'before_run'
        end as role,
        o.sold <> c.sold as disagrees,
        o.effective_on >= c.since as within_run,
        o.effective_on >= c.since - 30
        and o.confidence_rank * 10 + o.kind_rank > (select strength from run_strength)
            as stronger_before_run
    from pair_observations as o
    cross join current_status as c
    cross join winner as w
),

-- What decided between the winner and another observation of its date: the first of rule
-- 2's keys on which they differ.
final as (
    select
        x.obs_id, x.effective_on, x.status, x.source_kind, x.confidence, x.reported_on,
        x.channel, x.source_url, x.archive_url, x.quote, x.note, x.role,
        case x.role
            when 'deciding' then coalesce(
                case
                    when w.confidence_rank <> r.confidence_rank then 'confidence'
                    when w.kind_rank <> r.kind_rank then 'source kind'
                    when w.reported_key <> r.reported_key then 'report date'
                    when r.obs_id is not null then 'ingest order'
                end,
                'only source'
            )
            when 'beaten' then
                case
                    when w.confidence_rank <> x.confidence_rank then 'confidence'
                    when w.kind_rank <> x.kind_rank then 'source kind'
                    when w.reported_key <> x.reported_key then 'report date'
                    else 'ingest order'
                end
        end as step,
        x.disagrees and (x.within_run or x.stronger_before_run) as disputes,
        case
            when not x.disagrees then null
            when x.within_run then 'lost its date within the run'
            when x.stronger_before_run then 'stronger source just before the run'
        end as dispute_reason,
        x.obs_id in (select obs_id from day_winners) as won_day,
        x.since,
        x.current_status,
        x.disputed
    from classified as x
    cross join winner as w
    left join runner_up as r on true
)

select * from final
order by
    case role when 'deciding' then 0 when 'beaten' then 1 else 2 end,
    disputes desc,
    effective_on desc,
    obs_id desc
