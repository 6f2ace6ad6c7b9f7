-- changes_between: every status transition of a retailer × brand pair dated in the window
-- ($start, $end] — one row per change, so a round trip inside the window (removed, then sold
-- again) is two rows (docs/design.md, "Changes in a window"). A pair's first evidence inside
-- the window is a row with from_status NULL and first_evidence true: the pair had no data
-- before, which is not a new listing. net_changes_between compares the two end dates only.
-- The source columns are those of the observation that made the change (the winner on
-- changed_on); disputed is the new status's flag on changed_on.
-- Parameters:
--   $start      DATE       the window starts after this date
--   $end        DATE       the window's last day (inclusive)
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
--   $max_rows   BIGINT     at most this many rows, in order (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, from_status, to_status,
--   changed_on, first_evidence, source_url, source_kind, confidence, quote, disputed.
-- Ordered by changed_on, retailer_name, brand_name.
with

-- The first interval of every run is where a status begins.
runs as not materialized (
    select retailer_id, brand_id, run_no, status, valid_from, first_obs_id, disputed
    from status_intervals
    where starts_run
      and ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
),

evidence as (
    select obs_id, source_url, source_kind, confidence, quote from observations
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

in_window as (
    select *
    from runs
    where valid_from > $start::date and valid_from <= $end::date
),

-- Runs are numbered 1, 2, 3 … per pair: the status changed from run_no - 1 (none: first
-- evidence), which may lie before the window.
transitions as (
    select
        w.retailer_id,
        w.brand_id,
        p.status as from_status,
        w.status as to_status,
        w.valid_from as changed_on,
        w.run_no = 1 as first_evidence,
        w.first_obs_id,
        w.disputed
    from in_window as w
    left join runs as p
        on p.retailer_id = w.retailer_id
       and p.brand_id = w.brand_id
       and p.run_no = w.run_no - 1
),

final as (
    select
        t.retailer_id,
        r.retailer_name,
        t.brand_id,
        b.brand_name,
        t.from_status,
        t.to_status,
        t.changed_on,
        t.first_evidence,
        o.source_url,
        o.source_kind,
        o.confidence,
        o.quote,
        t.disputed
    from transitions as t
    left join evidence as o on o.obs_id = t.first_obs_id
    left join retailer_names as r on r.retailer_id = t.retailer_id
    left join brand_names as b on b.brand_id = t.brand_id
)

select * from final
order by changed_on, retailer_name, brand_name, retailer_id, brand_id
limit $max_rows
