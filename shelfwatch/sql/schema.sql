-- The tables of one published store version. Input tables mirror the CSV files of
-- docs/design.md; derived tables are rebuilt from them on every publish.

create table if not exists retailers (
    retailer_id varchar not null,
    name        varchar not null,
    country     varchar,
    kind        varchar,
    website     varchar
);

create table if not exists brands (
    brand_id varchar not null,
    name     varchar not null,
    category varchar
);

create table if not exists companies (
    company_id varchar not null,
    name       varchar not null,
    country    varchar
);

-- Conflicting claims are kept as separate rows: no primary key on purpose. claim_no is the
-- claim's row in ownership.csv (1 = first): the strongest-claim rule's last tie-break.
create table if not exists ownership (
    brand_id   varchar not null,
    company_id varchar not null,
    valid_from date not null,
    valid_to   date,
    source_url varchar not null,
    confidence varchar not null,
    note       varchar,
    claim_no   bigint
);
-- A version published before claim_no existed (store format 1) gains it on its next publish:
-- insertion order is the file's order there too.
alter table ownership add column if not exists claim_no bigint;
update ownership set claim_no = rowid + 1 where claim_no is null;

create table if not exists designations (
    company_id   varchar not null,
    list         varchar not null,
    effective_on date not null,
    ended_on     date,
    source_url   varchar not null,
    note         varchar
);

create table if not exists events (
    date       date not null,
    title      varchar not null,
    kind       varchar not null,
    url        varchar,
    company_id varchar,
    brand_id   varchar
);

-- Permalinks the Overview offers (data/views.csv; shelfwatch/featured.py checks them).
create table if not exists featured_views (
    position bigint not null,
    title    varchar not null,
    page     varchar not null,
    params   varchar not null,
    note     varchar
);

-- obs_id is the global ingest order: the status rule's last tie-break ("ingested last").
create table if not exists observations (
    obs_id        bigint not null,
    retailer_id   varchar not null,
    brand_id      varchar not null,
    status        varchar not null,
    effective_on  date not null,
    source_url    varchar not null,
    source_kind   varchar not null,
    confidence    varchar not null,
    reported_on   date,
    channel       varchar not null,
    quote         varchar,
    note          varchar,
    archive_url   varchar,
    input_file_id integer not null,
    line_no       bigint
);

-- Every file ever published into this lineage, for provenance and duplicate batches.
create table if not exists input_files (
    input_file_id integer not null,
    version       integer not null,
    file_name     varchar not null,
    role          varchar not null,
    sha256        varchar not null,
    rows          bigint not null,
    bytes         bigint not null,
    -- observations only: the rows' fingerprint, whatever their bytes (fingerprint_observations)
    content_sha256 varchar
);
-- A version published before content fingerprints gains the column on its next publish; the
-- ingest fills it in for the old batches from their stored rows.
alter table input_files add column if not exists content_sha256 varchar;

create table if not exists version_info (
    version        integer not null,
    published_at   timestamptz not null,
    action         varchar not null,
    parent_version integer,
    observations   bigint not null,
    pairs          bigint not null,
    shelfwatch     varchar not null,
    -- who published it and why: the signed-in editor (NULL from the command line without
    -- --editor) and the one-line note a publish from the app requires
    editor         varchar,
    note           varchar
);
-- A version published before editors existed (store format 4) gains the columns on its next
-- publish.
alter table version_info add column if not exists editor varchar;
alter table version_info add column if not exists note varchar;

-- Corrections: an observation an editor withdrew, from the version that says so on. Never
-- deleted: the evidence shows it struck through with the reason; the status rule ignores it.
create table if not exists retractions (
    obs_id       bigint not null,
    version      integer not null,
    reason       varchar not null,
    editor       varchar,
    retracted_at timestamptz not null
);
