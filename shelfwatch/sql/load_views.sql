-- Insert the validated staged featured views, in file order (the order the Overview offers).
insert into featured_views
select _row, trim(title), coalesce(clean(page), 'overview'), coalesce(trim(params), ''),
       nullif(trim(note), '')
from staged order by _row;
