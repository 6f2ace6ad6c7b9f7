-- designations_for_brand: every designation of every company that ever owned the brand (any
-- claim, any date).
-- Parameters:
--   $brand  VARCHAR  the brand id
-- Columns: company_id, company_name, list, effective_on, ended_on (inclusive, NULL = still),
--   source_url, note.
-- Ordered by effective_on, company_name, list.
with

owners as (
    select distinct company_id from ownership where brand_id = $brand
),

all_designations as (
    select company_id, list, effective_on, ended_on, source_url, note from designations
),

company_names as (
    select company_id, name as company_name from companies
),

final as (
    select
        d.company_id,
        coalesce(n.company_name, d.company_id) as company_name,
        d.list,
        d.effective_on,
        d.ended_on,
        d.source_url,
        d.note
    from all_designations as d
    join owners as o using (company_id)
    left join company_names as n using (company_id)
)

select * from final
order by effective_on, company_name, list, company_id, ended_on nulls last
