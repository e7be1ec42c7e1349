#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# icmpkit trace vs traceroute (UDP, -I, -T), tracepath, mtr --report -c 1 and scamper (icmp-paris, udp-paris) on a 10-router chain.
# Usage: trace.sh BUILD [REPEATS]. Needs root (lab namespaces). Prints a table
# per delay (0 and 2 ms per router) and condition (fresh: a new source address
# for every run, so every router's ICMP token bucket is full; drained: every
# run back to back from one address), and RESULT lines for run.sh. Probes are
# counted on the wire (tcpdump at h1), and "past" counts those sent with a TTL
# past the destination's hop (11): each of them reaches the destination and
# only spends its ICMP token bucket.
set -uo pipefail
build=${1:-build}
reps=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
ICMPKIT=$(cd "$build" && pwd)/src/icmpkit
export ICMPKIT_LAB_DIR="$here/../lab"
[ "$(id -u)" = 0 ] || { echo "trace bench: needs root for the lab" >&2; exit 2; }
for t in traceroute tracepath mtr scamper tcpdump python3; do
	command -v "$t" >/dev/null || { echo "trace bench: $t missing (scripts/deps.sh)" >&2; exit 2; }
done
LABS=""
TMP=$(mktemp -d)
cleanup() {
	for l in $LABS; do "$ICMPKIT" lab down "$l" >/dev/null 2>&1; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for delay in 0 2; do
	L=ikt2b$(( $$ % 10000 ))d$delay
	LABS="$LABS $L"
	"$ICMPKIT" lab up --name "$L" chain --set N=10 --set DELAY_MS=$delay >/dev/null || exit 2
	ICMPKIT="$ICMPKIT" LAB="$L" DELAY=$delay REPS=$reps OUT="$TMP" python3 - <<'PY' || exit 2
import os, re, subprocess, time

ik, lab, delay, reps = os.environ["ICMPKIT"], os.environ["LAB"], int(os.environ["DELAY"]), int(os.environ["REPS"])
out = os.environ["OUT"]
DST, HOPS = "10.0.2.2", 11

def lx(node, *cmd, check=False, timeout=120):
    return subprocess.run([ik, "lab", "exec", "--name", lab, node, "--", *cmd],
                          capture_output=True, text=True, timeout=timeout, check=check)

TOOLS = [
    ("icmpkit trace", [ik, "trace", "-n", DST]),
    ("icmpkit trace -I", [ik, "trace", "-n", "-I", DST]),
    ("traceroute", ["traceroute", "-n", DST]),
    ("traceroute -I", ["traceroute", "-n", "-I", DST]),
    ("traceroute -T", ["traceroute", "-n", "-T", DST]),
    ("tracepath", ["tracepath", "-n", DST]),
    ("mtr --report -c 1", ["mtr", "--report", "-n", "-c", "1", DST]),
    ("scamper icmp-paris", ["scamper", "-O", "text", "-c", "trace -P icmp-paris", "-i", DST]),
    ("scamper udp-paris", ["scamper", "-O", "text", "-c", "trace -P udp-paris", "-i", DST]),
]

def hops_found(name, text):
    """TTLs 1..11 with at least one answer, from each tool's own output."""
    ttls = set()
    for line in text.splitlines():
        if name.startswith("mtr"):
            m = re.match(r"\s*(\d+)\.\|-- (\S+)", line)
            if m and m.group(2) != "???":
                ttls.add(int(m.group(1)))
            continue
        m = re.match(r"\s*(\d+)[?:]?\s+(.*)", line)
        if m and re.search(r"\b\d+\.\d+\.\d+\.\d+\b", m.group(2)) and "LOCALHOST" not in line:
            ttls.add(int(m.group(1)))
    return len([t for t in ttls if 1 <= t <= HOPS])

# End-to-end RTT.
p = lx("h1", "ping", "-n", "-q", "-c", "5", "-i", "0.2", DST)
m = re.search(r"= [\d.]+/([\d.]+)/", p.stdout)
rtt_ms = float(m.group(1)) if m else float("nan")

# A new source address for every fresh run; the lab's h1 link is 10.0.1.0/24.
dev = lx("h1", "ip", "-o", "-4", "addr", "show").stdout
dev = re.search(r"^\d+: (\S+)\s+inet 10\.0\.1\.2/24", dev, re.M).group(1)
fresh_addrs = ["10.0.1.%d" % (10 + i) for i in range(len(TOOLS) * reps)]
for a in fresh_addrs:
    lx("h1", "ip", "addr", "add", a + "/24", "dev", dev, "nodad", check=True)

def set_src(a):
    lx("h1", "ip", "route", "replace", "default", "via", "10.0.1.1", "src", a, check=True)

# Probes: every packet h1 sends to the destination, counted per run by time
# window, with its TTL (-v prints the IP header).
cap = os.path.join(out, "cap-%d.txt" % delay)
tcpd = subprocess.Popen([ik, "lab", "exec", "--name", lab, "h1", "--", "tcpdump", "-i", dev, "-nn",
                         "-v", "-tt", "-l", "-Q", "out", "dst", "host", DST],
                        stdout=open(cap, "w"), stderr=subprocess.DEVNULL)
time.sleep(1.5)
# The cost of 'lab exec' itself, taken off every wall time.
base = []
for _ in range(5):
    t0 = time.monotonic(); lx("h1", "true"); base.append(time.monotonic() - t0)
exec_s = min(base)

runs = []  # (cond, tool, wall_s, hops, start_epoch, end_epoch)
fresh = iter(fresh_addrs)
for cond in ("fresh", "drained"):
    if cond == "drained":
        set_src("10.0.1.2")
    for rep in range(reps):
        for name, cmd in TOOLS:
            if cond == "fresh":
                set_src(next(fresh))
                time.sleep(0.05)
            e0 = time.time(); t0 = time.monotonic()
            r = lx("h1", *cmd)
            wall = time.monotonic() - t0 - exec_s
            e1 = time.time()
            runs.append((cond, name, max(wall, 0.0), hops_found(name, r.stdout), e0, e1))
time.sleep(0.5)
tcpd.terminate()
tcpd.wait()
stamps = []  # (epoch, ttl)
for line in open(cap):
    m = re.match(r"(\d+\.\d+) IP .*?\bttl (\d+),", line)
    if m:
        stamps.append((float(m.group(1)), int(m.group(2))))

def probes(e0, e1):
    return sum(1 for s, _ in stamps if e0 <= s <= e1)

def past(e0, e1):
    return sum(1 for s, ttl in stamps if e0 <= s <= e1 and ttl > HOPS)

res = open(os.path.join(out, "results"), "a")
for cond in ("fresh", "drained"):
    print("-- %d ms per router (end-to-end RTT %.2f ms), %s, %d runs each; median wall, worst hops"
          % (delay, rtt_ms, cond, reps))
    print("%-20s %9s %9s %7s %7s %7s %7s" % ("tool", "wall s", "x RTT", "hops", "probes", "past", "runs"))
    for name, _ in TOOLS:
        rs = [r for r in runs if r[0] == cond and r[1] == name]
        walls = sorted(r[2] for r in rs)
        med = walls[len(walls) // 2]
        hops = min(r[3] for r in rs)
        pr = sorted(probes(r[4], r[5]) for r in rs)[len(rs) // 2]
        pa = sorted(past(r[4], r[5]) for r in rs)[len(rs) // 2]
        ratio = med * 1000 / rtt_ms if rtt_ms == rtt_ms and rtt_ms > 0 else float("nan")
        print("%-20s %9.3f %9.1f %4d/%-2d %7d %7d %7d" % (name, med, ratio, hops, HOPS, pr, pa, len(rs)))
        key = "trace_d%d_%s_%s" % (delay, cond, re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_"))
        res.write("RESULT %s_wall_s %.3f\n" % (key, med))
        res.write("RESULT %s_rtt_x %.1f\n" % (key, ratio))
        res.write("RESULT %s_hops %d\n" % (key, hops))
        res.write("RESULT %s_probes %d\n" % (key, pr))
        res.write("RESULT %s_past %d\n" % (key, pa))
    print()
PY
	"$ICMPKIT" lab down "$L" >/dev/null 2>&1
done
cat "$TMP/results"
