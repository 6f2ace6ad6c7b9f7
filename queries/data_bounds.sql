-- data_bounds: the extent of the observations in one row (counts are 0 and dates NULL when the
-- store has none), as summarised when the version was published.
-- Parameters: none.
-- Columns: first_date (min effective_on), last_date (max effective_on), observations, pairs
--   (distinct retailer × brand), retailers and brands (distinct, with observations), sources
--   (distinct source_url).
with

summary as (
    select first_date, last_date, observations, pairs, retailers, brands, sources
    from data_summary
),

final as (
    select * from summary
)

select * from final
