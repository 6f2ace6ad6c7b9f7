-- Insert the validated staged designations.
insert into designations
select clean(company_id), trim(list), trim(effective_on)::date, clean(ended_on)::date,
       trim(source_url), nullif(note, '')
from staged order by _row;
