-- coverage_counts: how the observations spread, counted three ways in one result: per retailer,
-- per brand and per year of effective_on (only keys with observations).
-- Parameters: none.
-- Columns: dimension ('brand', 'retailer' or 'year'), key (id, or the year as text), label (name,
--   or the year as text), observations.
-- Ordered by dimension, observations desc, key.
with

all_observations as not materialized (
    select retailer_id, brand_id, effective_on from observations
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

by_retailer as (
    select retailer_id, count(*) as observations from all_observations group by retailer_id
),

by_brand as (
    select brand_id, count(*) as observations from all_observations group by brand_id
),

by_year as (
    select year(effective_on) as year, count(*) as observations
    from all_observations
    group by year(effective_on)
),

final as (
    select 'retailer' as dimension, c.retailer_id as key, n.retailer_name as label, c.observations
    from by_retailer as c
    left join retailer_names as n using (retailer_id)
    union all
    select 'brand' as dimension, c.brand_id as key, n.brand_name as label, c.observations
    from by_brand as c
    left join brand_names as n using (brand_id)
    union all
    select 'year' as dimension, year::varchar as key, year::varchar as label, observations
    from by_year
)

select * from final
order by dimension, observations desc, key
