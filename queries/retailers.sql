-- retailers: every retailer with how many observations it has (0 if none).
-- Parameters: none.
-- Columns: retailer_id, name, country, kind, website, observations.
-- Ordered by name.
with

all_retailers as (
    select retailer_id, name, country, kind, website from retailers
),

observation_counts as (
    select retailer_id, count(*) as observations
    from observations
    group by retailer_id
),

final as (
    select
        r.retailer_id,
        r.name,
        r.country,
        r.kind,
        r.website,
        coalesce(c.observations, 0) as observations
    from all_retailers as r
    left join observation_counts as c using (retailer_id)
)

select * from final
order by name, retailer_id
