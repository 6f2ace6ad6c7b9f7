-- Insert the validated staged ownership claims (conflicting claims stay separate rows).
-- claim_no keeps the file's order: "the later row" breaks the last tie between claims; claims
-- an ingest adds come after every claim already held.
insert into ownership
select clean(brand_id), clean(company_id), trim(valid_from)::date, clean(valid_to)::date,
       trim(source_url),
       coalesce(clean(confidence), (select confidence from confidence_vocab where is_default)),
       nullif(note, ''), _row + 1 + (select coalesce(max(claim_no), 0) from ownership)
from staged order by _row;
