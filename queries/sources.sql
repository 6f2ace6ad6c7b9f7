-- sources: every distinct source_url cited by an observation, how much it backs and its span.
-- Parameters:
--   $max_rows  BIGINT  how many sources to return, most-cited first (NULL = all)
-- Columns: source_url, source_kinds (comma-separated, sorted distinct), observations,
--   first_date, last_date (of effective_on), retailers, brands (distinct counts).
-- Ordered by observations desc, source_url.
with

all_observations as (
    select retailer_id, brand_id, effective_on, source_url, source_kind from observations
),

-- list_distinct over plain lists: much faster than DISTINCT aggregates with many groups.
final as (
    select
        source_url,
        array_to_string(list_sort(list_distinct(list(source_kind))), ',') as source_kinds,
        count(*) as observations,
        min(effective_on) as first_date,
        max(effective_on) as last_date,
        len(list_distinct(list(retailer_id))) as retailers,
        len(list_distinct(list(brand_id))) as brands
    from all_observations
    group by source_url
)

select * from final
order by observations desc, source_url
limit $max_rows
