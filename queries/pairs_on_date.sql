-- pairs_on_date: the retailer × brand pairs a headline card counts on $as_of — sold, not sold
-- or disputed (the same status rule and segments as status_as_of) — with the evidence behind
-- each status. Pairs with no observation up to that date have no data and are never listed.
-- Parameters:
--   $as_of        DATE     the date the status holds for
--   $sold         BOOLEAN  true: sold statuses (status_vocab.sold); false: not sold; NULL: both
--   $disputed     BOOLEAN  true: only disputed statuses; NULL: any
--   $stale_after  INTEGER  days: evidence older than this on $as_of is stale
--   $max_rows     BIGINT   at most this many rows, in order (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, status, since, disputed,
--   last_evidence_on, stale, source_url, source_kind, confidence, quote.
-- Ordered by retailer_name, brand_name.
with

sold_statuses as (
    select status, sold from status_vocab
),

-- Narrow first: the pairs and their order from ids, dates and flags; the text of the page only.
pairs as (
    select s.retailer_id, s.brand_id, s.seg_from, s.name_rank
    from status_segments as s
    join sold_statuses as v using (status)
    where s.seg_from <= $as_of::date
      and (s.seg_to is null or s.seg_to > $as_of::date)
      and ($sold is null or v.sold = $sold)
      and ($disputed is null or s.disputed = $disputed)
    order by s.name_rank
    limit $max_rows
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

final as (
    select
        p.retailer_id,
        r.retailer_name,
        p.brand_id,
        b.brand_name,
        s.status,
        s.since,
        s.disputed,
        s.seg_from as last_evidence_on,
        $as_of::date - s.seg_from > $stale_after as stale,
        s.source_url,
        s.source_kind,
        s.confidence,
        s.quote,
        p.name_rank
    from pairs as p
    join status_segments as s using (retailer_id, brand_id, seg_from)
    left join retailer_names as r using (retailer_id)
    left join brand_names as b using (brand_id)
)

select * exclude (name_rank) from final
order by name_rank
