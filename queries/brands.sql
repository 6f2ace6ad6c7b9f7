-- brands: every brand with how many observations it has (0 if none).
-- Parameters: none.
-- Columns: brand_id, name, category, observations.
-- Ordered by name.
with

all_brands as (
    select brand_id, name, category from brands
),

observation_counts as (
    select brand_id, count(*) as observations
    from observations
    group by brand_id
),

final as (
    select
        b.brand_id,
        b.name,
        b.category,
        coalesce(c.observations, 0) as observations
    from all_brands as b
    left join observation_counts as c using (brand_id)
)

select * from final
order by name, brand_id
