-- The tracker's SQLite schema as an ordered list of migrations. Each starts
-- with a "-- migration: N" line; N must count up from 1 without gaps. The
-- database's PRAGMA user_version is the last migration applied. Never edit
-- a migration that has shipped: append a new one.

-- migration: 1
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

-- Entity versions are content-addressed: a version unchanged between two
-- snapshots is stored once. body is the canonical JSON encoding.
CREATE TABLE entity_versions (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,   -- sha256 of body
    body BLOB NOT NULL
);

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
