-- exposure_by_parent: who sells brands of designated parents on $as_of. One row per retailer ×
-- brand × parent company × designation list where the retailer's status on $as_of is sold
-- (status_vocab.sold) and the company is the brand's parent on $as_of, designated on that
-- list on $as_of. The parent is the one the strongest ownership claim names (docs/design.md,
-- "Ownership"); with $any_claim, every company a claim covering $as_of names. A pair on stale
-- evidence still counts, marked stale.
-- Parameters:
--   $as_of        DATE       the date
--   $lists        VARCHAR[]  designation lists to keep (NULL = all)
--   $any_claim    BOOLEAN    count every claim's company, not only the strongest claim's
--   $stale_after  INTEGER    days: evidence older than this on $as_of is stale
--   $max_rows     BIGINT     at most this many rows (NULL = all)
-- Columns: company_id, company_name, list, designated_on (that list's designation of the
--   company in effect on $as_of), brand_id, brand_name, retailer_id, retailer_name, status,
--   since, last_evidence_on, stale, disputed, ownership_confidence (the confidence of the
--   strongest claim naming the company), ownership_source_url, ownership_contested (a claim
--   covering $as_of names another company), contested_parents ('name (confidence)' of the
--   companies other claims name, ', '-separated; '' if none), source_url (of the status's
--   winning observation).
-- Ordered by company_name, retailer_name, brand_name, list.
with

segments as (
    select
        rowid as seg_row, retailer_id, brand_id, status, sold, seg_from, seg_to, since,
        disputed, source_url, name_rank
    from status_segments
),

owners as (
    select
        brand_id, company_id, period_from, period_to, ownership_confidence,
        ownership_source_url, strongest
    from brand_parent_periods
),

designated as (
    select company_id, list, effective_on, ended_on from designations
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

company_names as (
    select company_id, name as company_name from companies
),

sold_pairs as not materialized (
    select
        seg_row, retailer_id, brand_id, status, since, disputed, source_url, name_rank,
        seg_from as last_evidence_on,
        $as_of::date - seg_from > $stale_after as stale
    from segments
    where seg_from <= $as_of::date
      and (seg_to is null or seg_to > $as_of::date)
      and sold
),

owners_on_date as (
    select
        o.*,
        coalesce(n.company_name, o.company_id) as company_name
    from owners as o
    left join company_names as n using (company_id)
    where o.period_from <= $as_of::date
      and (o.period_to is null or $as_of::date < o.period_to)
),

-- Per brand: the companies other claims name, so a counted parent shows who contests it.
rivals as (
    select
        p.brand_id,
        p.company_id,
        string_agg(
            r.company_name || ' (' || r.ownership_confidence || ')', ', '
            order by r.company_name, r.company_id
        ) as contested_parents
    from owners_on_date as p
    join owners_on_date as r on r.brand_id = p.brand_id and r.company_id <> p.company_id
    group by p.brand_id, p.company_id
),

parents as (
    select
        p.brand_id, p.company_id, p.company_name, p.ownership_confidence,
        p.ownership_source_url,
        r.contested_parents is not null as ownership_contested,
        coalesce(r.contested_parents, '') as contested_parents
    from owners_on_date as p
    left join rivals as r using (brand_id, company_id)
    where p.strongest or $any_claim
),

designations_on_date as (
    select company_id, list, min(effective_on) as designated_on
    from designated
    where effective_on <= $as_of::date
      and (ended_on is null or $as_of::date <= ended_on)
      and ($lists is null or list_contains($lists, list))
    group by company_id, list
),

-- Every exposed pair's row, narrow but for source_url (inlined where used: a page reads the
-- narrow columns only).
exposed as not materialized (
    select
        p.company_id,
        p.company_name,
        d.list,
        d.designated_on,
        s.brand_id,
        s.retailer_id,
        s.status,
        s.since,
        s.last_evidence_on,
        s.stale,
        s.disputed,
        p.ownership_confidence,
        p.ownership_source_url,
        p.ownership_contested,
        p.contested_parents,
        s.source_url,
        s.seg_row,
        s.name_rank
    from sold_pairs as s
    join parents as p using (brand_id)
    join designations_on_date as d using (company_id)
),

-- A page (the Overview's table, $max_rows set): the top rows of ~800k are found on the narrow
-- columns (name_rank orders retailer name, brand name, ids: precomputed at publish), then
-- each one's source is fetched by its segment's rowid. Every row (a download, $max_rows
-- NULL): one pass, the source read with the rest. DuckDB drops the branch that is empty
-- once $max_rows is bound.
page as (
    select * exclude (source_url)
    from exposed
    order by company_name, company_id, name_rank, list
    limit $max_rows
),

pair_rows as (
    select g.*, w.source_url
    from page as g
    join (select rowid as seg_row, source_url from status_segments) as w using (seg_row)
    where $max_rows is not null
    union all by name
    select * from exposed where $max_rows is null
),

final as (
    select
        g.company_id,
        g.company_name,
        g.list,
        g.designated_on,
        g.brand_id,
        b.brand_name,
        g.retailer_id,
        r.retailer_name,
        g.status,
        g.since,
        g.last_evidence_on,
        g.stale,
        g.disputed,
        g.ownership_confidence,
        g.ownership_source_url,
        g.ownership_contested,
        g.contested_parents,
        g.source_url,
        g.name_rank
    from pair_rows as g
    left join brand_names as b on b.brand_id = g.brand_id
    left join retailer_names as r on r.retailer_id = g.retailer_id
)

select * exclude (name_rank) from final
order by company_name, company_id, name_rank, list
