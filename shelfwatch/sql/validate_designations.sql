-- Problems in the staged designations file: (_row, column_name, message, other_row).
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
    select s._row, 'company_id', 'unknown company ' || shown(s.company_id) || ' (not in companies)', null
    from rows_in as s anti join companies as c on c.company_id = trim(s.company_id)
    where not blank(s.company_id)
    union all
    select _row, 'list', 'required value is empty', null
    from rows_in where blank(list)
    union all
    select _row, 'list', 'not an id (lowercase letters, digits, hyphens): ' || shown(list), null
    from rows_in where not blank(list) and not is_slug(list)
    union all
    select _row, 'effective_on', 'required value is empty', null
    from rows_in where blank(effective_on)
    union all
    select _row, 'effective_on', 'not a real date in YYYY-MM-DD form: ' || shown(effective_on), null
    from rows_in where not blank(effective_on) and not is_iso_date(effective_on)
    union all
    select _row, 'ended_on', 'not a real date in YYYY-MM-DD form: ' || shown(ended_on), null
    from rows_in where not blank(ended_on) and not is_iso_date(ended_on)
    union all
    select _row, 'ended_on', 'ended_on ' || shown(ended_on) || ' is before effective_on', null
    from rows_in
    where is_iso_date(effective_on) and is_iso_date(ended_on)
      and trim(ended_on)::date < trim(effective_on)::date
    union all
    select _row, 'source_url', 'required value is empty', null
    from rows_in where blank(source_url)
    union all
    select _row, 'source_url', 'not an http(s) URL: ' || shown(source_url), null
    from rows_in where not blank(source_url) and not has_unsafe_char(source_url) and not is_http_url(source_url)
    union all
    select _row, 'effective_on', 'date ' || shown(effective_on) || ' is before '
        || strftime($earliest::date, '%Y-%m-%d') || ': check the year', null
    from rows_in where is_iso_date(effective_on) and trim(effective_on)::date < $earliest::date
    union all
    select _row, 'ended_on', 'date ' || shown(ended_on) || ' is before '
        || strftime($earliest::date, '%Y-%m-%d') || ': check the year', null
    from rows_in where is_iso_date(ended_on) and trim(ended_on)::date < $earliest::date
    union all
    select _row, 'source_url', unsafe_char_message(source_url), null
    from rows_in where has_unsafe_char(source_url)
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
