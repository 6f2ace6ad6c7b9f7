-- relisting_events: every re-listing — a not-sold run (status_vocab.sold false) of a pair
-- directly followed by a sold one — with the evidence of both sides: the
-- observation that opened the not-sold run and the one that opened the sold run. Kept at
-- publish so "re-listings up to D" (the Overview, on every date change) is a filtered scan of
-- a small table, and the headline count reads the same rows. Reads status_intervals,
-- status_segments (name_rank) and observations.

create or replace table relisting_events as
with runs as (
    select retailer_id, brand_id, run_no, status, sold, valid_from, first_obs_id, disputed
    from status_intervals
    where starts_run
),

evidence as (
    select obs_id, source_url, source_kind, confidence, quote from observations
),

ranks as (
    select distinct retailer_id, brand_id, name_rank from status_segments
),

-- Runs are numbered 1, 2, 3 … per pair, so "directly followed" is run_no + 1.
relisted as (
    select
        n.retailer_id,
        n.brand_id,
        n.status as not_sold_status,
        n.valid_from as not_sold_from,
        n.first_obs_id as not_sold_obs_id,
        s.valid_from as relisted_on,
        s.status as relisted_status,
        s.first_obs_id as obs_id,
        s.disputed
    from runs as n
    join runs as s
        on s.retailer_id = n.retailer_id
       and s.brand_id = n.brand_id
       and s.run_no = n.run_no + 1
    where not n.sold and s.sold
),

final as (
    select
        x.retailer_id,
        x.brand_id,
        x.not_sold_status,
        x.not_sold_from,
        n.source_url as not_sold_source_url,
        n.source_kind as not_sold_source_kind,
        n.confidence as not_sold_confidence,
        x.relisted_on,
        x.relisted_status,
        o.source_url,
        o.source_kind,
        o.confidence,
        o.quote,
        x.disputed,
        k.name_rank
    from relisted as x
    join evidence as o on o.obs_id = x.obs_id
    join evidence as n on n.obs_id = x.not_sold_obs_id
    join ranks as k on k.retailer_id = x.retailer_id and k.brand_id = x.brand_id
)

select * from final
order by relisted_on desc, name_rank;
