-- Insert the validated staged brands.
insert into brands
select clean(brand_id), trim(name), clean(category)
from staged order by _row;
