-- Problems in the staged ownership file: (_row, column_name, message, other_row).
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
    select s._row, 'brand_id', 'unknown brand ' || shown(s.brand_id) || ' (not in brands)', null
    from rows_in as s anti join brands as b on b.brand_id = trim(s.brand_id)
    where not blank(s.brand_id)
    union all
    select _row, 'company_id', 'required value is empty', null
    from rows_in where blank(company_id)
    union all
    select s._row, 'company_id', 'unknown company ' || shown(s.company_id) || ' (not in companies)', null
    from rows_in as s anti join companies as c on c.company_id = trim(s.company_id)
    where not blank(s.company_id)
    union all
    select _row, 'valid_from', 'required value is empty', null
    from rows_in where blank(valid_from)
    union all
    select _row, 'valid_from', 'not a real date in YYYY-MM-DD form: ' || shown(valid_from), null
    from rows_in where not blank(valid_from) and not is_iso_date(valid_from)
    union all
    select _row, 'valid_to', 'not a real date in YYYY-MM-DD form: ' || shown(valid_to), null
    from rows_in where not blank(valid_to) and not is_iso_date(valid_to)
    union all
    select _row, 'valid_to', 'valid_to ' || shown(valid_to) || ' is not after valid_from', null
    from rows_in
    where is_iso_date(valid_from) and is_iso_date(valid_to)
      and trim(valid_to)::date <= trim(valid_from)::date
    union all
    select _row, 'source_url', 'required value is empty', null
    from rows_in where blank(source_url)
    union all
    select _row, 'source_url', 'not an http(s) URL: ' || shown(source_url), null
    from rows_in where not blank(source_url) and not has_unsafe_char(source_url) and not is_http_url(source_url)
    union all
    select _row, 'confidence', 'unknown confidence ' || shown(confidence)
        || ' (expected ' || (select one_of(list(confidence order by position))
                             from confidence_vocab) || ')', null
    from rows_in
    where not blank(confidence) and trim(confidence) not in (select confidence from confidence_vocab)
    union all
    select _row, 'valid_from', 'date ' || shown(valid_from) || ' is before '
        || strftime($earliest::date, '%Y-%m-%d') || ': check the year', null
    from rows_in where is_iso_date(valid_from) and trim(valid_from)::date < $earliest::date
    union all
    select _row, 'valid_to', 'date ' || shown(valid_to) || ' is before '
        || strftime($earliest::date, '%Y-%m-%d') || ': check the year', null
    from rows_in where is_iso_date(valid_to) and trim(valid_to)::date < $earliest::date
    union all
    select _row, 'source_url', unsafe_char_message(source_url), null
    from rows_in where has_unsafe_char(source_url)
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
