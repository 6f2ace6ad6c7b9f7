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
