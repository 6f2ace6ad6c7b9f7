-- explorer_observations: the explorer's filtered list of observations, newest first, each with
-- the brand's parent companies as of the observation's own effective_on.
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
--   $max_rows      BIGINT     row limit (NULL = all)
--   $skip_rows     BIGINT     rows to skip first, in order (NULL = none): with $max_rows, a
--                             page of the listing
-- Columns: obs_id, effective_on, retailer_id, retailer_name, brand_id, brand_name, status,
--   source_kind, confidence, reported_on, channel, quote, note, source_url, archive_url,
--   parent_names (', '-separated, sorted, '' if none), retraction ('Retracted in version N:
--   reason' for an observation a correction retracted — listed, no longer counted; NULL if it
--   stands).
-- Ordered by effective_on desc, obs_id desc. Reads the evidence table (observations with their
-- names and parents, derived at publish), so every filter is a scan of one table; the few
-- retractions are joined to the rows found.
with

matching as (
    select
        obs_id, effective_on, retailer_id, retailer_name, brand_id, brand_name, status,
        source_kind, confidence, reported_on, channel, quote, note, source_url, archive_url,
        parent_names
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

-- Corrections are few (usually none): joined to the rows found, not stored with every one.
retraction_notes as (
    select obs_id, 'Retracted in version ' || version || ': ' || reason as retraction
    from retractions
),

final as (
    select m.*, x.retraction
    from matching as m
    left join retraction_notes as x using (obs_id)
)

select * from final
order by effective_on desc, obs_id desc
limit $max_rows
offset coalesce($skip_rows, 0)
