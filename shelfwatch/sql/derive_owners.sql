-- brand_parent_periods: each brand's owners over time, from ownership claims (docs/design.md,
-- "Ownership"). Reads ownership and confidence_vocab.

-- Owners over time. Every claim boundary starts a period, so on each period a fixed set of
-- claims covers the brand. The strongest claim of a period (confidence, then the latest
-- valid_from, then the later row of ownership.csv) names its parent for the headline numbers;
-- a claim covering the period that names another company contests it. One row per brand,
-- period and company named, with that company's own strongest claim.
create or replace table brand_parent_periods as
with claims as (
    select
        o.brand_id, o.company_id, o.valid_from, o.valid_to, o.confidence, o.source_url,
        o.claim_no,
        {'confidence': c.rank, 'valid_from': o.valid_from, 'claim_no': o.claim_no} as strength
    from ownership as o
    join confidence_vocab as c using (confidence)
),

boundaries as (
    select brand_id, valid_from as period_from from claims
    union
    select brand_id, valid_to from claims where valid_to is not null
),

periods as (
    select
        brand_id,
        period_from,
        lead(period_from) over (partition by brand_id order by period_from) as period_to
    from boundaries
),

covering as (
    select p.brand_id, p.period_from, p.period_to, c.*  exclude (brand_id)
    from periods as p
    join claims as c
        on c.brand_id = p.brand_id
       and c.valid_from <= p.period_from
       and (c.valid_to is null or p.period_from < c.valid_to)
),

per_company as (
    select
        brand_id, period_from, company_id,
        any_value(period_to) as period_to,
        max(strength) as strength,
        arg_max(confidence, strength) as ownership_confidence,
        arg_max(source_url, strength) as ownership_source_url,
        arg_max(claim_no, strength) as claim_no,
        count(*) as claims
    from covering
    group by brand_id, period_from, company_id
),

final as (
    select
        brand_id, company_id, period_from, period_to, ownership_confidence,
        ownership_source_url, claim_no, claims,
        strength = max(strength) over period as strongest,
        count(*) over period > 1 as contested
    from per_company
    window period as (partition by brand_id, period_from)
)

select * exclude (claims) from final
order by brand_id, period_from, company_id;
