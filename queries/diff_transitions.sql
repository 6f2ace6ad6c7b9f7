-- diff_transitions: how the status transitions differ between two versions of the store,
-- attached as catalogs old and new (shelfwatch.diff.open_pair). A transition is the start of
-- a run of a pair's status (docs/design.md, "Changes in a window"), keyed by pair and date:
--   change 'added'    only the new version has it (e.g. a new observation made a change);
--          'dropped'  only the old one had it (e.g. a retraction undid a change);
--          'changed'  both have a transition on that date, with another status before or
--                     after, or another deciding source.
-- Parameters:
--   $max_rows  BIGINT  at most this many rows, in order (NULL = all)
-- Columns: rows_in_all (how many rows there are without $max_rows), change,
--   retailer_id, retailer_name, brand_id, brand_name, changed_on,
--   old_from_status, old_to_status, new_from_status, new_to_status (NULL where that version
--   has no transition; a NULL from status is a pair's first evidence), source_url, source_kind,
--   confidence (the deciding source: the new version's, else the old's).
-- Ordered by changed_on desc, retailer_name, brand_name.
with

old_runs as (
    select retailer_id, brand_id, run_no, status, valid_from, first_obs_id
    from old.status_intervals
    where starts_run
),

new_runs as (
    select retailer_id, brand_id, run_no, status, valid_from, first_obs_id
    from new.status_intervals
    where starts_run
),

old_transitions as (
    select
        r.retailer_id, r.brand_id, r.valid_from as changed_on, p.status as from_status,
        r.status as to_status, r.first_obs_id
    from old_runs as r
    left join old_runs as p
        on p.retailer_id = r.retailer_id and p.brand_id = r.brand_id and p.run_no = r.run_no - 1
),

new_transitions as (
    select
        r.retailer_id, r.brand_id, r.valid_from as changed_on, p.status as from_status,
        r.status as to_status, r.first_obs_id
    from new_runs as r
    left join new_runs as p
        on p.retailer_id = r.retailer_id and p.brand_id = r.brand_id and p.run_no = r.run_no - 1
),

compared as (
    select
        coalesce(n.retailer_id, o.retailer_id) as retailer_id,
        coalesce(n.brand_id, o.brand_id) as brand_id,
        coalesce(n.changed_on, o.changed_on) as changed_on,
        o.from_status as old_from_status,
        o.to_status as old_to_status,
        n.from_status as new_from_status,
        n.to_status as new_to_status,
        o.first_obs_id as old_obs_id,
        n.first_obs_id as new_obs_id,
        case
            when o.retailer_id is null then 'added'
            when n.retailer_id is null then 'dropped'
            else 'changed'
        end as change
    from new_transitions as n
    full join old_transitions as o
        on o.retailer_id = n.retailer_id
       and o.brand_id = n.brand_id
       and o.changed_on = n.changed_on
),

new_sources as (
    select obs_id as new_obs_id, source_url, source_kind, confidence from new.observations
),

old_sources as (
    select obs_id as old_obs_id, source_url, source_kind, confidence from old.observations
),

-- The deciding source compared by what it says, not its obs_id: a rebuild numbers afresh.
differing as (
    select c.*
    from compared as c
    left join new_sources as ns using (new_obs_id)
    left join old_sources as os using (old_obs_id)
    where c.change <> 'changed'
       or c.old_from_status is distinct from c.new_from_status
       or c.old_to_status <> c.new_to_status
       or (ns.source_url, ns.source_kind, ns.confidence)
          is distinct from (os.source_url, os.source_kind, os.confidence)
),

retailer_names as (
    select retailer_id, name as retailer_name from new.retailers
    union all
    select retailer_id, name from old.retailers
    where retailer_id not in (select retailer_id from new.retailers)
),

brand_names as (
    select brand_id, name as brand_name from new.brands
    union all
    select brand_id, name from old.brands
    where brand_id not in (select brand_id from new.brands)
),

final as (
    select
        count(*) over () as rows_in_all,
        d.change,
        d.retailer_id,
        coalesce(r.retailer_name, d.retailer_id) as retailer_name,
        d.brand_id,
        coalesce(b.brand_name, d.brand_id) as brand_name,
        d.changed_on,
        d.old_from_status,
        d.old_to_status,
        d.new_from_status,
        d.new_to_status,
        coalesce(ns.source_url, os.source_url) as source_url,
        coalesce(ns.source_kind, os.source_kind) as source_kind,
        coalesce(ns.confidence, os.confidence) as confidence
    from differing as d
    left join new_sources as ns using (new_obs_id)
    left join old_sources as os using (old_obs_id)
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
)

select * from final
order by changed_on desc, retailer_name, brand_name, brand_id, retailer_id
limit $max_rows
