-- The rows DuckDB's CSV reader refused while staging, one per row (it lists a ragged row once
-- per missing column; the first says how many fields there were), in file order, at most
-- $limit of them, each with how many there are in all. byte_position is where in the file the
-- reader stopped: the line is counted from it (DuckDB's own line counts records, not lines).
with rejects as (
    select
        byte_position,
        column_name,
        error_type,
        error_message,
        row_number() over (
            partition by scan_id, file_id, line order by column_idx, byte_position
        ) as nth
    from reject_errors
),

final as (
    select byte_position, column_name, error_type, error_message, count(*) over () as total
    from rejects
    where nth = 1
)

select * from final order by byte_position limit $limit;
