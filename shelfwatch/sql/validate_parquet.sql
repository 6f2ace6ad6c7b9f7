-- What the CSV reader refuses before any check sees it, held against a staged Parquet file
-- too: a NUL in a value, and a row longer than a CSV line may be. Result: (_row, column_name,
-- message, other_row) like every validate_* query. Parameters: $max_record_bytes.
-- One cheap test per row first; only the (normally no) suspects are taken apart by column.
with suspects as (
    select _row, columns(* exclude (_row)),
           strlen(concat_ws(',', *columns(* exclude (_row)))) as record_bytes
    from staged
    where contains(concat(*columns(* exclude (_row))), chr(0))
       or strlen(concat_ws(',', *columns(* exclude (_row)))) > $max_record_bytes
),

cells as (
    unpivot (select * exclude (record_bytes) from suspects)
    on columns(* exclude (_row)) into name column_name value v
),

problems as (
    select _row, column_name, 'a NUL byte in the value: not text' as message,
           null::bigint as other_row
    from cells where contains(v, chr(0))
    union all
    select _row, '-', 'row of ' || format('{:,}', record_bytes) || ' bytes: longer than the '
        || format('{:,}', $max_record_bytes::bigint) || ' bytes a row may hold', null
    from suspects where record_bytes > $max_record_bytes
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
