-- observation_days: how many observations each effective date holds, newest first (a full
-- export streams a date-ordered query one range of days at a time, cut from these counts).
-- Parameters:
--   $start  DATE  effective_on on or after (NULL = no bound)
--   $end    DATE  effective_on on or before (NULL = no bound)
-- Columns: effective_on, observations.
-- Ordered by effective_on desc.
with

days as (
    select effective_on, count(*) as observations
    from observations
    where ($start is null or effective_on >= $start::date)
      and ($end is null or effective_on <= $end::date)
    group by effective_on
),

final as (
    select * from days
)

select * from final
order by effective_on desc
