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
-- Columns: rows (one row). Reads the evidence table, as explorer_observations does.
with

matching as (
    select obs_id
    from evidence
    where ($retailers is null or list_contains($retailers, retailer_id))
      and ($brands is null or list_contains($brands, brand_id))
      and ($parents is null or list_has_any(parent_ids, $parents))
      and ($lists is null or list_has_any(list_names, $lists))
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

final as (
    select count(*) as rows from matching
)

select * from final
