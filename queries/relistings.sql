-- relistings: every place where a not-sold run (status_vocab.sold false) of a retailer × brand
-- pair is directly followed by a sold one, with the evidence of both
-- sides: the observation that opened the not-sold run and the one that opened the sold run.
-- Read from relisting_events, kept at publish (shelfwatch/sql/derive_relistings.sql).
-- Parameters:
--   $retailers    VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands       VARCHAR[]  brand ids to keep (NULL = all)
--   $as_of        DATE       keep relistings on or before this date (NULL = any)
--   $max_rows     BIGINT     at most this many rows, in order (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, not_sold_status, not_sold_from,
--   not_sold_source_url, not_sold_source_kind, not_sold_confidence, relisted_on,
--   relisted_status, source_url, source_kind, confidence, quote (the last four: the relisting
--   observation's), disputed (the relisted status's flag on relisted_on).
-- Ordered newest first: relisted_on desc, then retailer name, brand name.
with

events as (
    select *
    from relisting_events
    where ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
      and ($as_of is null or relisted_on <= $as_of::date)
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

-- The page of rows first (name_rank orders retailer name, brand name, ids), then the names.
page as (
    select *
    from events
    order by relisted_on desc, name_rank
    limit $max_rows
),

final as (
    select
        x.retailer_id,
        r.retailer_name,
        x.brand_id,
        b.brand_name,
        x.not_sold_status,
        x.not_sold_from,
        x.not_sold_source_url,
        x.not_sold_source_kind,
        x.not_sold_confidence,
        x.relisted_on,
        x.relisted_status,
        x.source_url,
        x.source_kind,
        x.confidence,
        x.quote,
        x.disputed,
        x.name_rank
    from page as x
    left join retailer_names as r on r.retailer_id = x.retailer_id
    left join brand_names as b on b.brand_id = x.brand_id
)

select * exclude (name_rank) from final
order by relisted_on desc, name_rank
