-- designation_lists: every designation list, how many distinct companies were ever on it and
-- the first date any of them was.
-- Parameters: none.
-- Columns: list, companies, first_effective_on.
-- Ordered by list.
with

all_designations as (
    select company_id, list, effective_on from designations
),

final as (
    select
        list,
        count(distinct company_id) as companies,
        min(effective_on) as first_effective_on
    from all_designations
    group by list
)

select * from final
order by list
