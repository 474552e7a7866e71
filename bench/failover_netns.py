#!/usr/bin/env python3
"""Failover benchmark in network namespaces (needs root; not a test).

Each run builds the lab of tests/netns/lab.py, starts the pair with
interval 50ms, deadtime 200ms, warntime 100ms, initdead 1s, waits until one
director is active, and starts a client that opens a TCP connection to the
service on the VIP every 10 ms (50 ms timeout). Then:

  power-off  the active director's eth0 and eth1 go down at once. Measured:
             the time until the backup has the VIP, the client-visible
             outage (longest gap between two successful requests) and the
             number of failed requests.
  standby    `tandemctl standby` on the active director (planned handover).
             Measured: failed requests and the longest gap.

A request sent to a director that is gone waits out its whole timeout, so
the outage is seen in steps of about the request timeout (50 ms).

    python3 bench/failover_netns.py [--build build] [--runs 10] [--json FILE]
"""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "netns"))
import lab as L  # noqa: E402

TIMINGS = {"interval": 0.050, "deadtime": 0.200, "warntime": 0.100, "initdead": 1.0}
PROBE_EVERY = 0.010
PROBE_TIMEOUT = 0.050
BEFORE = 1.0  # seconds of probing before the event
AFTER = 1.5   # seconds of probing after the VIP moved


def one_run(build, kind):
    with L.Lab(build, timings=TIMINGS) as lab:
        lab.start_pair()
        a = lab.wait_stable(timeout=TIMINGS["initdead"] + 5)
        b = lab.peer_of(a)
        lab.start_services()
        probe = lab.start_probe(every=PROBE_EVERY, timeout=PROBE_TIMEOUT)
        time.sleep(BEFORE)
        t0 = time.monotonic()
        if kind == "power-off":
            lab.power_off(a)
        else:
            p = lab.ctl(a, "standby")
            if p.returncode != 0:
                raise L.LabError("tandemctl standby on %s: exit %d %s" % (a, p.returncode, p.stderr.strip()))
        moved, took = L.wait_until(lambda: lab.has_address(b), 5.0, step=0.002)
        if not moved:
            raise L.LabError("%s: the VIP did not reach %s within 5 s" % (kind, b))
        time.sleep(AFTER)
        r = L.analyse_probes(probe.stop())
        if not r["nodes"] or r["nodes"][-1] != b:
            raise L.LabError("%s: the client does not reach %s at the end (%s)" % (kind, b, r["nodes"]))
        return {"takeover": took, "gap": r["longest_gap"], "failed": r["failed"], "attempts": r["attempts"],
                "from": a, "to": b}


def summary_row(label, values, fmt):
    return "  %-24s %10s %10s %10s" % (label, fmt(min(values)), fmt(statistics.median(values)), fmt(max(values)))


def ms(v):
    return "%.1f" % (v * 1000.0)


def count(v):
    return "%g" % v


def series(build, kind, runs):
    results = []
    print("%s, %d runs" % (kind, runs), flush=True)
    for i in range(runs):
        try:
            r = one_run(build, kind)
        except L.LabError as e:
            print("  run %2d: error: %s" % (i + 1, e), flush=True)
            continue
        results.append(r)
        print("  run %2d: %s -> %s  VIP moved %7s ms  longest gap %7s ms  failed %3d of %4d requests"
              % (i + 1, r["from"], r["to"], ms(r["takeover"]), ms(r["gap"]), r["failed"], r["attempts"]),
              flush=True)
    return results


def table(kind, results):
    lines = ["%s (%d runs)" % (kind, len(results)),
             "  %-24s %10s %10s %10s" % ("", "min", "median", "max")]
    if results:
        lines.append(summary_row("VIP moved (ms)", [r["takeover"] for r in results], ms))
        lines.append(summary_row("longest gap (ms)", [r["gap"] for r in results], ms))
        lines.append(summary_row("failed requests", [r["failed"] for r in results], count))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--json", help="also write every run's figures to this file")
    args = ap.parse_args()
    L.require_root()
    header = ("tandem failover benchmark: interval %s, deadtime %s, warntime %s, initdead %s; "
              "client request every %s, timeout %s"
              % tuple(L.duration(x) for x in (TIMINGS["interval"], TIMINGS["deadtime"], TIMINGS["warntime"],
                                               TIMINGS["initdead"], PROBE_EVERY, PROBE_TIMEOUT)))
    print(header, flush=True)
    print()
    power = series(args.build, "power-off", args.runs)
    print()
    standby = series(args.build, "standby", args.runs)
    print()
    print(header)
    for line in table("power-off of the active director", power) + [""] + \
            table("planned handover with tandemctl standby", standby):
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"timings": TIMINGS, "power_off": power, "standby": standby}, f, indent=1)
    missing = 2 * args.runs - len(power) - len(standby)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
