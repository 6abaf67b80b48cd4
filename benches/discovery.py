#!/usr/bin/env python3
"""Discovery benchmark: aimap vs nmap -sT vs the raw connect() limit.

BENCH_MODE=filtered (run by benches/filtered.sh inside its namespace, where
SYNs to odd /24s are dropped): aimap with its defaults and pinned, nmap
-sT -T5 --min-rate 20000 and the limit at conc 8192 / 1 s / no retries,
as #17 measures them; listeners only in the blocks that answer.

Same loopback targets, same run, alternating rounds. Prints probes/s, wall
time, peak RSS and listeners found for each tool, and the ratios. Then the
lazy-target check: aimap's peak RSS after 10 s on 127.0.0.0/8 vs a /24.
Loopback only: every target here is in 127.0.0.0/8.
"""
import ipaddress, json, os, re, signal, statistics, subprocess, sys, time

CIDR = os.environ.get("BENCH_CIDR", "127.90.0.0/16")
PORTS = [6379, 8000, 11434]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
AIMAP = os.environ["AIMAP"]
LIMIT = os.environ.get("LIMIT")
net = ipaddress.ip_network(CIDR)
assert net.subnet_of(ipaddress.ip_network("127.0.0.0/8")), "loopback only"
PROBES = net.num_addresses * len(PORTS)

MODE = os.environ.get("BENCH_MODE", "loopback")
# 20 listeners spread over the range (filtered mode: even third octets).
hosts = [net[(i * 3271 + 17) % net.num_addresses] for i in range(20)]
if MODE == "filtered":
    hosts = [ipaddress.ip_address(int(h) & ~0x100) for h in hosts]
listen = [f"{h}:{PORTS[i % len(PORTS)]}" for i, h in enumerate(hosts)]
expected = set(listen)
lst = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "listeners.py"), *listen], stdout=subprocess.PIPE, text=True)
assert lst.stdout.readline().strip() == "ready"

def hwm_mb(pid):
    """Peak RSS of a running process. (rusage's ru_maxrss would include this
    Python parent's memory, which a forked child carries until exec.)"""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0

def run(cmd, stop_after=None):
    """Run a tool; returns wall seconds, peak RSS in MB, stdout."""
    import threading
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0.0]
    def watch():
        while p.poll() is None:
            peak[0] = max(peak[0], hwm_mb(p.pid))
            time.sleep(0.01)
    w = threading.Thread(target=watch)
    w.start()
    if stop_after:
        time.sleep(stop_after)
        p.send_signal(signal.SIGINT)
    out = p.stdout.read()
    p.wait()
    w.join()
    return time.perf_counter() - t0, peak[0], out

def found_aimap(out):
    got = set()
    for line in out.splitlines():
        d = json.loads(line)
        if d.get("type") == "summary":
            got |= set(d["unidentified"])
        elif d.get("type") == "service":
            got.add(f'{d["host"]}:{d["port"]}')
    return got

def found_nmap(out):
    got = set()
    for line in out.splitlines():
        m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
        if m:
            for p in m.group(2).split(","):
                port, state = p.strip().split("/")[:2]
                if state == "open":
                    got.add(f"{m.group(1)}:{port}")
    return got

def found_limit(out):
    return set(re.findall(r"open (\S+:\d+)", out)) or None

ports = ",".join(map(str, PORTS))
tools = {
    "aimap": ([AIMAP, "scan", CIDR, "-p", ports, "--concurrency", "2000", "--timeout", "1s", "--retries", "0", "--format", "jsonl", "--fail-on", "none", "-q"], found_aimap),
    "aimap dflt": ([AIMAP, "scan", CIDR, "-p", ports, "--format", "jsonl", "--fail-on", "none", "-q"], found_aimap),
    "nmap -sT": (["nmap", "-sT", "-n", "-Pn", "-T5", "--min-rate", "100000", "-p", ports, "-oG", "-", CIDR], found_nmap),
}
if LIMIT:
    tools["limit"] = ([LIMIT, "--cidr", CIDR, "--ports", ports, "--conc", "2000", "--threads", "2", "--eager", "--list-open"], found_limit)
if MODE == "filtered":
    quiet_out = ["--format", "jsonl", "--fail-on", "none", "-q"]
    tools = {
        "aimap": ([AIMAP, "scan", CIDR, "-p", ports, *quiet_out], found_aimap),
        "aimap pinned": ([AIMAP, "scan", CIDR, "-p", ports, "--concurrency", "8192", "--timeout", "1s", "--retries", "2", *quiet_out], found_aimap),
        "nmap -sT": (["nmap", "-sT", "-n", "-Pn", "-T5", "--min-rate", "20000", "-p", ports, "-oG", "-", CIDR], found_nmap),
    }
    if LIMIT:
        tools["limit"] = ([LIMIT, "--cidr", CIDR, "--ports", ports, "--conc", "8192", "--timeout-ms", "1000", "--threads", "2", "--eager", "--list-open"], found_limit)

results = {name: [] for name in tools}
for r in range(ROUNDS):
    for name, (cmd, parse) in tools.items():
        wall, rss, out = run(cmd)
        got = parse(out)
        ok = "n/a" if got is None else ("yes" if expected <= got else f"NO ({len(expected & got)}/20)")
        results[name].append((wall, rss, ok))

print(f"Discovery: {CIDR} x {len(PORTS)} ports = {PROBES} probes, 20 listeners, {ROUNDS} alternating rounds (median)")
print(f"{'tool':12} {'wall s':>8} {'probes/s':>10} {'peak RSS MB':>12} {'all found':>10}")
med = {}
for name, rs in results.items():
    wall = statistics.median(r[0] for r in rs)
    rss = max(r[1] for r in rs)
    med[name] = wall
    # Rounds in which every listener was found, of all rounds.
    allfound = "n/a" if rs[-1][2] == "n/a" else f"{sum(r[2] == 'yes' for r in rs)}/{len(rs)}"
    print(f"{name:12} {wall:8.2f} {PROBES / wall:10.0f} {rss:12.1f} {allfound:>10}")
aim = 3 if MODE == "filtered" else 1.5
if "limit" in med:
    print(f"aimap wall / limit wall = {med['aimap'] / med['limit']:.2f} (aim: <= {aim})")
    if "aimap dflt" in med:
        print(f"aimap (defaults) wall / limit wall = {med['aimap dflt'] / med['limit']:.2f} (aim: <= {aim})")
print(f"aimap probes/s / nmap probes/s = {med['nmap -sT'] / med['aimap']:.2f} (aim: >= {1 if MODE == 'filtered' else 2})")
if MODE == "filtered":
    lst.kill()
    sys.exit(0)

# Lazy targets: 10 s into 127.0.0.0/8 on one port costs the same memory as
# 10 s into a /24 on every port (the same 16.7 M probes either way).
quiet = ["--format", "jsonl", "--fail-on", "none", "-q", "--concurrency", "2000", "--retries", "0"]
_, rss24, _ = run([AIMAP, "scan", "127.91.0.0/24", "-p", "-", *quiet], stop_after=10)
_, rss8, _ = run([AIMAP, "scan", "127.0.0.0/8", "-p", "9", *quiet], stop_after=10)
print(f"aimap peak RSS after 10 s: /24 x 65535 ports {rss24:.1f} MB, /8 x 1 port {rss8:.1f} MB")
lst.kill()
