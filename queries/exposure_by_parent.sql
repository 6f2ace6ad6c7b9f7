-- exposure_by_parent: who sells brands of designated parents. One row per parent company,
-- retailer and brand where the retailer's status on $as_of is sold (stocked or exiting) and the
-- company is a parent of the brand on $as_of (any ownership claim) designated on at least one
-- list on $as_of. When several claims name the same parent, the strongest (confidence, then the
-- latest valid_from, then source_url) gives ownership_confidence and ownership_source_url;
-- designated_on is the earliest designation still active among those lists.
-- Parameters:
--   $as_of     DATE       the date
--   $lists     VARCHAR[]  designation lists to keep (NULL = all)
--   $max_rows  BIGINT     at most this many rows (NULL = all)
-- Columns: company_id, company_name, lists (comma-separated, sorted), designated_on, brand_id,
--   brand_name, retailer_id, retailer_name, status, since, ownership_confidence,
--   ownership_source_url, source_url (of the status's winning observation).
-- Ordered by company_name, retailer_name, brand_name.
with

segments as (
    select retailer_id, brand_id, status, seg_from, seg_to, since, obs_id, source_url
    from status_segments
),

claims as (
    select brand_id, company_id, valid_from, valid_to, confidence, source_url from ownership
),

designated as (
    select company_id, list, effective_on, ended_on from designations
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

company_names as (
    select company_id, name as company_name from companies
),

sold_pairs as (
    select retailer_id, brand_id, status, since, obs_id, source_url
    from segments
    where seg_from <= $as_of::date
      and (seg_to is null or seg_to > $as_of::date)
      and status in ('stocked', 'exiting')
),

parents_on_date as (
    select brand_id, company_id, confidence, source_url
    from claims
    where valid_from <= $as_of::date and (valid_to is null or $as_of::date < valid_to)
    qualify row_number() over (
        partition by brand_id, company_id
        order by
            case confidence when 'high' then 3 when 'medium' then 2 else 1 end desc,
            valid_from desc,
            source_url
    ) = 1
),

-- Lists folded per company here, so a parent on three lists is one row, not three.
designations_on_date as (
    select
        company_id,
        string_agg(distinct list, ', ' order by list) as lists,
        min(effective_on) as designated_on
    from designated
    where effective_on <= $as_of::date
      and (ended_on is null or $as_of::date <= ended_on)
      and ($lists is null or list_contains($lists, list))
    group by company_id
),

final as (
    select
        p.company_id,
        coalesce(c.company_name, p.company_id) as company_name,
        d.lists,
        d.designated_on,
        s.brand_id,
        b.brand_name,
        s.retailer_id,
        r.retailer_name,
        s.status,
        s.since,
        p.confidence as ownership_confidence,
        p.source_url as ownership_source_url,
        s.source_url
    from sold_pairs as s
    join parents_on_date as p using (brand_id)
    join designations_on_date as d using (company_id)
    left join company_names as c on c.company_id = p.company_id
    left join brand_names as b on b.brand_id = s.brand_id
    left join retailer_names as r on r.retailer_id = s.retailer_id
)

select * from final
order by company_name, retailer_name, brand_name, company_id, retailer_id, brand_id
limit $max_rows
