-- data_bounds: the extent of the observations in one row (counts are 0 and dates NULL when the
-- store has none).
-- Parameters: none.
-- Columns: first_date (min effective_on), last_date (max effective_on), observations, pairs
--   (distinct retailer × brand), retailers and brands (distinct, with observations), sources
--   (distinct source_url).
with

all_observations as (
    select effective_on, source_url from observations
),

-- Every observed pair has a status interval, and there are far fewer intervals than rows.
observed_pairs as (
    select distinct retailer_id, brand_id from status_intervals
),

extent as (
    select
        min(effective_on) as first_date,
        max(effective_on) as last_date,
        count(*) as observations
    from all_observations
),

pair_counts as (
    select
        count(*) as pairs,
        count(distinct retailer_id) as retailers,
        count(distinct brand_id) as brands
    from observed_pairs
),

source_counts as (
    select count(*) as sources
    from (select distinct source_url from all_observations)
),

final as (
    select
        e.first_date,
        e.last_date,
        e.observations,
        p.pairs,
        p.retailers,
        p.brands,
        s.sources
    from extent as e
    cross join pair_counts as p
    cross join source_counts as s
)

select * from final
