-- diff_tables: how many rows each input table holds in two versions of the store, attached as
-- catalogs old and new (shelfwatch.diff.open_pair): what an upload of retailers, brands,
-- companies, ownership claims, designations or events adds.
-- Parameters: none.
-- Columns: table_name, old_rows, new_rows.
-- Ordered by the load order of docs/design.md.
with

counts as (
    select 1 as position, 'retailers' as table_name,
           (select count(*) from old.retailers) as old_rows,
           (select count(*) from new.retailers) as new_rows
    union all
    select 2, 'brands', (select count(*) from old.brands), (select count(*) from new.brands)
    union all
    select 3, 'companies', (select count(*) from old.companies),
           (select count(*) from new.companies)
    union all
    select 4, 'ownership', (select count(*) from old.ownership),
           (select count(*) from new.ownership)
    union all
    select 5, 'designations', (select count(*) from old.designations),
           (select count(*) from new.designations)
    union all
    select 6, 'events', (select count(*) from old.events), (select count(*) from new.events)
    union all
    select 7, 'observations', (select count(*) from old.observations),
           (select count(*) from new.observations)
    union all
    select 8, 'retractions', (select count(*) from old.retractions),
           (select count(*) from new.retractions)
),

final as (
    select position, table_name, old_rows, new_rows from counts
)

select * exclude (position) from final
order by position
