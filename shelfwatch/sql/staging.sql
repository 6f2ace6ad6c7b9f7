-- Empty all-text templates, one per input file: "union all by name" with them gives every
-- staged file the full column set (absent optional columns become null) in file order.
create or replace temp table template_retailers (
    retailer_id varchar, name varchar, country varchar, kind varchar, website varchar
);
create or replace temp table template_brands (brand_id varchar, name varchar, category varchar);
create or replace temp table template_companies (
    company_id varchar, name varchar, country varchar
);
create or replace temp table template_ownership (
    brand_id varchar, company_id varchar, valid_from varchar, valid_to varchar,
    source_url varchar, confidence varchar, note varchar
);
create or replace temp table template_designations (
    company_id varchar, list varchar, effective_on varchar, ended_on varchar,
    source_url varchar, note varchar
);
create or replace temp table template_events (
    date varchar, title varchar, kind varchar, url varchar, company_id varchar, brand_id varchar
);
create or replace temp table template_observations (
    retailer_id varchar, brand_id varchar, status varchar, effective_on varchar,
    source_url varchar, source_kind varchar, confidence varchar, reported_on varchar,
    channel varchar, quote varchar, note varchar, archive_url varchar
);

-- Value checks shared by the validate_* queries. Blank means absent.
create or replace temp macro blank(v) as nullif(trim(v), '') is null;
create or replace temp macro clean(v) as nullif(trim(v), '');
create or replace temp macro is_slug(v) as regexp_full_match(trim(v), '[a-z0-9-]+');
create or replace temp macro is_iso_date(v) as
    regexp_full_match(trim(v), '\d{4}-\d{2}-\d{2}') and try_cast(trim(v) as date) is not null;
create or replace temp macro is_http_url(v) as
    regexp_full_match(trim(v), 'https?://[^\s/?#]+[^\s]*', 'i');
create or replace temp macro shown(v) as
    '''' || left(replace(replace(trim(v), chr(10), ' '), chr(13), ' '), 60) || '''';
