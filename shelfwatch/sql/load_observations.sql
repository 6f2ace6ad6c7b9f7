-- Append the validated staged observations. obs_id continues the store's ingest order.
-- Parameters: $input_file_id, $simple_lines (true: line = row + 2; else from staged_lines).
insert into observations
with base as (
    select coalesce(max(obs_id), 0) as last_obs_id from observations
),

rows_in as (
    select * from staged
),

final as (
    select
        base.last_obs_id + s._row + 1 as obs_id,
        trim(s.retailer_id) as retailer_id,
        trim(s.brand_id) as brand_id,
        trim(s.status) as status,
        trim(s.effective_on)::date as effective_on,
        trim(s.source_url) as source_url,
        coalesce(clean(s.source_kind), (select source_kind from source_kind_vocab where is_default))
            as source_kind,
        coalesce(clean(s.confidence), (select confidence from confidence_vocab where is_default))
            as confidence,
        clean(s.reported_on)::date as reported_on,
        coalesce(clean(s.channel), (select channel from channel_vocab where is_default)) as channel,
        nullif(s.quote, '') as quote,
        nullif(s.note, '') as note,
        clean(s.archive_url) as archive_url,
        $input_file_id as input_file_id,
        case when $simple_lines then s._row + 2 else l.line_no end as line_no
    from rows_in as s
    cross join base
    left join staged_lines as l on l._row = s._row
)

-- No order by: rows arrive in file order already, and obs_id is computed from it.
select * from final;
