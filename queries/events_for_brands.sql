-- events_for_brands: the dated events relevant to some brands (a chart's events and their list):
-- an event is relevant when it names one of the brands, or a company that any ownership claim
-- (at any date) names as a parent of one of them, or neither a brand nor a company (a general
-- event). Events about other brands or their owners are left out.
-- Parameters:
--   $start   DATE       events on or after (NULL = open)
--   $end     DATE       events on or before (NULL = open)
--   $kinds   VARCHAR[]  event kinds to keep (NULL = all)
--   $brands  VARCHAR[]  the brands (NULL = every event, relevant or not)
-- Columns: date, title, kind, url, company_id, company_name (NULL = none named), brand_id,
--   brand_name (NULL = none named).
-- Ordered by date, title.
with

chosen_events as (
    select date, title, kind, url, company_id, brand_id
    from events
    where ($start is null or date >= $start::date)
      and ($end is null or date <= $end::date)
      and ($kinds is null or list_contains($kinds, kind))
),

parents as (
    select distinct company_id
    from ownership
    where list_contains($brands, brand_id)
),

relevant as (
    select *
    from chosen_events
    where $brands is null
       or (brand_id is null and company_id is null)
       or list_contains($brands, brand_id)
       or company_id in (select company_id from parents)
),

final as (
    select
        e.date,
        e.title,
        e.kind,
        e.url,
        e.company_id,
        case when e.company_id is not null then coalesce(c.name, e.company_id) end
            as company_name,
        e.brand_id,
        case when e.brand_id is not null then coalesce(b.name, e.brand_id) end as brand_name
    from relevant as e
    left join companies as c on c.company_id = e.company_id
    left join brands as b on b.brand_id = e.brand_id
)

select * from final
order by date, title, kind, url
