-- companies: every company with how many distinct brands it ever owned (any claim, any date).
-- Parameters: none.
-- Columns: company_id, name, country, brands.
-- Ordered by name.
with

all_companies as (
    select company_id, name, country from companies
),

brand_counts as (
    select company_id, count(distinct brand_id) as brands
    from ownership
    group by company_id
),

final as (
    select
        c.company_id,
        c.name,
        c.country,
        coalesce(b.brands, 0) as brands
    from all_companies as c
    left join brand_counts as b using (company_id)
)

select * from final
order by name, company_id
