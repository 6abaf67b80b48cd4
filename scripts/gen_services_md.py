#!/usr/bin/env python3
"""Regenerate the table in docs/services.md from `aimap rules list --markdown`,
keeping the hand-kept last column ("tested against") of every existing row.

Usage: scripts/gen_services_md.py [path/to/aimap]
"""
import re
import subprocess
import sys

aimap = sys.argv[1] if len(sys.argv) > 1 else "target/debug/aimap"
path = "docs/services.md"
doc = open(path, encoding="utf-8").read()
table = subprocess.run([aimap, "rules", "list", "--markdown"], check=True,
                       capture_output=True, text=True).stdout.splitlines()

def split_row(line):
    # Cells are separated by unescaped pipes.
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]

kept = {}
lines = doc.splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("| service |"))
end = start
while end < len(lines) and lines[end].startswith("|"):
    end += 1
for l in lines[start + 2:end]:
    cells = split_row(l)
    kept[cells[0]] = cells[-1]

out = [table[0].rstrip("|").rstrip() + " | tested against |", table[1] + "---|"]
for l in table[2:]:
    rid = split_row(l)[0]
    out.append(f"{l} {kept.get(rid, 'TODO')} |")
lines[start:end] = out
count = len(table) - 2
text = "\n".join(lines) + "\n"
text = re.sub(r"^\d+ probe rules,", f"{count} probe rules,", text, count=1, flags=re.M)
open(path, "w", encoding="utf-8").write(text)
missing = [split_row(l)[0] for l in table[2:] if split_row(l)[0] not in kept]
if missing:
    print("rows without a 'tested against' entry:", ", ".join(missing), file=sys.stderr)
