-- diff_observations: the observations one version of the store holds and the other does not,
-- with two versions attached as catalogs old and new (shelfwatch.diff.open_pair), compared by
-- content (every column a file gives, through a hash), so a rebuilt version that renumbered
-- its observations shows no difference; and the observations the new version retracts.
--   change 'added'      in new, not in old (as many times as it is added);
--          'dropped'    in old, not in new (a build from other files);
--          'retracted'  retracted in new and not in old, with the reason and the editor.
-- Parameters:
--   $max_rows  BIGINT  at most this many rows, in order (NULL = all)
-- Columns: rows_in_all (how many rows there are without $max_rows), change, retailer_id,
--   retailer_name, brand_id, brand_name, status, effective_on, source_url, source_kind, confidence, quote, reason (of a retraction), editor (who
--   retracted it).
-- Ordered by change, effective_on desc, retailer_name, brand_name.
with

-- Compared by a 64-bit hash of every column a file gives: narrow enough for 10M rows on each
-- side (two counts per hash, never the wide rows sorted); the rows are fetched only for the
-- few hashes whose counts differ. (Two different rows sharing a hash would hide one change:
-- about one chance in 10^5 for a whole 10M-row diff.)
new_keys as (
    select
        obs_id,
        hash(retailer_id, brand_id, status, effective_on, source_url, source_kind, confidence,
             reported_on, channel, quote, note, archive_url) as h
    from new.observations
),

old_keys as (
    select
        obs_id,
        hash(retailer_id, brand_id, status, effective_on, source_url, source_kind, confidence,
             reported_on, channel, quote, note, archive_url) as h
    from old.observations
),

new_counts as (
    select h, count(*) as n from new_keys group by h
),

old_counts as (
    select h, count(*) as n from old_keys group by h
),

-- The hashes held more times on one side than the other, and how many times on each.
differing as (
    select h, coalesce(n.n, 0) as new_n, coalesce(o.n, 0) as old_n
    from new_counts as n
    full join old_counts as o using (h)
    where coalesce(n.n, 0) <> coalesce(o.n, 0)
),

-- A row repeated k times more on one side is k rows of the change (the latest ids).
added_ids as (
    select obs_id
    from (
        select k.obs_id, d.old_n, row_number() over (partition by k.h order by k.obs_id) as rn
        from new_keys as k
        join differing as d using (h)
        where d.new_n > d.old_n
    )
    where rn > old_n
),

dropped_ids as (
    select obs_id
    from (
        select k.obs_id, d.new_n, row_number() over (partition by k.h order by k.obs_id) as rn
        from old_keys as k
        join differing as d using (h)
        where d.old_n > d.new_n
    )
    where rn > new_n
),

added as (
    select
        'added' as change, retailer_id, brand_id, status, effective_on, source_url, source_kind,
        confidence, quote
    from new.observations
    where obs_id in (select obs_id from added_ids)
),

dropped as (
    select
        'dropped' as change, retailer_id, brand_id, status, effective_on, source_url,
        source_kind, confidence, quote
    from old.observations
    where obs_id in (select obs_id from dropped_ids)
),

new_retractions as (
    select obs_id, reason, editor from new.retractions
    where obs_id not in (select obs_id from old.retractions)
),

retracted as (
    select
        'retracted' as change,
        o.retailer_id, o.brand_id, o.status, o.effective_on, o.source_url, o.source_kind,
        o.confidence, o.quote, x.reason, x.editor
    from new_retractions as x
    join new.observations as o using (obs_id)
),

changed as (
    select
        change, retailer_id, brand_id, status, effective_on, source_url, source_kind,
        confidence, quote, null::varchar as reason, null::varchar as editor
    from added
    union all
    select
        change, retailer_id, brand_id, status, effective_on, source_url, source_kind,
        confidence, quote, null, null
    from dropped
    union all
    select * from retracted
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
        c.change,
        c.retailer_id,
        coalesce(r.retailer_name, c.retailer_id) as retailer_name,
        c.brand_id,
        coalesce(b.brand_name, c.brand_id) as brand_name,
        c.status,
        c.effective_on,
        c.source_url,
        c.source_kind,
        c.confidence,
        c.quote,
        c.reason,
        c.editor
    from changed as c
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
)

select * from final
order by change, effective_on desc, retailer_name, brand_name, brand_id, retailer_id, source_url
limit $max_rows
