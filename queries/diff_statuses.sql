-- diff_statuses: the pairs whose status on $as_of differs between two versions of the store,
-- attached as catalogs old and new (shelfwatch.diff.open_pair): a pair that gains or loses
-- data, changes status, becomes or stops being disputed, or whose evidence becomes fresh or
-- stale (docs/design.md, "The status rule").
--   change 'status'         the status differs (old_status NULL: the pair had no data);
--          'new dispute'    same status, now disputed;
--          'dispute ended'  same status, no longer disputed;
--          'fresh evidence' same status and flag, evidence no longer stale (or newer);
--          'older evidence' same status and flag, the latest evidence is older (a retraction).
-- Parameters:
--   $as_of        DATE     the date both statuses hold for
--   $stale_after  INTEGER  days: evidence older than this on $as_of is stale
--   $max_rows     BIGINT   at most this many rows, in order (NULL = all)
-- Columns: rows_in_all (how many rows there are without $max_rows), change,
--   retailer_id, retailer_name, brand_id, brand_name, old_status, new_status,
--   old_disputed, new_disputed, old_last_evidence_on, new_last_evidence_on, old_stale,
--   new_stale, source_url (the new version's deciding source).
-- Ordered by change, retailer_name, brand_name.
with

old_status as (
    select retailer_id, brand_id, status, disputed, seg_from as last_evidence_on
    from old.status_segments
    where seg_from <= $as_of::date and (seg_to is null or seg_to > $as_of::date)
),

new_status as (
    select retailer_id, brand_id, status, disputed, seg_from as last_evidence_on, source_url
    from new.status_segments
    where seg_from <= $as_of::date and (seg_to is null or seg_to > $as_of::date)
),

compared as (
    select
        coalesce(n.retailer_id, o.retailer_id) as retailer_id,
        coalesce(n.brand_id, o.brand_id) as brand_id,
        o.status as old_status,
        n.status as new_status,
        o.disputed as old_disputed,
        n.disputed as new_disputed,
        o.last_evidence_on as old_last_evidence_on,
        n.last_evidence_on as new_last_evidence_on,
        date_diff('day', o.last_evidence_on, $as_of::date) > $stale_after as old_stale,
        date_diff('day', n.last_evidence_on, $as_of::date) > $stale_after as new_stale,
        n.source_url
    from new_status as n
    full join old_status as o using (retailer_id, brand_id)
),

classified as (
    select
        case
            when old_status is distinct from new_status then 'status'
            when new_disputed and not old_disputed then 'new dispute'
            when old_disputed and not new_disputed then 'dispute ended'
            when new_last_evidence_on > old_last_evidence_on then 'fresh evidence'
            when new_last_evidence_on < old_last_evidence_on then 'older evidence'
        end as change,
        *
    from compared
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
        c.old_status,
        c.new_status,
        c.old_disputed,
        c.new_disputed,
        c.old_last_evidence_on,
        c.new_last_evidence_on,
        c.old_stale,
        c.new_stale,
        c.source_url
    from classified as c
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
    where c.change is not null
)

select * from final
order by change, retailer_name, brand_name, brand_id, retailer_id
limit $max_rows
