-- feed_transitions: the newest status transitions of retailer × brand pairs, for the Atom feeds
-- (docs/design.md, "Feeds"). A transition is what changes_between lists ("Changes in a
-- window"), with no window: the first day of every run of a pair's status, the status before
-- it (from_status NULL and first_evidence true: the pair's first evidence, not a new listing)
-- and after it. The source columns are those of the observation that opened the run (the
-- winner on changed_on); published_in is the data version that first published that
-- observation (its input file's version) and published_at when that version was published.
-- The parent is the company the strongest ownership claim covering changed_on names (the
-- headline rule of docs/design.md, "Ownership"; other claims are not counted here).
-- Parameters:
--   $retailers  VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands     VARCHAR[]  brand ids to keep (NULL = all)
--   $parents    VARCHAR[]  keep transitions of brands whose parent on changed_on (strongest
--                          claim) is one of these company ids (NULL = all)
--   $max_rows   BIGINT     at most this many rows, newest first (NULL = all)
-- Columns: retailer_id, retailer_name, brand_id, brand_name, from_status, to_status,
--   changed_on, first_evidence, parent_id, parent_name (the strongest claim's company on
--   changed_on; NULL if no claim covers it), source_url, source_kind, confidence, quote,
--   obs_id (the observation that opened the run), published_in, published_at.
-- Ordered by changed_on desc, retailer_id, brand_id (a pair has one transition a day).
with

-- The first interval of every run is where a status begins.
runs as not materialized (
    select retailer_id, brand_id, run_no, status, valid_from, first_obs_id
    from status_intervals
    where starts_run
),

-- The strongest claim's company on each period of a brand's ownership.
owners as not materialized (
    select brand_id, company_id, period_from, period_to
    from brand_parent_periods
    where strongest
),

chosen as (
    select r.*
    from runs as r
    where ($retailers is null or list_contains($retailers, r.retailer_id))
      and ($brands is null or list_contains($brands, r.brand_id))
      and (
          $parents is null
          or exists (
              select 1
              from owners as o
              where o.brand_id = r.brand_id
                and list_contains($parents, o.company_id)
                and o.period_from <= r.valid_from
                and (o.period_to is null or r.valid_from < o.period_to)
          )
      )
),

-- Filtered and cut to $max_rows before anything is joined to it.
newest as (
    select *
    from chosen
    order by valid_from desc, retailer_id, brand_id
    limit $max_rows
),

-- Runs are numbered 1, 2, 3 … per pair: the status changed from run_no - 1 (none: first
-- evidence).
transitions as (
    select
        n.retailer_id,
        n.brand_id,
        p.status as from_status,
        n.status as to_status,
        n.valid_from as changed_on,
        n.run_no = 1 as first_evidence,
        n.first_obs_id as obs_id
    from newest as n
    left join runs as p
        on p.retailer_id = n.retailer_id
       and p.brand_id = n.brand_id
       and p.run_no = n.run_no - 1
),

evidence as (
    select obs_id, source_url, source_kind, confidence, quote, input_file_id
    from observations
    where obs_id in (select obs_id from transitions)
),

files as (
    select input_file_id, version from input_files
),

versions as (
    select version, published_at from version_info
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

company_names as (
    select company_id, name as company_name from companies
),

parents as (
    select t.retailer_id, t.brand_id, t.changed_on, o.company_id
    from transitions as t
    join owners as o
        on o.brand_id = t.brand_id
       and o.period_from <= t.changed_on
       and (o.period_to is null or t.changed_on < o.period_to)
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
        p.company_id as parent_id,
        coalesce(c.company_name, p.company_id) as parent_name,
        e.source_url,
        e.source_kind,
        e.confidence,
        e.quote,
        t.obs_id,
        f.version as published_in,
        v.published_at
    from transitions as t
    left join evidence as e on e.obs_id = t.obs_id
    left join files as f on f.input_file_id = e.input_file_id
    left join versions as v on v.version = f.version
    left join retailer_names as r on r.retailer_id = t.retailer_id
    left join brand_names as b on b.brand_id = t.brand_id
    left join parents as p
        on p.retailer_id = t.retailer_id
       and p.brand_id = t.brand_id
       and p.changed_on = t.changed_on
    left join company_names as c on c.company_id = p.company_id
)

select * from final
order by changed_on desc, retailer_id, brand_id
