-- events: regulatory, reporting and other dated events (for chart annotations and lists).
-- Parameters:
--   $start  DATE       events on or after (NULL = open)
--   $end    DATE       events on or before (NULL = open)
--   $kinds  VARCHAR[]  event kinds to keep (NULL = all)
-- Columns: date, title, kind, url, company_id, brand_id.
-- Ordered by date, title.
with

all_events as (
    select date, title, kind, url, company_id, brand_id from events
),

final as (
    select *
    from all_events
    where ($start is null or date >= $start::date)
      and ($end is null or date <= $end::date)
      and ($kinds is null or list_contains($kinds, kind))
)

select * from final
order by date, title, kind, url
