-- Give each observations batch still without one its content fingerprint: the same rows in any
-- byte form, order, column order or file format get the same value, so a batch ingested again
-- is refused as a duplicate. A row is hashed as the store keeps it (trimmed, defaults filled,
-- line breaks as LF); the batch combines its row hashes by sums, so order does not count.
-- md5, not hash(): DuckDB's hash may change between versions, and fingerprints stay in the
-- store. Also fills the batches of versions published before fingerprints existed.
update input_files
set content_sha256 = fingerprints.content_sha256
from (
    select
        input_file_id,
        sha256(concat_ws(':',
            count(*),
            sum((row_hash >> 96)::bigint),
            sum(((row_hash >> 64) & 4294967295::uhugeint)::bigint),
            sum(((row_hash >> 32) & 4294967295::uhugeint)::bigint),
            sum((row_hash & 4294967295::uhugeint)::bigint)
        )) as content_sha256
    from (
        select
            input_file_id,
            md5_number(to_json([
                retailer_id, brand_id, status, effective_on::varchar, source_url, source_kind,
                confidence, reported_on::varchar, channel,
                replace(replace(quote, chr(13) || chr(10), chr(10)), chr(13), chr(10)),
                replace(replace(note, chr(13) || chr(10), chr(10)), chr(13), chr(10)),
                archive_url
            ])) as row_hash
        from observations
        where input_file_id in (
            select input_file_id from input_files
            where role = 'observations' and content_sha256 is null
        )
    )
    group by input_file_id
) as fingerprints
where input_files.input_file_id = fingerprints.input_file_id;
