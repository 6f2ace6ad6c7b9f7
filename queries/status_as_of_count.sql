-- status_as_of_count: how many retailer × brand pairs the status_as_of query's filters match on
-- $as_of (that query without its page: what a listing says it is a page of).
-- Parameters (as status_as_of):
--   $as_of        DATE       the date the status holds for
--   $retailers    VARCHAR[]  retailer ids to keep (NULL = all)
--   $brands       VARCHAR[]  brand ids to keep (NULL = all)
--   $statuses     VARCHAR[]  statuses to keep (NULL = all)
--   $parents      VARCHAR[]  keep brands whose parent on $as_of is one of these company ids
--                            (NULL = all)
--   $lists        VARCHAR[]  keep brands whose parent is designated on one of these lists on
--                            $as_of (NULL = all)
--   $any_claim    BOOLEAN    true: every company an ownership claim names on $as_of is a parent;
--                            false: only the strongest claim's company (the headline rule)
-- Columns: rows (one row). Reads only the rule's narrow columns of status_segments, and the
-- parents and lists of the brands when those filters are given.
with

-- The companies counted as a brand's parents on $as_of (status_as_of's owners_on_date).
parents_on_date as (
    select brand_id, company_id
    from brand_parent_periods
    where period_from <= $as_of::date
      and (period_to is null or $as_of::date < period_to)
      and (strongest or $any_claim)
),

lists_on_date as (
    select distinct p.brand_id, d.list
    from parents_on_date as p
    join designations as d using (company_id)
    where d.effective_on <= $as_of::date
      and (d.ended_on is null or $as_of::date <= d.ended_on)
),

-- The brands the parent and list filters keep.
kept_brands as (
    select brand_id
    from (select distinct brand_id from brand_parent_periods) as b
    where ($parents is null or brand_id in (
              select brand_id from parents_on_date where list_contains($parents, company_id)
          ))
      and ($lists is null or brand_id in (
              select brand_id from lists_on_date where list_contains($lists, list)
          ))
),

-- The segments covering $as_of that the filters keep: narrow columns only.
matching as (
    select retailer_id
    from status_segments
    where seg_from <= $as_of::date
      and (seg_to is null or seg_to > $as_of::date)
      and ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
      and ($statuses is null or list_contains($statuses, status))
      and (($parents is null and $lists is null) or brand_id in (select brand_id from kept_brands))
),

final as (
    select count(*) as rows from matching
)

select * from final
