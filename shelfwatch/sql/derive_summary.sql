-- Summaries of a version read by every reader's first page: the source tally, the most-cited
-- sources and the version's extent, computed once at publish instead of on each first visit.

-- How often each source is cited: the Data page's source list and the summary's count read
-- this instead of grouping every observation by URL on a reader's first visit.
create or replace temp table source_tally as
select source_url, count(*) as observations
from observations
group by source_url;

create or replace table top_sources as
with top as (
    select source_url, observations
    from source_tally
    order by observations desc, source_url
    limit 1000
),

cited as (
    select o.source_url, o.source_kind, o.effective_on, o.retailer_id, o.brand_id
    from observations as o
    semi join top as t on t.source_url = o.source_url
),

final as (
    select
        c.source_url,
        array_to_string(list_sort(list_distinct(list(c.source_kind))), ',') as source_kinds,
        count(*) as observations,
        min(c.effective_on) as first_date,
        max(c.effective_on) as last_date,
        len(list_distinct(list(c.retailer_id))) as retailers,
        len(list_distinct(list(c.brand_id))) as brands
    from cited as c
    group by c.source_url
)

select * from final
order by observations desc, source_url;

-- One row describing the version, read by every page's sidebar: computed once at publish
-- rather than by a full scan on each reader's first visit.
create or replace table data_summary as
with all_observations as (
    select effective_on from observations
),

observed_pairs as (
    select distinct retailer_id, brand_id from status_intervals
),

extent as (
    select
        min(effective_on) as first_date,
        max(effective_on) as last_date,
        count(*) as observations
    from all_observations
),

pair_counts as (
    select
        count(*) as pairs,
        count(distinct retailer_id) as retailers,
        count(distinct brand_id) as brands
    from observed_pairs
),

source_counts as (
    select count(*) as sources from source_tally
),

final as (
    select e.first_date, e.last_date, e.observations, p.pairs, p.retailers, p.brands, s.sources
    from extent as e
    cross join pair_counts as p
    cross join source_counts as s
)

select * from final;
