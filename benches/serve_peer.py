#!/usr/bin/env python3
"""Peer for benches/serve.sh: the overview's and the first findings
page's SQL, run by Python's sqlite3 on the same database file, with no
HTTP, no JSON and no HTML. The floor an API over this store can reach."""
import sqlite3, statistics, sys, time

db, rounds = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
con = sqlite3.connect(db)
current = """SELECT id FROM runs r WHERE r.status <> 'failed' AND NOT EXISTS (
  SELECT 1 FROM runs n WHERE n.kind = r.kind AND n.scope = r.scope AND n.status <> 'failed'
  AND (n.started_ms > r.started_ms OR (n.started_ms = r.started_ms AND n.id > r.id)))"""

def overview():
    ids = [r[0] for r in con.execute(current)]
    marks = ",".join("?" * len(ids))
    con.execute(f"SELECT kind, severity, COUNT(*) FROM findings WHERE run_id IN ({marks}) GROUP BY kind, severity", ids).fetchall()
    con.execute(f"""SELECT product, SUM(CASE WHEN auth = 'none' THEN 1 ELSE 0 END), SUM(CASE WHEN vulns > 0 THEN 1 ELSE 0 END), COUNT(*)
                   FROM services WHERE run_id IN ({marks}) GROUP BY product""", ids).fetchall()
    con.execute(f"SELECT COUNT(*) FROM components WHERE run_id IN ({marks})", ids).fetchall()
    last = [r[0] for r in con.execute("SELECT id FROM runs WHERE status <> 'failed' ORDER BY started_ms DESC, id DESC LIMIT 60")]
    m2 = ",".join("?" * len(last))
    con.execute(f"SELECT run_id, severity, COUNT(*) FROM findings WHERE run_id IN ({m2}) GROUP BY run_id, severity", last).fetchall()

def findings():
    ids = [r[0] for r in con.execute(current)]
    marks = ",".join("?" * len(ids))
    con.execute(f"SELECT COUNT(*) FROM findings f WHERE f.run_id IN ({marks})", ids).fetchall()
    con.execute(f"""SELECT f.fingerprint, f.run_id, f.rule, f.kind, f.severity, f.subject, f.title, s.seen_ms
                   FROM findings f LEFT JOIN first_seen s ON s.fingerprint = f.fingerprint WHERE f.run_id IN ({marks})
                   ORDER BY f.severity DESC, f.kind DESC, f.rowid DESC LIMIT 50 OFFSET 0""", ids).fetchall()

for name, fn in [("overview", overview), ("findings", findings)]:
    fn()  # warm the page cache, as the server's first request does
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter(); fn(); times.append((time.perf_counter() - t0) * 1000)
    print(f'{{"peer": "python-sqlite3", "query": "{name}", "median_ms": {statistics.median(times):.1f}}}')
