-- most_active_retailers: the retailers with the most observations (those with none left out).
-- Parameters:
--   $max_rows  BIGINT  row limit (NULL = all)
-- Columns: retailer_id, retailer_name, observations, pairs (distinct brands observed with).
-- Ordered by observations desc, retailer_id.
with

all_observations as (
    select retailer_id, brand_id from observations
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

activity as (
    select retailer_id, count(*) as observations, count(distinct brand_id) as pairs
    from all_observations
    group by retailer_id
),

final as (
    select a.retailer_id, n.retailer_name, a.observations, a.pairs
    from activity as a
    left join retailer_names as n using (retailer_id)
)

select * from final
order by observations desc, retailer_id
limit $max_rows
