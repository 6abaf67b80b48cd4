"""Peer for benches/store.sh: the same rows, schema and indexes written
with Python's sqlite3 (C speed, executemany, one transaction per 1,000
rows, WAL) -- the yardstick for what the SQLite engine itself costs."""
import json, sqlite3, sys, time

path, n = sys.argv[1], int(sys.argv[2])
schema = "\n".join(open(f).read() for f in sys.argv[3:])  # every migration, in order
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA busy_timeout = 60000")
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = NORMAL")
db.executescript(schema)
sev = ["info", "low", "medium", "high", "critical"]
t0 = time.perf_counter()
batch, seen = [], []
for i in range(n):
    host = "127.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
    rule = "rule-%d" % (i % 37)
    fp = "%s@%s:11434" % (rule, host)
    body = json.dumps({"id": rule, "kind": "exposure", "severity": sev[i % 5],
        "title": "Ollama answers without authentication",
        "subject": {"type": "service", "host": host, "port": 11434, "service": "ollama"},
        "evidence": 'GET /api/tags \u2192 200: {"models":[{"name":"llama3:8b"}]}',
        "remediation": "Bind Ollama to loopback and put an authenticating proxy in front.",
        "references": ["https://github.com/ollama/ollama/blob/main/docs/faq.md"]})
    batch.append(("r1", fp, rule, "exposure", i % 5, host + ":11434",
                  "Ollama answers without authentication", body))
    seen.append((fp, 0, "r1"))
    if len(batch) == 1000 or i == n - 1:
        db.execute("BEGIN")
        db.executemany("INSERT INTO findings (run_id, fingerprint, rule, kind, severity, subject, title, body) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", batch)
        db.executemany("INSERT INTO first_seen (fingerprint, seen_ms, run_id) VALUES (?,?,?) ON CONFLICT DO NOTHING", seen)
        db.execute("COMMIT")
        batch, seen = [], []
dt = time.perf_counter() - t0
print(json.dumps({"peer": "python sqlite3", "findings": n, "insert_seconds": dt,
                  "findings_per_second": n / dt}))
