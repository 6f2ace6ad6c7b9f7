-- Problems in the staged brands file: (_row, column_name, message, other_row).
-- Parameters: $today (unused here; every validate_* query takes the same parameters),
-- $earliest (no date may lie before it).
with rows_in as (
    select * from staged where $today::date is not null and $earliest::date is not null
),

problems as (
    select _row, 'brand_id' as column_name, 'required value is empty' as message,
           null::bigint as other_row
    from rows_in where blank(brand_id)
    union all
    select _row, 'brand_id', 'not an id (lowercase letters, digits, hyphens): ' || shown(brand_id), null
    from rows_in where not blank(brand_id) and not is_slug(brand_id)
    union all
    select _row, 'brand_id', 'duplicate brand_id ' || shown(brand_id), first_row
    from (
        select _row, brand_id,
               min(_row) over (partition by trim(brand_id)) as first_row
        from rows_in where not blank(brand_id)
    )
    where _row > first_row
    union all
    -- An ingest adds to a copied version: an id it already holds is a mistake, not an edit.
    select s._row, 'brand_id', 'brand_id ' || shown(s.brand_id) || ' already exists (in brands)', null
    from rows_in as s semi join brands as t on t.brand_id = trim(s.brand_id)
    where not blank(s.brand_id)
    union all
    select _row, 'name', 'required value is empty', null
    from rows_in where blank(name)
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
