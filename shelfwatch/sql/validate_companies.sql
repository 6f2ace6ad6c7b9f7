-- Problems in the staged companies file: (_row, column_name, message, other_row).
-- Parameters: $today (unused here; every validate_* query takes the same parameters),
-- $earliest (no date may lie before it).
with rows_in as (
    select * from staged where $today::date is not null and $earliest::date is not null
),

problems as (
    select _row, 'company_id' as column_name, 'required value is empty' as message,
           null::bigint as other_row
    from rows_in where blank(company_id)
    union all
    select _row, 'company_id', 'not an id (lowercase letters, digits, hyphens): ' || shown(company_id), null
    from rows_in where not blank(company_id) and not is_slug(company_id)
    union all
    select _row, 'company_id', 'duplicate company_id ' || shown(company_id), first_row
    from (
        select _row, company_id,
               min(_row) over (partition by trim(company_id)) as first_row
        from rows_in where not blank(company_id)
    )
    where _row > first_row
    union all
    -- An ingest adds to a copied version: an id it already holds is a mistake, not an edit.
    select s._row, 'company_id', 'company_id ' || shown(s.company_id) || ' already exists (in companies)', null
    from rows_in as s semi join companies as t on t.company_id = trim(s.company_id)
    where not blank(s.company_id)
    union all
    select _row, 'name', 'required value is empty', null
    from rows_in where blank(name)
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
