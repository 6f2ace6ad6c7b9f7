-- ownership_for_brand: every ownership claim about one brand, conflicting claims included, with
-- the designation lists the claimed parent was ever on.
-- Parameters:
--   $brand  VARCHAR  the brand id
-- Columns: brand_id, company_id, company_name, valid_from, valid_to (exclusive, NULL = still),
--   confidence, source_url, note, lists (comma-separated, sorted distinct, '' if none).
-- Ordered by valid_from, company_name, valid_to (open last).
with

claims as (
    select brand_id, company_id, valid_from, valid_to, confidence, source_url, note
    from ownership
    where brand_id = $brand
),

company_names as (
    select company_id, name as company_name from companies
),

company_lists as (
    select company_id, string_agg(distinct list, ',' order by list) as lists
    from designations
    group by company_id
),

final as (
    select
        c.brand_id,
        c.company_id,
        coalesce(n.company_name, c.company_id) as company_name,
        c.valid_from,
        c.valid_to,
        c.confidence,
        c.source_url,
        c.note,
        coalesce(l.lists, '') as lists
    from claims as c
    left join company_names as n using (company_id)
    left join company_lists as l using (company_id)
)

select * from final
order by valid_from, company_name, valid_to nulls last, company_id, source_url
