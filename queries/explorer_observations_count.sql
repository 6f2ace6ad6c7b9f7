-- explorer_observations_count: how many observations the explorer's filters match (the
-- explorer_observations query without its row limit).
-- Parameters (each NULL = no filter):
--   $retailers     VARCHAR[]  retailer ids
--   $brands        VARCHAR[]  brand ids
--   $parents       VARCHAR[]  company ids: a parent of the brand on effective_on (any claim)
--   $lists         VARCHAR[]  designation lists: such a parent is designated on one of them on
--                             effective_on
--   $statuses      VARCHAR[]  statuses
--   $source_kinds  VARCHAR[]  source kinds
--   $confidences   VARCHAR[]  confidences
--   $start         DATE       effective_on on or after
--   $end           DATE       effective_on on or before
--   $q             VARCHAR    case-insensitive substring of quote, note or source_url (literal:
--                             % and _ match themselves)
-- Columns: rows (one row).
with

claims as (
    select brand_id, company_id, valid_from, valid_to from ownership
),

designated as (
    select company_id, list, effective_on, ended_on from designations
),

-- A brand's parents and their lists only change on these dates (designations end inclusive).
-- Small: built from ownership and designations only, then hash-joined on brand_id.
period_starts as (
    select brand_id, valid_from as period_from from claims
    union
    select brand_id, valid_to from claims where valid_to is not null
    union
    select c.brand_id, d.effective_on
    from claims as c join designated as d using (company_id)
    union
    select c.brand_id, d.ended_on + 1
    from claims as c join designated as d using (company_id)
    where d.ended_on is not null
),

period_parents as (
    select distinct p.brand_id, p.period_from, c.company_id
    from period_starts as p
    join claims as c
        on c.brand_id = p.brand_id
       and c.valid_from <= p.period_from
       and (c.valid_to is null or p.period_from < c.valid_to)
),

period_lists as (
    select p.brand_id, p.period_from, list(distinct d.list) as list_names
    from period_parents as p
    join designated as d
        on d.company_id = p.company_id
       and d.effective_on <= p.period_from
       and (d.ended_on is null or p.period_from <= d.ended_on)
    group by p.brand_id, p.period_from
),

parent_summary as (
    select brand_id, period_from, list(company_id) as parent_ids
    from period_parents
    group by brand_id, period_from
),

-- Every period start is kept, also those with no parent: [period_from, period_to) tiles each
-- brand's timeline from its first claim on, so an observation falls in at most one period.
brand_periods as (
    select
        p.brand_id,
        p.period_from,
        lead(p.period_from) over (partition by p.brand_id order by p.period_from) as period_to,
        s.parent_ids,
        l.list_names
    from period_starts as p
    left join parent_summary as s using (brand_id, period_from)
    left join period_lists as l using (brand_id, period_from)
),

-- Brands that pass the $parents and $lists filters in at least one period.
wanted_brands as (
    select distinct brand_id
    from brand_periods
    where ($parents is null or list_has_any(parent_ids, $parents))
      and ($lists is null or list_has_any(list_names, $lists))
),

-- Every filter but $parents and $lists: a plain scan of observations.
candidates as not materialized (
    select
        obs_id, effective_on, brand_id
    from observations
    where ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
      and ($statuses is null or list_contains($statuses, status))
      and ($source_kinds is null or list_contains($source_kinds, source_kind))
      and ($confidences is null or list_contains($confidences, confidence))
      and ($start is null or effective_on >= $start::date)
      and ($end is null or effective_on <= $end::date)
      and (
          $q is null
          or contains(lower(coalesce(quote, '')), lower($q))
          or contains(lower(coalesce(note, '')), lower($q))
          or contains(lower(source_url), lower($q))
      )
),

-- Without $parents and $lists the second branch folds away and ownership is never joined;
-- with them, only observations of brands that can match are joined to their periods.
matching as (
    select c.*
    from candidates as c
    where $parents is null and $lists is null
    union all
    select c.*
    from candidates as c
    semi join wanted_brands as w on w.brand_id = c.brand_id
    join brand_periods as bp
        on bp.brand_id = c.brand_id
       and c.effective_on >= bp.period_from
       and (bp.period_to is null or c.effective_on < bp.period_to)
    where not ($parents is null and $lists is null)
      and ($parents is null or list_has_any(bp.parent_ids, $parents))
      and ($lists is null or list_has_any(bp.list_names, $lists))
),

final as (
    select count(*) as rows from matching
)

select * from final
