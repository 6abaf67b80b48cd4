-- aimap store, schema 4: open ports whose probe failed (a panic caught in
-- the probe task, or a probe that ran past its time budget). Kept so a
-- resumed run reports them too: their positions count as finished, so the
-- resume does not probe them again, and without this table they would
-- vanish from the merged report. One row per port and run.
CREATE TABLE probe_errors (
    run_id TEXT NOT NULL,
    host   TEXT NOT NULL,
    port   BIGINT NOT NULL,
    error  TEXT NOT NULL,
    PRIMARY KEY (run_id, host, port)
);
