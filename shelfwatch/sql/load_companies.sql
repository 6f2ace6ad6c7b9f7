-- Insert the validated staged companies.
insert into companies
select clean(company_id), trim(name), clean(country)
from staged order by _row;
