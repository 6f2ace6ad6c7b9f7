-- most_active_brands: the brands with the most observations (those with none left out).
-- Parameters:
--   $max_rows  BIGINT  row limit (NULL = all)
-- Columns: brand_id, brand_name, observations, pairs (distinct retailers observed with).
-- Ordered by observations desc, brand_id.
with

all_observations as (
    select retailer_id, brand_id from observations
),

brand_names as (
    select brand_id, name as brand_name from brands
),

activity as (
    select brand_id, count(*) as observations, count(distinct retailer_id) as pairs
    from all_observations
    group by brand_id
),

final as (
    select a.brand_id, n.brand_name, a.observations, a.pairs
    from activity as a
    left join brand_names as n using (brand_id)
)

select * from final
order by observations desc, brand_id
limit $max_rows
