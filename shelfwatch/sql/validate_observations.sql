-- Problems in the staged observations file: (_row, column_name, message, other_row).
-- Parameters: $today and $earliest (effective_on and reported_on lie between the two).
-- One pass computes every check of a row as a list of problems (null = fine), so a
-- 10-million-row file is read once, not once per check.
-- Not materialised: three consumers below would otherwise copy the whole file first.
with rows_in as not materialized (
    select * from staged
),

joined as (
    select
        s.*,
        r.retailer_id is not null as known_retailer,
        b.brand_id is not null as known_brand
    from rows_in as s
    left join retailers as r on r.retailer_id = trim(s.retailer_id)
    left join brands as b on b.brand_id = trim(s.brand_id)
),

-- Cheap yes/no checks first; messages are built only for the (normally no) rows that fail.
suspects as (
    select *
    from joined
    where not known_retailer
       or not known_brand
       or coalesce(trim(status) not in (select status from status_vocab), true)
       or not coalesce(
           is_iso_date(effective_on)
               and try_cast(trim(effective_on) as date) between $earliest::date and $today::date,
           false
       )
       or not coalesce(is_http_url(source_url), false)
       or has_unsafe_char(source_url)
       or (not blank(source_kind)
           and trim(source_kind) not in (select source_kind from source_kind_vocab))
       or (not blank(confidence)
           and trim(confidence) not in (select confidence from confidence_vocab))
       or (not blank(reported_on) and not coalesce(
           is_iso_date(reported_on)
               and try_cast(trim(reported_on) as date) between $earliest::date and $today::date,
           false
       ))
       or (not blank(channel) and trim(channel) not in (select channel from channel_vocab))
       or (not blank(archive_url) and not coalesce(is_http_url(archive_url), false))
       or has_unsafe_char(archive_url)
),

checked as (
    select
        s._row,
        list_filter([
            case
                when blank(s.retailer_id) then {'c': 'retailer_id', 'm': 'required value is empty'}
                when not is_slug(s.retailer_id) then {'c': 'retailer_id',
                    'm': 'not an id (lowercase letters, digits, hyphens): ' || shown(s.retailer_id)}
                when not s.known_retailer then {'c': 'retailer_id',
                    'm': 'unknown retailer ' || shown(s.retailer_id) || ' (not in retailers)'}
            end,
            case
                when blank(s.brand_id) then {'c': 'brand_id', 'm': 'required value is empty'}
                when not is_slug(s.brand_id) then {'c': 'brand_id',
                    'm': 'not an id (lowercase letters, digits, hyphens): ' || shown(s.brand_id)}
                when not s.known_brand then {'c': 'brand_id',
                    'm': 'unknown brand ' || shown(s.brand_id) || ' (not in brands)'}
            end,
            case
                when blank(s.status) then {'c': 'status', 'm': 'required value is empty'}
                when trim(s.status) not in (select status from status_vocab)
                    then {'c': 'status', 'm': 'unknown status ' || shown(s.status)
                        || ' (expected ' || (select one_of(list(status order by position))
                                             from status_vocab) || ')'}
            end,
            case
                when blank(s.effective_on) then {'c': 'effective_on', 'm': 'required value is empty'}
                when not is_iso_date(s.effective_on) then {'c': 'effective_on',
                    'm': 'not a real date in YYYY-MM-DD form: ' || shown(s.effective_on)}
                when trim(s.effective_on)::date > $today::date then {'c': 'effective_on',
                    'm': 'date ' || shown(s.effective_on) || ' is after today ('
                        || strftime($today::date, '%Y-%m-%d') || '); record a planned exit as an '
                        || '"exiting" observation dated when it was announced'}
                when trim(s.effective_on)::date < $earliest::date then {'c': 'effective_on',
                    'm': 'date ' || shown(s.effective_on) || ' is before '
                        || strftime($earliest::date, '%Y-%m-%d') || ': check the year'}
            end,
            case
                when blank(s.source_url) then {'c': 'source_url', 'm': 'required value is empty'}
                when has_unsafe_char(s.source_url) then {'c': 'source_url',
                    'm': unsafe_char_message(s.source_url)}
                when not is_http_url(s.source_url) then {'c': 'source_url',
                    'm': 'not an http(s) URL: ' || shown(s.source_url)}
            end,
            case
                when not blank(s.source_kind)
                    and trim(s.source_kind) not in (select source_kind from source_kind_vocab)
                    then {'c': 'source_kind', 'm': 'unknown source_kind ' || shown(s.source_kind)
                        || ' (expected ' || (select one_of(list(source_kind order by position))
                                             from source_kind_vocab) || ')'}
            end,
            case
                when not blank(s.confidence)
                    and trim(s.confidence) not in (select confidence from confidence_vocab)
                    then {'c': 'confidence', 'm': 'unknown confidence ' || shown(s.confidence)
                        || ' (expected ' || (select one_of(list(confidence order by position))
                                             from confidence_vocab) || ')'}
            end,
            case
                when blank(s.reported_on) then null
                when not is_iso_date(s.reported_on) then {'c': 'reported_on',
                    'm': 'not a real date in YYYY-MM-DD form: ' || shown(s.reported_on)}
                when trim(s.reported_on)::date > $today::date then {'c': 'reported_on',
                    'm': 'date ' || shown(s.reported_on) || ' is after today'}
                when trim(s.reported_on)::date < $earliest::date then {'c': 'reported_on',
                    'm': 'date ' || shown(s.reported_on) || ' is before '
                        || strftime($earliest::date, '%Y-%m-%d') || ': check the year'}
            end,
            case
                when not blank(s.channel)
                    and trim(s.channel) not in (select channel from channel_vocab)
                    then {'c': 'channel', 'm': 'unknown channel ' || shown(s.channel)
                        || ' (expected ' || (select one_of(list(channel order by position))
                                             from channel_vocab) || ')'}
            end,
            case
                when has_unsafe_char(s.archive_url) then {'c': 'archive_url',
                    'm': unsafe_char_message(s.archive_url)}
                when not blank(s.archive_url) and not is_http_url(s.archive_url)
                    then {'c': 'archive_url', 'm': 'not an http(s) URL: ' || shown(s.archive_url)}
            end
        ], lambda problem: problem is not null) as problems
    from suspects as s
),

value_problems as (
    select _row, problem.c as column_name, problem.m as message, null::bigint as other_row
    from (select _row, unnest(problems) as problem from checked where len(problems) > 0)
),

-- Exact duplicate lines: hash first, then compare the few candidates column by column.
hashed as not materialized (
    select
        _row,
        hash(retailer_id, brand_id, status, effective_on, source_url, source_kind, confidence,
             reported_on, channel, quote, note, archive_url) as row_hash
    from rows_in
),

candidates as (
    select r.*
    from rows_in as r
    join hashed as h using (_row)
    semi join (
        select row_hash from hashed group by row_hash having count(*) > 1
    ) as twice using (row_hash)
),

duplicate_problems as (
    select _row, '-' as column_name, 'duplicate row' as message, first_row as other_row
    from (
        select _row, min(_row) over (
            partition by retailer_id, brand_id, status, effective_on, source_url, source_kind,
                         confidence, reported_on, channel, quote, note, archive_url
        ) as first_row
        from candidates
    )
    where _row > first_row
),

final as (
    select * from value_problems
    union all
    select * from duplicate_problems
)

select * from final order by _row, column_name;
