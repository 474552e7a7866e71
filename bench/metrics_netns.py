#!/usr/bin/env python3
"""The cost of a /metrics scrape with 2,000 real servers, and the heartbeats meanwhile (needs root; not a test).

    python3 bench/metrics_netns.py --build build [--seconds 60] [--json FILE]

The netns lab of tests/netns/lab.py at interval 10 ms, deadtime 30 ms. The
active director d1 runs `tandemd --ipvs-in-memory` with 500 virtual servers
x 4 real servers (2,000 real servers, each with a tcp check every 2 s to an
address nobody answers, so half the probes time out) and
`[metrics] listen = "127.0.0.1:9694"`. Three windows of --seconds each:

  idle      no scrape;
  1/s       a scrape every second (what Prometheus does at its fastest);
  10/s      a scrape every 100 ms (ten Prometheus servers, or a stress).

In each: the intervals between d1's heartbeats as they arrive on d2's
private interface (AF_PACKET, kernel timestamps; p50, p99, max), the
engine's and the checker's CPU time (from /proc), and for the scrapes their
size and wall time. The checker's CPU per scrape is the window's checker CPU
less the idle window's, over the scrapes.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "netns"))
import load_vm as lv  # noqa: E402
from load_vm import labmod, ACTIVE, BACKUP  # noqa: E402

TIMINGS = {"interval": 0.010, "deadtime": 0.030, "warntime": 0.020, "initdead": 1.0}
SERVICES, REALS = 500, 4
PORT = 9694

SCRAPER = r"""
import json, sys, time, urllib.request
every, seconds, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
res = []
t0 = time.monotonic()
nxt = t0
while time.monotonic() - t0 < seconds:
    a = time.monotonic()
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics", timeout=10) as r:
        n = len(r.read())
    res.append((n, (time.monotonic() - a) * 1000.0))
    nxt += every
    time.sleep(max(0.0, nxt - time.monotonic()))
json.dump(res, open(out, "w"))
print("done", flush=True)
""" % PORT


def config(lab):
    out = []
    for v in range(SERVICES):
        out += ["[[virtual_server]]", 'address = "10.100.%d.%d:80"' % (v // 250, v % 250 + 1), 'forwarding = "dr"',
                "[virtual_server.check]", 'type = "tcp"', 'interval = "2s"', 'timeout = "500ms"']
        for r in range(REALS):
            k = v * REALS + r
            out += ["[[virtual_server.real]]", 'address = "10.200.%d.%d"' % (k // 250, k % 250 + 1)]
    return lab.config_text(ACTIVE) + '\n[metrics]\nlisten = "127.0.0.1:%d"\n' % PORT + "\n".join(out) + "\n"


def cpu_ms(pid):
    _, user, system = lv.proc_stat(pid)
    return (user + system) * 1000.0


def window(lab, name, every, seconds, engine, checker):
    sniff = lv.Sniffer(lab, BACKUP, "eth1", lv.ACTIVE_PRIVATE, labmod.HEARTBEAT_PORT)
    e0, c0 = cpu_ms(engine), cpu_ms(checker)
    t0 = time.monotonic()
    scrapes = []
    if every:
        out = os.path.join(lab.dir, "scrapes-%s.json" % name.replace("/", "-"))
        p = lab.ns_exec(ACTIVE, [labmod.PYTHON, "-c", SCRAPER, str(every), str(seconds), out],
                        stdout=lv.subprocess.PIPE, text=True)
        p.stdout.readline()
        p.wait()
        scrapes = json.load(open(out))
    else:
        time.sleep(seconds)
    wall = time.monotonic() - t0
    e1, c1 = cpu_ms(engine), cpu_ms(checker)
    hb = lv.heartbeat_figures(sniff.stop(), TIMINGS["interval"], TIMINGS["deadtime"])
    return {"name": name, "wall_s": wall, "engine_cpu_ms_per_s": (e1 - e0) / wall,
            "checker_cpu_ms_per_s": (c1 - c0) / wall, "scrapes": len(scrapes),
            "bytes": lv.summary([float(n) for n, _ in scrapes]) if scrapes else None,
            "scrape_ms": lv.summary([ms for _, ms in scrapes]) if scrapes else None,
            "heartbeats": hb}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--json")
    args = ap.parse_args()
    with labmod.Lab(args.build, timings=TIMINGS) as lab:
        lab.write_config(ACTIVE, config(lab))
        lab.write_config(BACKUP)
        lab.start(ACTIVE, extra_args=["--ipvs-in-memory"])
        lab.start(BACKUP)
        lab.wait_stable(timeout=30)
        st = lv.full_status(lab, ACTIVE)
        engine, checker = lab.daemons[ACTIVE].pid, st["checker"]["pid"]
        time.sleep(5)  # the first probes and full passes
        results = [window(lab, name, every, args.seconds, engine, checker)
                   for name, every in (("idle", 0), ("1/s", 1.0), ("10/s", 0.1))]
        roles = lab.roles()
    idle = results[0]["checker_cpu_ms_per_s"]
    print("2,000 real servers (500 x 4, tcp checks every 2 s), interval 10 ms; %.0f s a window; roles at the end %s"
          % (args.seconds, roles))
    print("%-6s %8s %10s %12s %16s %14s %14s %22s" % ("window", "scrapes", "bytes", "scrape ms p50/p99",
                                                      "checker ms/scrape", "engine cpu %", "checker cpu %",
                                                      "heartbeat p50/p99/max ms"))
    for r in results:
        per = (r["checker_cpu_ms_per_s"] - idle) * r["wall_s"] / r["scrapes"] if r["scrapes"] else None
        r["checker_cpu_ms_per_scrape"] = per
        iv = r["heartbeats"]["intervals"]
        print("%-6s %8d %10s %12s %16s %14.1f %14.1f %22s" % (
            r["name"], r["scrapes"], "%.0f" % r["bytes"]["p50"] if r["bytes"] else "-",
            "%.1f/%.1f" % (r["scrape_ms"]["p50"], r["scrape_ms"]["p99"]) if r["scrape_ms"] else "-",
            "%.1f" % per if per is not None else "-", r["engine_cpu_ms_per_s"] / 10, r["checker_cpu_ms_per_s"] / 10,
            "%.2f/%.2f/%.2f" % (iv["p50"], iv["p99"], iv["max"])))
    if args.json:
        json.dump({"results": results, "roles": roles}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
