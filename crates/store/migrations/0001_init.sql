-- aimap store, schema 1. One dialect for SQLite and PostgreSQL: TEXT and
-- BIGINT only, no autoincrement (ids come from aimap), times in Unix
-- milliseconds. Child rows are deleted by the store, not by cascades.

CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,      -- scan | inventory | audit
    scope         TEXT NOT NULL,      -- runs with the same scope are comparable
    label         TEXT NOT NULL,      -- what was scanned, for people
    status        TEXT NOT NULL,      -- running | done | interrupted | failed
    started_ms    BIGINT NOT NULL,
    finished_ms   BIGINT,
    aimap_version TEXT NOT NULL,
    params        TEXT NOT NULL,      -- JSON: what --resume needs to rebuild the run
    shard_count   BIGINT NOT NULL,
    parent        TEXT,               -- rematch: the run it re-evaluated
    summary       TEXT                -- JSON written at the end (counts)
);
CREATE INDEX runs_scope ON runs (scope, started_ms);
CREATE INDEX runs_started ON runs (started_ms);

-- One row per shard of a scan; an unsharded scan is shard 0 of 1.
CREATE TABLE shards (
    run_id      TEXT NOT NULL,
    shard       BIGINT NOT NULL,
    status      TEXT NOT NULL,        -- running | done | interrupted
    total       BIGINT NOT NULL,      -- positions in this shard's probe order
    done        BIGINT NOT NULL,
    checkpoint  TEXT NOT NULL,        -- aimap_model::Checkpoint::encode
    probes_sent BIGINT NOT NULL,
    open_ports  BIGINT NOT NULL,
    services    BIGINT NOT NULL,
    attempts    BIGINT NOT NULL,      -- how many times a worker started it
    started_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    finished_ms BIGINT,
    PRIMARY KEY (run_id, shard)
);

CREATE TABLE services (
    run_id   TEXT NOT NULL,
    host     TEXT NOT NULL,
    port     BIGINT NOT NULL,
    service  TEXT NOT NULL,
    product  TEXT NOT NULL,
    version  TEXT,
    auth     TEXT NOT NULL,
    purl     TEXT,
    vulns    BIGINT NOT NULL,
    body     TEXT NOT NULL,           -- the Service as JSON
    PRIMARY KEY (run_id, host, port)
);

CREATE TABLE components (
    run_id    TEXT NOT NULL,
    ckey      TEXT NOT NULL,
    name      TEXT NOT NULL,
    version   TEXT,
    purl      TEXT,
    ecosystem TEXT NOT NULL,
    body      TEXT NOT NULL,          -- the component as JSON
    PRIMARY KEY (run_id, ckey)
);

CREATE TABLE findings (
    run_id      TEXT NOT NULL,
    fingerprint TEXT NOT NULL,        -- rule id @ subject key: stable across runs
    rule        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    severity    BIGINT NOT NULL,      -- 0 info .. 4 critical
    subject     TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,        -- the Finding as JSON
    PRIMARY KEY (run_id, fingerprint)
);
CREATE INDEX findings_fingerprint ON findings (fingerprint);

-- When each finding was first stored, for age: kept while any run has it.
CREATE TABLE first_seen (
    fingerprint TEXT PRIMARY KEY,
    seen_ms     BIGINT NOT NULL,
    run_id      TEXT NOT NULL
);
