-- featured_views: the permalinks the data's editors feature on the Overview (data/views.csv),
-- in the file's order. The parameters were checked at publish against this version's ids.
-- Parameters: none.
-- Columns: title, page (a page's address), params (URL query string), note.
-- Ordered by the file's order.
with

views as (
    select position, title, page, params, note from featured_views
),

final as (
    select * from views
)

select * exclude (position) from final
order by position
