-- Insert the validated staged retailers.
insert into retailers
select clean(retailer_id), trim(name), clean(country), clean(kind), clean(website)
from staged order by _row;
