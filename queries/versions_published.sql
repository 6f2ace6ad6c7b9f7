-- versions_published: every published version of this store's lineage, oldest first.
-- Parameters: none.
-- Columns: version, published_at, action, parent_version, observations, pairs, shelfwatch (the
--   software version that published it).
-- Ordered by version.
with

versions as (
    select version, published_at, action, parent_version, observations, pairs, shelfwatch
    from version_info
),

final as (
    select * from versions
)

select * from final
order by version
