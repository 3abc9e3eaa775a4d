-- The tracker's SQLite schema as a list of migrations. Each starts with a
-- "-- migration: N" line; the numbers must run from 1 without gaps, and
-- schema.go applies them in that order. The database's PRAGMA user_version
-- is the last migration applied. Never edit a migration that has shipped:
-- add a new one (only its comments may change).
--
-- The sections stand in the order of the pipeline, not of their numbers:
-- snapshot storage (1), list state and checks (3), the delivery outbox (2),
-- raw files (4), then later additions (5, 6, 7). Every table's comment starts
-- with why it exists.

-- migration: 1
-- Snapshot storage: what each publication of a list held.

-- Why: every version of a list is kept, so any two can be diffed later.
-- A snapshot is one stored publication of a list. Only publications whose
-- content differs from the list's latest snapshot are stored.
CREATE TABLE snapshots (
    id             INTEGER PRIMARY KEY,
    list           TEXT    NOT NULL,
    fetched_at     TEXT    NOT NULL,              -- RFC 3339, UTC
    published_at   TEXT    NOT NULL DEFAULT '',   -- the list's own date, ISO, '' if unknown
    source         TEXT    NOT NULL,
    raw_sha256     TEXT    NOT NULL,
    content_sha256 TEXT    NOT NULL,
    entity_count   INTEGER NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'quarantined')),
    note           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX snapshots_list ON snapshots (list, id);

-- Why: an entity's content is stored once, however many snapshots hold it.
-- Entity versions are content-addressed: a version unchanged between two
-- snapshots is stored once. body is the canonical JSON encoding.
CREATE TABLE entity_versions (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,   -- sha256 of body
    body BLOB NOT NULL
);

-- Why: what a snapshot holds, without a row per entity per snapshot.
-- A membership says that an entity version was part of every snapshot of
-- its list from from_snapshot up to, not including, to_snapshot (NULL: still
-- in the latest). Storage grows with what changed, not with how often the
-- list was published.
CREATE TABLE memberships (
    list          TEXT    NOT NULL,
    entity_id     TEXT    NOT NULL,
    version_id    INTEGER NOT NULL REFERENCES entity_versions (id),
    from_snapshot INTEGER NOT NULL REFERENCES snapshots (id),
    to_snapshot   INTEGER REFERENCES snapshots (id),
    PRIMARY KEY (list, entity_id, from_snapshot)
) WITHOUT ROWID;
CREATE INDEX memberships_open ON memberships (list, to_snapshot);

-- Why: changes are computed once, at storage; alerts and history reuse them.
-- Every change (all regimes) between a snapshot and the one before it of the
-- same list, as computed when the snapshot was stored. body is the JSON of
-- a tracker.Change.
CREATE TABLE changes (
    id               INTEGER PRIMARY KEY,
    snapshot_id      INTEGER NOT NULL REFERENCES snapshots (id),
    prev_snapshot_id INTEGER NOT NULL REFERENCES snapshots (id),
    list             TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('added', 'removed', 'amended')),
    entity_id        TEXT    NOT NULL,
    body             BLOB    NOT NULL
);
CREATE INDEX changes_snapshot ON changes (snapshot_id);
CREATE INDEX changes_entity ON changes (list, entity_id);

-- migration: 3
-- List state and checks: what the daemon knows of each list between runs.

-- Why: a failing list alerts the operators once per streak, across restarts.
-- The daemon's view of each list it fetches: when it last tried and
-- succeeded, and the current failure streak. alert_sent says the operators
-- were told about this streak, so they are told once, and told again only
-- when the list recovers. One row per list, updated with every check.
CREATE TABLE list_state (
    list                 TEXT    PRIMARY KEY,
    last_attempt_at      TEXT    NOT NULL DEFAULT '',   -- RFC 3339, UTC; '' never
    last_success_at      TEXT    NOT NULL DEFAULT '',
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        TEXT    NOT NULL DEFAULT '',   -- first failure of the streak
    last_error           TEXT    NOT NULL DEFAULT '',
    alert_sent           INTEGER NOT NULL DEFAULT 0 CHECK (alert_sent IN (0, 1))
) WITHOUT ROWID;

-- Why: conditional GETs (304) spare downloading a list that did not change.
-- HTTP validators of the last download of each URL that was stored or
-- found unchanged, for the next conditional request. url_sha256 keys a URL
-- that may carry a secret; url is its redacted form, for people.
CREATE TABLE list_validators (
    list          TEXT NOT NULL,
    url_sha256    TEXT NOT NULL,
    url           TEXT NOT NULL,
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list, url_sha256)
) WITHOUT ROWID;

-- Why: an audit trail of every fetch attempt and its outcome.
-- Every check of a list and its outcome: 'unchanged' (304 Not Modified or
-- the same content), 'stored' (snapshot_id) or 'failed' (error).
CREATE TABLE checks (
    id           INTEGER PRIMARY KEY,
    list         TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    duration_ms  INTEGER NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('unchanged', 'stored', 'failed')),
    not_modified INTEGER NOT NULL DEFAULT 0 CHECK (not_modified IN (0, 1)),
    snapshot_id  INTEGER REFERENCES snapshots (id),
    bytes        INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX checks_list ON checks (list, id);

-- migration: 2
-- The delivery outbox: alerts on their way to the notifiers.

-- Why: alerts commit with their snapshot, so none is lost or sent twice.
-- A delivery is one alert for one notifier and channel; it is written in
-- the same transaction as the snapshot it announces, so a stored change is
-- never left without its alert, and it is marked sent only once the
-- notifier accepted every part. parts_sent and
-- the Slack timestamps record the progress of a multi-part alert, so a
-- resumed delivery continues where it stopped instead of resending.
-- snapshot_id is NULL for operator notices (a list keeps failing).
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    snapshot_id     INTEGER REFERENCES snapshots (id),
    list            TEXT    NOT NULL,
    notifier        TEXT    NOT NULL,                -- 'slack', 'stdout'
    channel         TEXT    NOT NULL DEFAULT '',     -- '' : the notifier's own (webhook, stdout)
    payload         TEXT    NOT NULL,                -- JSON of the notify.Alert
    created_at      TEXT    NOT NULL,                -- fixed-width UTC, so that text order is time order
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    parts_sent      INTEGER NOT NULL DEFAULT 0,
    posted_channel  TEXT    NOT NULL DEFAULT '',     -- the channel id Slack answered with, for thread replies
    thread_ts       TEXT    NOT NULL DEFAULT '',
    last_ts         TEXT    NOT NULL DEFAULT '',
    sent_at         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
-- A snapshot is announced once per notifier and channel.
CREATE UNIQUE INDEX deliveries_snapshot ON deliveries (snapshot_id, notifier, channel) WHERE snapshot_id IS NOT NULL;

-- migration: 4
-- Raw files: the published bytes behind each snapshot.

-- Why: audit and accepting a quarantined snapshot need the bytes as published.
-- The raw published files of a snapshot, gzip-compressed, kept for audit:
-- `tracker export-raw` gives them back byte for byte (sha256 checked).
-- Retention keeps the data of the newest snapshots of each list and sets
-- gz to NULL on older ones; the row (name, size, sha256) stays as a
-- record of what was published. A quarantined snapshot's files are kept
-- until it is accepted, since accepting re-reads them.
CREATE TABLE raw_files (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots (id),
    seq         INTEGER NOT NULL,      -- the file's place in the publication
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL,      -- uncompressed bytes
    sha256      TEXT    NOT NULL,      -- of the uncompressed bytes
    gz          BLOB,                  -- NULL: pruned by retention
    PRIMARY KEY (snapshot_id, seq)
);

-- A quarantined snapshot that a person accepted points at the active
-- snapshot that now holds its content.
ALTER TABLE snapshots ADD COLUMN accepted_as INTEGER REFERENCES snapshots (id);

-- migration: 5
-- Later additions: dates as dates, retraction, parser versions, delivery
-- leases. No new table; each added column says why it exists.

-- Publication dates are ISO YYYY-MM-DD, compared as dates. Older versions
-- kept a date they could not read as it was written; the UK Sanctions List
-- CSV's "Report Date: 05-Jun-2023" was stored as '05-Jun-2023' and then
-- ordered as text. Convert the forms publishers use; anything else is not
-- a date and moves to the note, so no text is ever ordered as a date.
UPDATE snapshots SET published_at = substr(published_at, 1, 10)
    WHERE published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]?*';
UPDATE snapshots SET published_at = '0' || published_at
    WHERE published_at GLOB '[0-9]-[A-Za-z][A-Za-z][A-Za-z]-[0-9][0-9][0-9][0-9]';
UPDATE snapshots SET published_at = substr(published_at, 8, 4) || '-' ||
        CASE lower(substr(published_at, 4, 3))
            WHEN 'jan' THEN '01' WHEN 'feb' THEN '02' WHEN 'mar' THEN '03' WHEN 'apr' THEN '04'
            WHEN 'may' THEN '05' WHEN 'jun' THEN '06' WHEN 'jul' THEN '07' WHEN 'aug' THEN '08'
            WHEN 'sep' THEN '09' WHEN 'oct' THEN '10' WHEN 'nov' THEN '11' WHEN 'dec' THEN '12'
        END || '-' || substr(published_at, 1, 2)
    WHERE published_at GLOB '[0-9][0-9]-[A-Za-z][A-Za-z][A-Za-z]-[0-9][0-9][0-9][0-9]'
      AND lower(substr(published_at, 4, 3)) IN ('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec');
-- dd/mm/yyyy everywhere but OFAC, which writes MM/DD/YYYY.
UPDATE snapshots SET published_at = substr(published_at, 7, 4) || '-' || substr(published_at, 4, 2) || '-' || substr(published_at, 1, 2)
    WHERE published_at GLOB '[0-9][0-9]/[0-9][0-9]/[0-9][0-9][0-9][0-9]' AND list NOT LIKE 'ofac-%';
UPDATE snapshots SET published_at = substr(published_at, 7, 4) || '-' || substr(published_at, 1, 2) || '-' || substr(published_at, 4, 2)
    WHERE published_at GLOB '[0-9][0-9]/[0-9][0-9]/[0-9][0-9][0-9][0-9]' AND list LIKE 'ofac-%';
UPDATE snapshots SET note = trim(note || ' (stated publication date, not a date: ' || published_at || ')'), published_at = ''
    WHERE published_at <> '' AND (published_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' OR date(published_at) IS NOT published_at);

-- An operator retracts a wrongly stored snapshot (`tracker retract`): it
-- stays for audit, with when and why, but is no longer any list's latest,
-- its memberships are undone and its pending alerts are not sent.
ALTER TABLE snapshots ADD COLUMN retracted_at   TEXT NOT NULL DEFAULT '';
ALTER TABLE snapshots ADD COLUMN retract_reason TEXT NOT NULL DEFAULT '';

-- How the tracker read the publication (fetch.ParserVersion). When a new
-- tracker reads a list differently (an EU name from the untranslated
-- alias, a date parsed), the latest snapshot is re-read first and stored
-- silently, so that the next publication's alerts hold only what the
-- publisher changed. Everything stored before this migration was read by
-- version 1.
ALTER TABLE snapshots ADD COLUMN parser_version INTEGER NOT NULL DEFAULT 1;

-- A claimed delivery's lease, apart from its backoff: both push
-- next_attempt_at into the future, but `tracker notify --now` may cut a
-- backoff short and must never take a delivery another process is sending.
ALTER TABLE deliveries ADD COLUMN leased_until TEXT;

-- migration: 6
-- Later additions: format drift.

-- Why: operators hear once, not on every run, of a format the parser lacks.
-- Format drift: a column, element, attribute or closed-set value (a UK
-- regime title) a parser does not know. Each is kept once per list, with
-- the snapshot it was first stored with, so operators are told once, not on
-- every run.
CREATE TABLE format_drift (
    list           TEXT NOT NULL,
    kind           TEXT NOT NULL,  -- column, element, attribute, value
    name           TEXT NOT NULL,  -- the column or element; for a value, field=value
    first_seen_at  TEXT NOT NULL,
    first_snapshot INTEGER NOT NULL REFERENCES snapshots(id),
    example        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list, kind, name)
) WITHOUT ROWID;

-- migration: 7
-- Raw files, delta-compressed: every published byte kept in little space.

-- Why: consecutive publications of a list differ by a few lines, so each
-- raw file is stored as zstd with the previous stored version of the same
-- file (same list, same stem) as a raw dictionary: a few hundred bytes to
-- a few KB instead of hundreds of KB of gzip, which lets retention keep
-- every version by default. Every store.RawFullEvery-th version of a file
-- is self-contained, so no read decodes a long chain.
-- The table is rebuilt rather than altered: the base reference is a
-- composite foreign key (ALTER TABLE cannot add one), ON UPDATE CASCADE
-- follows a quarantined snapshot's files when accepting moves them to the
-- active snapshot, and the small columns stand before the blob so that
-- reading them does not walk its overflow pages.
-- codec is 'gzip' for rows written before this migration; store.Open
-- re-encodes them in Go in the migration's own transaction (SQL has no
-- zstd), and reads still understand gzip.
CREATE TABLE raw_files_v7 (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshots (id),
    seq           INTEGER NOT NULL,      -- the file's place in the publication
    name          TEXT    NOT NULL,
    size          INTEGER NOT NULL,      -- uncompressed bytes
    sha256        TEXT    NOT NULL,      -- of the uncompressed bytes
    stem          TEXT    NOT NULL DEFAULT '',  -- the name without a date prefix, lower case: what makes two files "the same file"
    codec         TEXT    NOT NULL DEFAULT 'zstd' CHECK (codec IN ('gzip', 'zstd')),
    base_snapshot INTEGER,               -- with base_seq: the raw file data is a delta against; NULL: self-contained
    base_seq      INTEGER,
    depth         INTEGER NOT NULL DEFAULT 0,   -- deltas between this row and a self-contained one
    data          BLOB,                  -- NULL: pruned by retention
    PRIMARY KEY (snapshot_id, seq),
    FOREIGN KEY (base_snapshot, base_seq) REFERENCES raw_files_v7 (snapshot_id, seq) ON UPDATE CASCADE
);
INSERT INTO raw_files_v7 (snapshot_id, seq, name, size, sha256, codec, data)
    SELECT snapshot_id, seq, name, size, sha256, 'gzip', gz FROM raw_files;
DROP TABLE raw_files;
ALTER TABLE raw_files_v7 RENAME TO raw_files;
-- The base of a new file: the list's latest version of the same stem.
CREATE INDEX raw_files_stem ON raw_files (stem, snapshot_id);
-- What depends on a file: who is affected when it is damaged or pruned.
CREATE INDEX raw_files_base ON raw_files (base_snapshot, base_seq) WHERE base_snapshot IS NOT NULL;

-- migration: 8
-- Adaptive polling and the delay from publication to alert: what the daemon
-- learns of each publisher's server, and when a publication changed.

-- Why: a list is checked every few minutes only while its server honours
-- HTTP validators, and the daemon learns that from its own checks, across
-- restarts. conditional: every request of the check carried the validators
-- of the last one (If-None-Match, If-Modified-Since), so a 304 to it shows a
-- server that honours them and a 200 with the same content one that ignores
-- them.
ALTER TABLE checks ADD COLUMN conditional INTEGER NOT NULL DEFAULT 0 CHECK (conditional IN (0, 1));
-- Why: a server that sends no ETag or Last-Modified cannot be asked "changed
-- since?", so its list keeps its schedule. 1: every response of the check
-- carried one of them.
ALTER TABLE checks ADD COLUMN validators INTEGER NOT NULL DEFAULT 0 CHECK (validators IN (0, 1));
-- Why: the detection delay (first seen less the publisher's change) needs
-- the publisher's time to the second, where the list's own date
-- (published_at) is a day. modified_at is the newest Last-Modified of the
-- publication's files as the server sent them (RFC 3339, UTC; '' when it
-- sent none, and for imports). When the tracker first saw a publication is
-- its fetched_at, the start of the check that stored it; when Slack accepted
-- its alert is the delivery's sent_at.
ALTER TABLE snapshots ADD COLUMN modified_at TEXT NOT NULL DEFAULT '';

-- migration: 9
-- Cross-list links: the same subject designated by several lists.

-- Why: a new designation is linked to the other lists when its snapshot is
-- stored, from what changed and never by comparing whole lists. Every
-- entity a list holds or held has its match facts (internal/match: the
-- normalised names, identifiers, birth dates and countries Compare reads,
-- encoded by AppendFacts), those of its last version, kept after it is
-- delisted so that "was listed until" is still found; comparing reads
-- them, never the entity versions. id is what link_keys names.
CREATE TABLE link_facts (
    id        INTEGER PRIMARY KEY,
    list      TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    facts     BLOB NOT NULL,
    UNIQUE (list, entity_id)
);

-- Why: the blocking keys (internal/match.Keys: strong identifiers, name
-- words), as match.KeyHash, are what finds an entity's few candidates. A
-- row is 16 bytes of integers: a list's first snapshot writes a hundred
-- thousand. There is no index by entity: an entity's keys are found again
-- from its facts.
CREATE TABLE link_keys (
    key    INTEGER NOT NULL,
    entity INTEGER NOT NULL,
    PRIMARY KEY (key, entity)
) WITHOUT ROWID;

-- Why: alerts, diff and history read the links found at storage, never
-- recompute them. Each link is stored once in each direction, so an
-- entity's links are one range of the primary key. reason is
-- internal/match's (which identifier or which fields agreed); snapshot_id
-- is the snapshot whose storing found the link.
CREATE TABLE links (
    list        TEXT    NOT NULL,
    entity_id   TEXT    NOT NULL,
    other_list  TEXT    NOT NULL,
    other_id    TEXT    NOT NULL,
    score       REAL    NOT NULL,
    reason      TEXT    NOT NULL,
    snapshot_id INTEGER NOT NULL,
    PRIMARY KEY (list, entity_id, other_list, other_id)
) WITHOUT ROWID;

-- Why: the keys and links of a list are current up to one of its
-- snapshots. A list whose latest snapshot is another (a database from
-- before links, a retraction) has all its entities linked again, once,
-- the next time any snapshot is stored.
CREATE TABLE link_state (
    list        TEXT PRIMARY KEY,
    snapshot_id INTEGER NOT NULL
) WITHOUT ROWID;

-- migration: 10
-- Screening (issue 18): designations raised as possible matches of the
-- team's own counterparties.

-- Why: a possible match is raised once per counterparty and designation,
-- whatever re-imports, retries or second processes come later; an
-- amendment of the designation, or its removal, is raised again as an
-- update. One row per pair, written in the transaction of the snapshot
-- whose changes raised it, with the alert queued beside it. version is the
-- sha256 of the designation's entity version last raised about (its
-- canonical encoding, as entity_versions.hash); raised is what was raised
-- last: 'hit', 'amended' or 'removed'; score and matched (a JSON array of
-- what agreed) are those of the last raise. Times are RFC 3339, UTC.
CREATE TABLE screening_hits (
    list            TEXT    NOT NULL,
    designation_id  TEXT    NOT NULL,
    party_ref       TEXT    NOT NULL,
    snapshot_id     INTEGER NOT NULL REFERENCES snapshots (id),
    score           REAL    NOT NULL,
    matched         TEXT    NOT NULL,
    version         TEXT    NOT NULL,
    raised          TEXT    NOT NULL CHECK (raised IN ('hit', 'amended', 'removed')),
    first_raised_at TEXT    NOT NULL,
    raised_at       TEXT    NOT NULL,
    PRIMARY KEY (list, designation_id, party_ref)
) WITHOUT ROWID;

-- migration: 11
-- Raw files: line deltas (issue 16).

-- Why: a publication of a list changes by whole lines, so a new version of
-- a file is stored as a script of copies from its base and inserted lines
-- (codec 'lines', internal/store/rawdelta.go), zstd-compressed on its own:
-- as small as zstd with the base as raw dictionary, at a fifth of its cost
-- (zstd hashes the whole base into its tables for every version). Rows of
-- 'zstd' and 'gzip' stay as they are and are read as before. The table is
-- rebuilt because SQLite cannot alter a CHECK constraint; the same columns,
-- keys and indexes as migration 7's.
CREATE TABLE raw_files_v11 (
    snapshot_id   INTEGER NOT NULL REFERENCES snapshots (id),
    seq           INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    stem          TEXT    NOT NULL DEFAULT '',
    codec         TEXT    NOT NULL DEFAULT 'zstd' CHECK (codec IN ('gzip', 'zstd', 'lines')),
    base_snapshot INTEGER,
    base_seq      INTEGER,
    depth         INTEGER NOT NULL DEFAULT 0,
    data          BLOB,
    PRIMARY KEY (snapshot_id, seq),
    FOREIGN KEY (base_snapshot, base_seq) REFERENCES raw_files_v11 (snapshot_id, seq) ON UPDATE CASCADE
);
INSERT INTO raw_files_v11 (snapshot_id, seq, name, size, sha256, stem, codec, base_snapshot, base_seq, depth, data)
    SELECT snapshot_id, seq, name, size, sha256, stem, codec, base_snapshot, base_seq, depth, data FROM raw_files ORDER BY snapshot_id, seq;
DROP TABLE raw_files;
ALTER TABLE raw_files_v11 RENAME TO raw_files;
CREATE INDEX raw_files_stem ON raw_files (stem, snapshot_id);
CREATE INDEX raw_files_base ON raw_files (base_snapshot, base_seq) WHERE base_snapshot IS NOT NULL;

-- migration: 12
-- Cross-list links: the blocking keys as one index per list (issue 17).

-- Why: a list's first snapshot has ~45,000 blocking keys, and inserting
-- them as rows of link_keys cost a fifth of its import. Its keys are now
-- (match.KeyHash, link_facts id) pairs packed into rows of a few hundred
-- bytes, one per list and top 10 bits of the key hash
-- (internal/store/linkindex.go gives the encoding): a first snapshot
-- writes 1,024 rows, a later publication rewrites only the buckets its
-- changed entities' keys fall in. Candidates are found by reading the
-- buckets of a run's keys.
CREATE TABLE link_index (
    list   TEXT    NOT NULL,
    bucket INTEGER NOT NULL,
    data   BLOB    NOT NULL,
    PRIMARY KEY (list, bucket)
) WITHOUT ROWID;
-- SQL cannot write the index's varints: link_keys is kept under another
-- name for the migration's Go step (convertLinkKeys), which moves its
-- keys into link_index and drops it in the same transaction.
ALTER TABLE link_keys RENAME TO link_keys_v11;
