-- evidence: every observation as the explorer lists it — with its retailer's and brand's
-- names and the brand's parent companies (any claim) and their designation lists as of the
-- observation's own effective_on — stored newest first. The explorer's list, its count and
-- full exports then filter one table: no join, and a range of days is a contiguous run of
-- rows (a full export streams by ranges of days, each sorted in memory). Reads observations,
-- retailers, brands, companies, ownership and designations.
--
-- A view of the rows and the table, empty: store.derive_status fills it a range of days at a
-- time, newest first, each range sorted in memory (store.RANGE_FILLS), which stores the rows
-- exactly as one ORDER BY over all of them would, without sorting every observation at once.

create or replace temp view evidence_rows as
with

claims as (
    select brand_id, company_id, valid_from, valid_to from ownership
),

designated as (
    select company_id, list, effective_on, ended_on from designations
),

company_names as (
    select company_id, name as company_name from companies
),

retailer_names as (
    select retailer_id, name as retailer_name from retailers
),

brand_names as (
    select brand_id, name as brand_name from brands
),

-- A brand's parents and their lists only change on these dates (designations end inclusive).
-- Small: built from ownership and designations only, then hash-joined on brand_id.
period_starts as (
    select brand_id, valid_from as period_from from claims
    union
    select brand_id, valid_to from claims where valid_to is not null
    union
    select c.brand_id, d.effective_on
    from claims as c join designated as d using (company_id)
    union
    select c.brand_id, d.ended_on + 1
    from claims as c join designated as d using (company_id)
    where d.ended_on is not null
),

period_parents as (
    select distinct
        p.brand_id,
        p.period_from,
        c.company_id,
        coalesce(n.company_name, c.company_id) as company_name
    from period_starts as p
    join claims as c
        on c.brand_id = p.brand_id
       and c.valid_from <= p.period_from
       and (c.valid_to is null or p.period_from < c.valid_to)
    left join company_names as n on n.company_id = c.company_id
),

period_lists as (
    -- Lists in a fixed order (ids order), so a rebuild stores the same values.
    select p.brand_id, p.period_from, list(distinct d.list order by d.list) as list_names
    from period_parents as p
    join designated as d
        on d.company_id = p.company_id
       and d.effective_on <= p.period_from
       and (d.ended_on is null or p.period_from <= d.ended_on)
    group by p.brand_id, p.period_from
),

parent_summary as (
    select
        brand_id,
        period_from,
        list(company_id order by company_id) as parent_ids,
        string_agg(company_name, ', ' order by company_name, company_id) as parent_names
    from period_parents
    group by brand_id, period_from
),

-- Every period start is kept, also those with no parent: [period_from, period_to) tiles each
-- brand's timeline from its first claim on, so an observation falls in at most one period.
brand_periods as (
    select
        p.brand_id,
        p.period_from,
        lead(p.period_from) over (partition by p.brand_id order by p.period_from) as period_to,
        s.parent_ids,
        s.parent_names,
        l.list_names
    from period_starts as p
    left join parent_summary as s using (brand_id, period_from)
    left join period_lists as l using (brand_id, period_from)
),

observation_rows as (
    select
        obs_id, effective_on, retailer_id, brand_id, status, source_kind, confidence,
        reported_on, channel, quote, note, source_url, archive_url
    from observations
),

final as (
    select
        o.obs_id,
        o.effective_on,
        o.retailer_id,
        r.retailer_name,
        o.brand_id,
        b.brand_name,
        o.status,
        o.source_kind,
        o.confidence,
        o.reported_on,
        o.channel,
        o.quote,
        o.note,
        o.source_url,
        o.archive_url,
        coalesce(bp.parent_names, '') as parent_names,
        bp.parent_ids,
        bp.list_names
    from observation_rows as o
    left join brand_periods as bp
        on bp.brand_id = o.brand_id
       and o.effective_on >= bp.period_from
       and (bp.period_to is null or o.effective_on < bp.period_to)
    left join retailer_names as r on r.retailer_id = o.retailer_id
    left join brand_names as b on b.brand_id = o.brand_id
)

select * from final;

-- Stored in the explorer's order (effective_on desc, obs_id desc), so the rows of a range of
-- days sit together.
create or replace table evidence as
select * from evidence_rows
limit 0;
