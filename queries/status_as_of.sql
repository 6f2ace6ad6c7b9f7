-- status_as_of: the status of every retailer × brand pair that has data on $as_of (pairs with
-- no observation up to that date are left out: no data), with the winning observation's
-- evidence, how old the evidence is, and the brand's parent company and its designation lists
-- on that date (docs/design.md, "The status rule" and "Ownership").
-- Parameters:
--   $as_of        DATE       the date the status holds for
--   $retailers    VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands       VARCHAR[]  brand ids to keep (NULL = all)
--   $statuses     VARCHAR[]  statuses to keep (NULL = all)
--   $parents      VARCHAR[]  keep brands whose parent on $as_of is one of these company ids
--                            (NULL = all)
--   $lists        VARCHAR[]  keep brands whose parent is designated on one of these lists on
--                            $as_of (NULL = all)
--   $any_claim    BOOLEAN    true: every company an ownership claim names on $as_of is a parent;
--                            false: only the strongest claim's company (the headline rule)
--   $stale_after  INTEGER    days: evidence older than this on $as_of is stale
--   $max_rows     BIGINT     at most this many rows, in order (NULL = all)
--   $skip_rows    BIGINT     rows to skip first, in order (NULL = none): with $max_rows, a
--                            page of the listing
-- Columns: retailer_id, retailer_name, brand_id, brand_name, status, since, disputed,
--   last_evidence_on (the latest observation date up to $as_of: the winner's date), stale,
--   source_url, source_kind, confidence, reported_on, channel, quote, note, archive_url,
--   obs_id, parent_ids (comma-separated, sorted, '' if none), parent_names (', '-separated,
--   sorted), ownership_confidence (of the strongest claim), ownership_contested (a claim
--   covering $as_of names another company), contested_parents ('name (confidence)' of the
--   companies not counted as parents, ', '-separated; '' if none), lists (comma-separated,
--   sorted, '' if none).
-- One row per pair, ordered by retailer_name, brand_name (then ids).
with

-- The winning observation's evidence is materialised in status_segments at publish time.
segments as (
    select
        retailer_id, brand_id, status, seg_from, seg_to, since, disputed, obs_id,
        source_url, source_kind, confidence, reported_on, channel, quote, note, archive_url,
        name_rank
    from status_segments
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

owners as (
    select brand_id, company_id, period_from, period_to, ownership_confidence, strongest
    from brand_parent_periods
),

company_names as (
    select company_id, name as company_name from companies
),

designated as (
    select company_id, list, effective_on, ended_on from designations
),

-- Every company a claim names on $as_of; "counted" is what the parent filters and lists use.
owners_on_date as (
    select
        o.brand_id,
        o.company_id,
        coalesce(n.company_name, o.company_id) as company_name,
        o.ownership_confidence,
        o.strongest,
        o.strongest or $any_claim as counted
    from owners as o
    left join company_names as n using (company_id)
    where o.period_from <= $as_of::date
      and (o.period_to is null or $as_of::date < o.period_to)
),

lists_on_date as (
    select distinct p.brand_id, d.list
    from owners_on_date as p
    join designated as d using (company_id)
    where p.counted
      and d.effective_on <= $as_of::date
      and (d.ended_on is null or $as_of::date <= d.ended_on)
),

brand_parents as (
    select
        brand_id,
        list(company_id) filter (where counted) as parent_id_list,
        string_agg(company_id, ',' order by company_id) filter (where counted) as parent_ids,
        string_agg(company_name, ', ' order by company_name, company_id)
            filter (where counted) as parent_names,
        any_value(ownership_confidence) filter (where strongest) as ownership_confidence,
        count(*) > 1 as ownership_contested,
        string_agg(
            company_name || ' (' || ownership_confidence || ')', ', '
            order by company_name, company_id
        ) filter (where not counted) as contested_parents
    from owners_on_date
    group by brand_id
),

brand_lists as (
    select
        brand_id,
        list(list) as list_names,
        string_agg(list, ',' order by list) as lists
    from lists_on_date
    group by brand_id
),

-- Everything about a brand on $as_of in one row per brand, so the pairs take one join.
brand_facts as (
    select
        brand_id,
        p.parent_id_list,
        coalesce(p.parent_ids, '') as parent_ids,
        coalesce(p.parent_names, '') as parent_names,
        p.ownership_confidence,
        coalesce(p.ownership_contested, false) as ownership_contested,
        coalesce(p.contested_parents, '') as contested_parents,
        l.list_names,
        coalesce(l.lists, '') as lists
    from brand_parents as p
    full outer join brand_lists as l using (brand_id)
),

-- The brands the parent and list filters keep (NULL filters: every brand).
kept_brands as (
    select brand_id
    from brand_facts
    where ($parents is null or list_has_any(parent_id_list, $parents))
      and ($lists is null or list_has_any(list_names, $lists))
),

-- A filtered scan: the one segment of each pair that covers $as_of, then the page asked for.
-- name_rank is the order of retailer_name, brand_name, retailer_id, brand_id, precomputed at
-- publish: a top-N on one integer, which DuckDB pushes into the scan as a filter, so the wide
-- evidence columns are read for the rows kept only.
page as (
    select rowid as seg_row, name_rank
    from status_segments
    where seg_from <= $as_of::date
      and (seg_to is null or seg_to > $as_of::date)
      and ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
      and ($statuses is null or list_contains($statuses, status))
      and (
          ($parents is null and $lists is null)
          or brand_id in (select brand_id from kept_brands)
      )
    order by name_rank
    limit $max_rows
    offset coalesce($skip_rows, 0)
),

pair_status as (
    select
        retailer_id, brand_id, status, seg_from, seg_to, since, disputed, obs_id,
        source_url, source_kind, confidence, reported_on, channel, quote, note, archive_url,
        name_rank
    from status_segments
    semi join page on status_segments.rowid = page.seg_row
),

final as (
    select
        s.retailer_id,
        r.retailer_name,
        s.brand_id,
        b.brand_name,
        s.status,
        s.since,
        s.disputed,
        s.seg_from as last_evidence_on,
        $as_of::date - s.seg_from > $stale_after as stale,
        s.source_url,
        s.source_kind,
        s.confidence,
        s.reported_on,
        s.channel,
        s.quote,
        s.note,
        s.archive_url,
        s.obs_id,
        coalesce(f.parent_ids, '') as parent_ids,
        coalesce(f.parent_names, '') as parent_names,
        f.ownership_confidence,
        coalesce(f.ownership_contested, false) as ownership_contested,
        coalesce(f.contested_parents, '') as contested_parents,
        coalesce(f.lists, '') as lists,
        s.name_rank
    from pair_status as s
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
    left join brand_facts as f using (brand_id)
)

select * exclude (name_rank) from final
order by name_rank
