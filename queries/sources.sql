-- sources: the most-cited sources (at most 1,000, tallied when the version was published),
-- how much each backs and its span; every source stays on its rows in exports.
-- Parameters:
--   $max_rows  BIGINT  how many sources to return, most-cited first (NULL = all of the 1,000)
-- Columns: source_url, source_kinds (comma-separated, sorted distinct), observations,
--   first_date, last_date (of effective_on), retailers, brands (distinct counts).
-- Ordered by observations desc, source_url.
with

top as (
    select source_url, source_kinds, observations, first_date, last_date, retailers, brands
    from top_sources
),

final as (
    select * from top
)

select * from final
order by observations desc, source_url
limit $max_rows
