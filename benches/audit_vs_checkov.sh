#!/usr/bin/env bash
# Configuration audit: aimap vs Checkov on the same corpus
# (crates/audit/tests/fixtures: risky AI stacks and their hardened twins).
#
# Prints, for each tool:
#   risky lines pointed at exactly: results whose start line is a line the
#     corpus marks as risky (`# expect:` / `# expect-next:` markers);
#   risky lines inside a result: the marked line falls in a reported range
#     (Checkov reports whole resource blocks);
#   error-level results on hardened files (SARIF level "error").
# Checkov is installed from PyPI into its own venv (.venv-checkov), never
# into the test requirements. Vulnerability matching is off for aimap
# (--no-vulns): Checkov's open-source run does not match image tags either.
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=crates/audit/tests/fixtures
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

if [ ! -x .venv-checkov/bin/checkov ]; then
    python3 -m venv .venv-checkov
    .venv-checkov/bin/pip install -q checkov
fi
cargo build -q --bin aimap
AIMAP=target/debug/aimap

for set in risky hardened; do
    "$AIMAP" audit --no-vulns --fail-on none --format sarif -o "$OUT/aimap-$set.sarif" "$CORPUS/$set" || true
    # Checkov: every framework that reads these files; compose files have none.
    .venv-checkov/bin/checkov -d "$CORPUS/$set" --quiet --compact --skip-download \
        --framework dockerfile kubernetes secrets -o sarif --output-file-path "$OUT/checkov-$set" >/dev/null 2>&1 || true
done

python3 - "$CORPUS" "$OUT" "$(.venv-checkov/bin/checkov --version 2>/dev/null || echo unknown)" <<'PY'
import json, os, sys
corpus, out, checkov_version = sys.argv[1], sys.argv[2], sys.argv[3]

def expected(root):
    want = set()
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            for i, line in enumerate(open(p, encoding="utf-8", errors="replace"), 1):
                for marker, at in (("# expect-next:", i + 1), ("# expect:", i)):
                    if marker in line:
                        want.add((os.path.relpath(p, root), at))
                        break
    return want

def results(path, root):
    if os.path.isdir(path):
        path = os.path.join(path, "results_sarif.sarif")
    if not os.path.exists(path):
        return []
    log = json.load(open(path))
    rows = []
    for run in log.get("runs", []):
        for r in run.get("results", []):
            if r.get("suppressions"):
                continue
            loc = r["locations"][0]["physicalLocation"]
            uri = loc["artifactLocation"]["uri"].replace("file://", "")
            uri = os.path.relpath(os.path.abspath(uri), os.path.abspath(root)) if os.path.isabs(uri) else uri.lstrip("/")
            reg = loc.get("region", {})
            start = reg.get("startLine", 0)
            rows.append((uri, start, reg.get("endLine", start), r.get("level", "warning")))
    return rows

risky_root = os.path.join(corpus, "risky")
want = expected(risky_root)
print(f"corpus: {len(want)} risky lines in {corpus}/risky; hardened twins in {corpus}/hardened")
print(f"{'tool':<22} {'exact':>14} {'inside a result':>16} {'errors on hardened':>19}")
for tool, label in (("aimap", "aimap"), ("checkov", f"checkov {checkov_version}")):
    risky = results(os.path.join(out, f"{tool}-risky" + (".sarif" if tool == "aimap" else "")), risky_root)
    hard = results(os.path.join(out, f"{tool}-hardened" + (".sarif" if tool == "aimap" else "")), os.path.join(corpus, "hardened"))
    def norm(u):
        for pre in ("crates/audit/tests/fixtures/risky/", risky_root + "/"):
            if u.startswith(pre):
                return u[len(pre):]
        return u
    exact = {(f, l) for f, l in want if any(norm(u) == f and s == l for u, s, e, _ in risky)}
    inside = {(f, l) for f, l in want if any(norm(u) == f and s <= l <= e for u, s, e, _ in risky)}
    errors = sum(1 for *_, lvl in hard if lvl == "error")
    print(f"{label:<22} {len(exact):>7}/{len(want):<6} {len(inside):>9}/{len(want):<6} {errors:>19}")
PY
