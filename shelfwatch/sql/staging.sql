-- Value checks shared by the validate_* queries. Blank means absent.
create or replace temp macro blank(v) as nullif(trim(v), '') is null;
create or replace temp macro clean(v) as nullif(trim(v), '');
create or replace temp macro is_slug(v) as regexp_full_match(trim(v), '[a-z0-9-]+');
create or replace temp macro is_iso_date(v) as
    regexp_full_match(trim(v), '\d{4}-\d{2}-\d{2}') and try_cast(trim(v) as date) is not null;
create or replace temp macro is_http_url(v) as
    regexp_full_match(trim(v), 'https?://[^\s/?#]+[^\s]*', 'i');
-- A vocabulary's terms as a message lists them: 'a, b or c'.
create or replace temp macro one_of(terms) as
    case when len(terms) < 2 then coalesce(terms[1], '')
         else array_to_string(terms[1:len(terms) - 1], ', ') || ' or ' || terms[len(terms)] end;
create or replace temp macro shown(v) as
    '''' || left(replace(replace(trim(v), chr(10), ' '), chr(13), ' '), 60) || '''';
-- Control characters (C0 but NUL, which is refused as binary; DEL; C1) and the bidi marks,
-- embeddings, overrides and isolates: in an id or a URL they hide or reorder what a reader sees
-- (a link whose text lies), so both file formats refuse them there. Empty when there is none.
create or replace temp macro unsafe_char(v) as regexp_extract(
    v, '[\x{01}-\x{1F}\x{7F}-\x{9F}\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}]');
create or replace temp macro has_unsafe_char(v) as coalesce(unsafe_char(v) <> '', false);
create or replace temp macro unsafe_char_message(v) as
    'a control or bidirectional-text character (' || printf('U+%04X', unicode(unsafe_char(v)))
    || ' at character ' || strpos(v, unsafe_char(v)) || ') is not allowed here: remove it';
