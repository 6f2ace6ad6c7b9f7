-- Insert the validated staged events.
insert into events
select trim(date)::date, trim(title), trim(kind), clean(url), clean(company_id), clean(brand_id)
from staged order by _row;
