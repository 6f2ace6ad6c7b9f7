-- evidence_for_pair: every observation of one retailer × brand pair, winners and losers, with
-- whether it won its date under the status rule and where it came from (input file and line).
-- Parameters:
--   $retailer  VARCHAR  the retailer id
--   $brand     VARCHAR  the brand id
-- Columns: obs_id, effective_on, status, source_kind, confidence, reported_on, channel,
--   source_url, archive_url, quote, note, won_day (it is its date's winning observation),
--   disputed (the disputed flag of its date's segment), input_file, line_no, retracted_in (the
--   version that retracted it; NULL if it stands), retraction_reason, retracted_by. A retracted
--   observation is listed (never deleted) and no longer counts: it wins no date.
-- Ordered by effective_on desc, obs_id desc.
with

pair_observations as (
    select
        obs_id, retailer_id, brand_id, effective_on, status, source_kind, confidence,
        reported_on, channel, source_url, archive_url, quote, note, input_file_id, line_no
    from observations
    where retailer_id = $retailer and brand_id = $brand
),

pair_segments as (
    select seg_from, obs_id as winner_obs_id, disputed
    from status_segments
    where retailer_id = $retailer and brand_id = $brand
),

files as (
    select input_file_id, file_name from input_files
),

retracted as (
    select obs_id, version as retracted_in, reason as retraction_reason, editor as retracted_by
    from retractions
),

final as (
    select
        o.obs_id,
        o.effective_on,
        o.status,
        o.source_kind,
        o.confidence,
        o.reported_on,
        o.channel,
        o.source_url,
        o.archive_url,
        o.quote,
        o.note,
        coalesce(o.obs_id = s.winner_obs_id, false) as won_day,
        s.disputed,
        f.file_name as input_file,
        o.line_no,
        x.retracted_in,
        x.retraction_reason,
        x.retracted_by
    from pair_observations as o
    left join pair_segments as s on s.seg_from = o.effective_on
    left join files as f using (input_file_id)
    left join retracted as x using (obs_id)
)

select * from final
order by effective_on desc, obs_id desc
