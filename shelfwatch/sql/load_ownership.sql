-- Insert the validated staged ownership claims (conflicting claims stay separate rows).
insert into ownership
select clean(brand_id), clean(company_id), trim(valid_from)::date, clean(valid_to)::date,
       trim(source_url), coalesce(clean(confidence), 'medium'), nullif(note, '')
from staged order by _row;
