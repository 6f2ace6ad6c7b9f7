-- Problems in the staged events file: (_row, column_name, message, other_row).
-- Parameters: $today (unused here; every validate_* query takes the same parameters),
-- $earliest (no date may lie before it).
with rows_in as (
    select * from staged where $today::date is not null and $earliest::date is not null
),

problems as (
    select _row, 'date' as column_name, 'required value is empty' as message,
           null::bigint as other_row
    from rows_in where blank(date)
    union all
    select _row, 'date', 'not a real date in YYYY-MM-DD form: ' || shown(date), null
    from rows_in where not blank(date) and not is_iso_date(date)
    union all
    select _row, 'title', 'required value is empty', null
    from rows_in where blank(title)
    union all
    select _row, 'kind', 'required value is empty', null
    from rows_in where blank(kind)
    union all
    select _row, 'kind', 'unknown kind ' || shown(kind)
        || ' (expected ' || (select one_of(list(kind order by position)) from event_kind_vocab)
        || ')', null
    from rows_in
    where not blank(kind) and trim(kind) not in (select kind from event_kind_vocab)
    union all
    select _row, 'url', 'not an http(s) URL: ' || shown(url), null
    from rows_in where not blank(url) and not has_unsafe_char(url) and not is_http_url(url)
    union all
    select s._row, 'company_id', 'unknown company ' || shown(s.company_id) || ' (not in companies)', null
    from rows_in as s anti join companies as c on c.company_id = trim(s.company_id)
    where not blank(s.company_id)
    union all
    select s._row, 'brand_id', 'unknown brand ' || shown(s.brand_id) || ' (not in brands)', null
    from rows_in as s anti join brands as b on b.brand_id = trim(s.brand_id)
    where not blank(s.brand_id)
    union all
    select _row, 'date', 'date ' || shown(date) || ' is before '
        || strftime($earliest::date, '%Y-%m-%d') || ': check the year', null
    from rows_in where is_iso_date(date) and trim(date)::date < $earliest::date
    union all
    select _row, 'url', unsafe_char_message(url), null
    from rows_in where has_unsafe_char(url)
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
