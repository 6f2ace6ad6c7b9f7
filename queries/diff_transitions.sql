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

-- Narrow first: each side's transitions are compared on ids, statuses and a 64-bit hash of
-- what the deciding source says (not its obs_id: a rebuild numbers afresh), grouped rather
-- than joined, so millions of them fit a reader's memory (the aggregate spills); evidence text
-- is fetched only for the rows returned. (Two different sources sharing a hash would hide
-- one change: as in diff_observations.)
old_transitions as (
    select
        retailer_id, brand_id, valid_from as changed_on,
        lag(status) over (partition by retailer_id, brand_id order by run_no) as from_status,
        status as to_status, first_obs_id as obs_id
    from old.status_intervals
    where starts_run
),

new_transitions as (
    select
        retailer_id, brand_id, valid_from as changed_on,
        lag(status) over (partition by retailer_id, brand_id order by run_no) as from_status,
        status as to_status, first_obs_id as obs_id
    from new.status_intervals
    where starts_run
),

sides as (
    select false as is_new, t.*, hash(o.source_url, o.source_kind, o.confidence) as source_h
    from old_transitions as t
    join old.observations as o using (obs_id)
    union all
    select true as is_new, t.*, hash(o.source_url, o.source_kind, o.confidence) as source_h
    from new_transitions as t
    join new.observations as o using (obs_id)
),

compared as (
    select
        retailer_id,
        brand_id,
        changed_on,
        bool_or(not is_new) as in_old,
        bool_or(is_new) as in_new,
        any_value(from_status) filter (where not is_new) as old_from_status,
        any_value(to_status) filter (where not is_new) as old_to_status,
        any_value(from_status) filter (where is_new) as new_from_status,
        any_value(to_status) filter (where is_new) as new_to_status,
        any_value(obs_id) filter (where not is_new) as old_obs_id,
        any_value(obs_id) filter (where is_new) as new_obs_id,
        any_value(source_h) filter (where not is_new) as old_source_h,
        any_value(source_h) filter (where is_new) as new_source_h
    from sides
    group by retailer_id, brand_id, changed_on
),

differing as (
    select
        *,
        case when not in_old then 'added' when not in_new then 'dropped' else 'changed' end
            as change
    from compared
    where not (in_old and in_new)
       or old_from_status is distinct from new_from_status
       or old_to_status <> new_to_status
       or old_source_h <> new_source_h
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

-- Ordered and limited on the narrow rows; then the page's sources, by obs_id.
page as (
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
        d.new_obs_id,
        d.old_obs_id
    from differing as d
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
    order by d.changed_on desc, retailer_name, brand_name, d.brand_id, d.retailer_id
    limit $max_rows
),

final as (
    select
        p.rows_in_all, p.change, p.retailer_id, p.retailer_name, p.brand_id, p.brand_name,
        p.changed_on, p.old_from_status, p.old_to_status, p.new_from_status, p.new_to_status,
        coalesce(ns.source_url, os.source_url) as source_url,
        coalesce(ns.source_kind, os.source_kind) as source_kind,
        coalesce(ns.confidence, os.confidence) as confidence
    from page as p
    left join new.observations as ns on ns.obs_id = p.new_obs_id
    left join old.observations as os on os.obs_id = p.old_obs_id
)

select * from final
order by changed_on desc, retailer_name, brand_name, brand_id, retailer_id
