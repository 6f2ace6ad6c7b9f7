-- versions_published: every published version of this store's lineage, oldest first, with who
-- published it and why.
-- Parameters: none.
-- Columns: version, published_at, action ('build', 'ingest' or 'retract'), parent_version,
--   observations, pairs, shelfwatch (the software version that published it), editor (the
--   signed-in editor or the command's --editor; NULL if none), note (the publisher's one-line
--   note). A version published before store format 5 has no editor and note columns: every
--   column the file holds is returned, so its provenance stays readable.
-- Ordered by version.
with

versions as (
    select * from version_info
),

final as (
    select * from versions
)

select * from final
order by version
