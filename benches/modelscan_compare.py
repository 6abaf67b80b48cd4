#!/usr/bin/env python3
"""Compare aimap audit with picklescan and modelscan on one model corpus.

Usage: modelscan_compare.py AIMAP_BIN CORPUS_DIR COPIES

CORPUS_DIR holds scripts/gen_model_corpus.py's output and manifest.json.
Accuracy is judged per file against the manifest; speed is files per second
over COPIES copies of the corpus (the Python scanners run in-process through
their APIs, so their interpreter start-up is not counted against them; aimap
is timed as one whole process, start-up included).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

AIMAP, CORPUS, COPIES = sys.argv[1], sys.argv[2], int(sys.argv[3])
manifest = json.load(open(os.path.join(CORPUS, "manifest.json")))
files = [os.path.join(CORPUS, e["file"]) for e in manifest]


def run_aimap(paths):
    out = subprocess.run([AIMAP, "audit", "--format", "json", "--fail-on", "none", *paths],
                         capture_output=True, text=True, check=False)
    report = json.loads(out.stdout)
    return {f["path"]: f["verdict"] for f in report["files"]}


def aimap_verdicts():
    v = run_aimap(files)
    return [{"unsafe": "unsafe", "suspicious": "flagged", "error": "error"}.get(v[p], "clean") for p in files]


def picklescan_one(path):
    from picklescan.scanner import scan_file_path
    try:
        r = scan_file_path(path)
    except Exception:  # noqa: BLE001 - a crash on a hostile file is an error verdict
        return "error"
    if r.infected_files or r.issues_count:
        return "unsafe"
    if r.scan_err:
        return "error"
    return "flagged" if getattr(r, "suspicious_count", 0) else "clean"


def modelscan_one(path):
    from modelscan.modelscan import ModelScan
    try:
        res = ModelScan().scan(path)
    except Exception:  # noqa: BLE001
        return "error"
    if res.get("issues"):
        return "unsafe"
    if res.get("errors"):
        return "error"
    if path.rsplit("/", 1)[-1] in res["summary"]["skipped"]["skipped_files"] or not res["summary"]["scanned"]["total_scanned"]:
        return "skipped"
    return "clean"


def score(verdicts):
    s = {"unsafe_caught": 0, "unsafe_flagged": 0, "unsafe_total": 0, "safe_passed": 0, "safe_total": 0,
         "suspicious_flagged": 0, "suspicious_total": 0, "broken_reported": 0, "broken_total": 0, "missed": []}
    for e, v in zip(manifest, verdicts):
        want = e["verdict"]
        if want == "unsafe":
            s["unsafe_total"] += 1
            s["unsafe_caught"] += v == "unsafe"
            s["unsafe_flagged"] += v in ("unsafe", "flagged")
            if v not in ("unsafe", "flagged"):
                s["missed"].append(e["file"])
        elif want == "safe":
            s["safe_total"] += 1
            s["safe_passed"] += v == "clean"
        elif want == "suspicious":
            s["suspicious_total"] += 1
            s["suspicious_flagged"] += v in ("unsafe", "flagged")
        else:
            s["broken_total"] += 1
            s["broken_reported"] += v in ("error", "unsafe", "flagged")
    return s


def best_time(fn, runs=3):
    """Best of `runs` wall times: the page cache is warm for every tool."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def speed(scan_dir_fn, paths):
    return len(paths) / best_time(lambda: scan_dir_fn(paths))


# Speed corpus: COPIES copies of every file.
tmp = tempfile.mkdtemp(prefix="aimap-bench-")
many = []
for i in range(COPIES):
    for e in manifest:
        dst = os.path.join(tmp, str(i), e["file"])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(CORPUS, e["file"]), dst)
        many.append(dst)

results = {
    "aimap": (aimap_verdicts(), speed(lambda p: run_aimap([tmp]), many)),
    "picklescan": ([picklescan_one(p) for p in files], speed(lambda p: [picklescan_one(x) for x in p], many)),
    "modelscan": ([modelscan_one(p) for p in files], speed(lambda p: [modelscan_one(x) for x in p], many)),
}
shutil.rmtree(tmp)

# Large files: a checkpoint whose data.pkl lists 5,000 tensors over a 256 MiB
# storage (torch.save layout), and a 2-million-object pickle (an object graph
# like a scikit-learn forest): what scanning costs when files are real-sized.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
big = tempfile.mkdtemp(prefix="aimap-bench-big-")
import pickle  # noqa: E402
import zipfile  # noqa: E402

rows = [(i, float(i) / 3, f"node{i}") for i in range(2_000_000)]
with open(os.path.join(big, "object_graph.pkl"), "wb") as f:
    pickle.dump(rows, f, protocol=4)
del rows
tensors = b"".join(
    b"\x8c\x06t%05d\x94" % i
    + b"\x8c\x0ctorch._utils\x8c\x12_rebuild_tensor_v2\x93(" 
    + b"(\x8c\x07storage\x8c\x05torch\x8c\x0cFloatStorage\x93\x8c\x010\x8c\x03cpuJ\x00\x00\x00\x04tQ"
    + b"J" + (i * 64).to_bytes(4, "little") + b"K\x08K\x08\x86K\x08K\x01\x86\x89\x8c\x0bcollections\x8c\x0bOrderedDict\x93)Rt\x94R"
    for i in range(5000))
data_pkl = b"\x80\x02\x8c\x0bcollections\x8c\x0bOrderedDict\x93)R(" + tensors + b"u."
with zipfile.ZipFile(os.path.join(big, "checkpoint.pt"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", data_pkl)
    with z.open("archive/data/0", "w", force_zip64=True) as w:
        chunk = bytes(16 << 20)
        for _ in range(16):
            w.write(chunk)
    z.writestr("archive/version", "3\n")

print("| large file | size | aimap | picklescan | modelscan |")
print("|---|---|---|---|---|")
for name in ("checkpoint.pt", "object_graph.pkl"):
    path = os.path.join(big, name)
    size = os.path.getsize(path) / (1 << 20)
    cells = []
    for fn in (lambda: run_aimap([path]), lambda: picklescan_one(path), lambda: modelscan_one(path)):
        verdict_ok = True
        t = best_time(fn, runs=2)
        cells.append(f"{t * 1000:,.0f} ms")
    print(f"| {name} | {size:,.0f} MiB | " + " | ".join(cells) + " |")
print("big-file verdicts:", {n: (run_aimap([os.path.join(big, n)])[os.path.join(big, n)],
                               picklescan_one(os.path.join(big, n)), modelscan_one(os.path.join(big, n)))
                           for n in ("checkpoint.pt", "object_graph.pkl")})
shutil.rmtree(big)
print()

print(f"corpus: {len(files)} files; speed over {len(many)} files\n")
print("| tool | unsafe caught (as unsafe) | unsafe flagged at all | benign passed | suspicious flagged | broken files reported | files/s |")
print("|---|---|---|---|---|---|---|")
for tool, (verdicts, fps) in results.items():
    s = score(verdicts)
    print(f"| {tool} | {s['unsafe_caught']}/{s['unsafe_total']} | {s['unsafe_flagged']}/{s['unsafe_total']} | "
          f"{s['safe_passed']}/{s['safe_total']} | {s['suspicious_flagged']}/{s['suspicious_total']} | "
          f"{s['broken_reported']}/{s['broken_total']} | {fps:,.0f} |")
print()
for tool, (verdicts, _) in results.items():
    s = score(verdicts)
    if s["missed"]:
        print(f"{tool} missed: {', '.join(s['missed'])}")
