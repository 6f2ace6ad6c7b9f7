-- version_inputs: the provenance of the data: every input file published into this store's
-- lineage, with the version that added it.
-- Parameters: none.
-- Columns: version, published_at, action, file_name, role, sha256, rows, bytes.
-- Ordered by version, input_file_id.
with

files as (
    select input_file_id, version, file_name, role, sha256, rows, bytes from input_files
),

versions as (
    select version, published_at, action from version_info
),

final as (
    select
        f.version,
        v.published_at,
        v.action,
        f.file_name,
        f.role,
        f.sha256,
        f.rows,
        f.bytes,
        f.input_file_id
    from files as f
    left join versions as v using (version)
)

select * exclude (input_file_id) from final
order by version, input_file_id
