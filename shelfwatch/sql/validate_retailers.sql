-- Problems in the staged retailers file: (_row, column_name, message, other_row).
-- Parameters: $today (unused here; every validate_* query takes the same parameters),
-- $earliest (no date may lie before it).
with rows_in as (
    select * from staged where $today::date is not null and $earliest::date is not null
),

problems as (
    select _row, 'retailer_id' as column_name, 'required value is empty' as message,
           null::bigint as other_row
    from rows_in where blank(retailer_id)
    union all
    select _row, 'retailer_id', 'not an id (lowercase letters, digits, hyphens): ' || shown(retailer_id), null
    from rows_in where not blank(retailer_id) and not is_slug(retailer_id)
    union all
    select _row, 'retailer_id', 'duplicate retailer_id ' || shown(retailer_id), first_row
    from (
        select _row, retailer_id,
               min(_row) over (partition by trim(retailer_id)) as first_row
        from rows_in where not blank(retailer_id)
    )
    where _row > first_row
    union all
    -- An ingest adds to a copied version: an id it already holds is a mistake, not an edit.
    select s._row, 'retailer_id', 'retailer_id ' || shown(s.retailer_id) || ' already exists (in retailers)', null
    from rows_in as s semi join retailers as t on t.retailer_id = trim(s.retailer_id)
    where not blank(s.retailer_id)
    union all
    select _row, 'name', 'required value is empty', null
    from rows_in where blank(name)
    union all
    select _row, 'website', 'not an http(s) URL: ' || shown(website), null
    from rows_in where not blank(website) and not has_unsafe_char(website) and not is_http_url(website)
    union all
    select _row, 'website', unsafe_char_message(website), null
    from rows_in where has_unsafe_char(website)
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
