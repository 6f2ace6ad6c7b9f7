-- Problems in the staged observations file: (_row, column_name, message, other_row).
-- Parameters: $today (effective_on and reported_on may not lie after it).
with rows_in as (
    select * from staged
),

problems as (
    select _row, 'retailer_id' as column_name, 'required value is empty' as message,
           null::bigint as other_row
    from rows_in where blank(retailer_id)
    union all
    select _row, 'retailer_id', 'not an id (lowercase letters, digits, hyphens): ' || shown(retailer_id), null
    from rows_in where not blank(retailer_id) and not is_slug(retailer_id)
    union all
    select s._row, 'retailer_id', 'unknown retailer ' || shown(s.retailer_id) || ' (not in retailers)', null
    from rows_in as s anti join retailers as r on r.retailer_id = trim(s.retailer_id)
    where is_slug(s.retailer_id)
    union all
    select _row, 'brand_id', 'required value is empty', null
    from rows_in where blank(brand_id)
    union all
    select _row, 'brand_id', 'not an id (lowercase letters, digits, hyphens): ' || shown(brand_id), null
    from rows_in where not blank(brand_id) and not is_slug(brand_id)
    union all
    select s._row, 'brand_id', 'unknown brand ' || shown(s.brand_id) || ' (not in brands)', null
    from rows_in as s anti join brands as b on b.brand_id = trim(s.brand_id)
    where is_slug(s.brand_id)
    union all
    select _row, 'status', 'required value is empty', null
    from rows_in where blank(status)
    union all
    select _row, 'status', 'unknown status ' || shown(status)
        || ' (expected stocked, exiting, unavailable or removed)', null
    from rows_in
    where not blank(status) and trim(status) not in ('stocked', 'exiting', 'unavailable', 'removed')
    union all
    select _row, 'effective_on', 'required value is empty', null
    from rows_in where blank(effective_on)
    union all
    select _row, 'effective_on', 'not a real date in YYYY-MM-DD form: ' || shown(effective_on), null
    from rows_in where not blank(effective_on) and not is_iso_date(effective_on)
    union all
    select _row, 'effective_on', 'date ' || shown(effective_on) || ' is after today ('
        || strftime($today::date, '%Y-%m-%d')
        || '); record a planned exit as an "exiting" observation dated when it was announced', null
    from rows_in where is_iso_date(effective_on) and trim(effective_on)::date > $today::date
    union all
    select _row, 'source_url', 'required value is empty', null
    from rows_in where blank(source_url)
    union all
    select _row, 'source_url', 'not an http(s) URL: ' || shown(source_url), null
    from rows_in where not blank(source_url) and not is_http_url(source_url)
    union all
    select _row, 'source_kind', 'unknown source_kind ' || shown(source_kind)
        || ' (expected statement, listing_check, legal_filing, news_report or brand_claim)', null
    from rows_in
    where not blank(source_kind)
      and trim(source_kind) not in
          ('statement', 'listing_check', 'legal_filing', 'news_report', 'brand_claim')
    union all
    select _row, 'confidence', 'unknown confidence ' || shown(confidence)
        || ' (expected high, medium or low)', null
    from rows_in where not blank(confidence) and trim(confidence) not in ('high', 'medium', 'low')
    union all
    select _row, 'reported_on', 'not a real date in YYYY-MM-DD form: ' || shown(reported_on), null
    from rows_in where not blank(reported_on) and not is_iso_date(reported_on)
    union all
    select _row, 'reported_on', 'date ' || shown(reported_on) || ' is after today', null
    from rows_in where is_iso_date(reported_on) and trim(reported_on)::date > $today::date
    union all
    select _row, 'channel', 'unknown channel ' || shown(channel)
        || ' (expected all, store, online or marketplace)', null
    from rows_in
    where not blank(channel) and trim(channel) not in ('all', 'store', 'online', 'marketplace')
    union all
    select _row, 'archive_url', 'not an http(s) URL: ' || shown(archive_url), null
    from rows_in where not blank(archive_url) and not is_http_url(archive_url)
    union all
    select _row, '-', 'duplicate row', first_row
    from (
        select _row, min(_row) over (
            partition by retailer_id, brand_id, status, effective_on, source_url, source_kind,
                         confidence, reported_on, channel, quote, note, archive_url
        ) as first_row
        from rows_in
    )
    where _row > first_row
),

final as (
    select * from problems
)

select * from final order by _row, column_name;
