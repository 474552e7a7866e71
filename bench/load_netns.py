#!/usr/bin/env python3
"""Heartbeats at 10/30 ms under bulk work on this machine's kernel, and the power-loss outage (needs root; not a test).

    python3 bench/load_netns.py --build build [--minutes 10] [--runs 10] [--json FILE]

The netns lab of tests/netns/lab.py (directors d1/d2, a public link on br0
and a private one on br1, a client on br0), on the host's own kernel, which
has no IPVS: the active director d1 runs `tandemd --ipvs-in-memory`, so its
checker keeps the IPVS table in memory with the kernel's semantics. The load
on d1 is the one of bench/load_vm.py: 2,000 virtual servers x 4 real
servers (8,000 destinations; a full read and reconcile every 5 s), 500 of
them with an http check of their real servers on 127.0.0.1:20000-21999
(bench/http_farm in d1's namespace): 2,000 checks a second; a reload every
2 s toggling one weight (`tandemctl reload`); `tandemctl status --json`
every 100 ms. d2 has no virtual servers.

1. Stability: interval 10 ms, deadtime 30 ms, warntime 20 ms, initdead 1 s,
   for --minutes with the load: role changes of either director (false
   failovers), the active director's heartbeats as they arrive on d2's
   private interface (AF_PACKET, kernel timestamps), the engine's own
   heartbeat_interval_ms and loop_lag_ms (sampled once a minute), status and
   reload figures, checks answered by the farm. If a role change happens,
   the next slower candidate of CANDIDATES runs the same window, until one
   is quiet.
2. Power loss at the quiet setting, --runs times, with the load still
   running: both links of d1 go down at once (an `ip -batch` started
   beforehand, so the cut is not delayed by a process start; the daemon
   keeps running). Measured: the time until d2's namespace has the VIP (read
   from /proc/PID/net/fib_trie every 0.5 ms), and the client's outage: a
   request every 5 ms to an HTTP server on the VIP (one on each director),
   each on a new connection, started on time whether or not the earlier ones
   were answered, each failing after 500 ms (tests/vm/livelab.py's probe);
   the longest gap between two answers in which a request was not answered
   (livelab.outage). Then d1's links come back, it rejoins as backup,
   `tandemctl takeover` on d1 hands the VIP back (make-before-break), and
   the pair settles for --settle seconds before the next run.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "vm"))
import load_vm as lv  # noqa: E402
from load_vm import labmod, ACTIVE, BACKUP, BenchError  # noqa: E402
import livelab  # noqa: E402
import vmlab  # noqa: E402

CANDIDATES = [
    {"interval": 0.010, "deadtime": 0.030, "warntime": 0.020, "initdead": 1.0},
    {"interval": 0.015, "deadtime": 0.045, "warntime": 0.030, "initdead": 1.0},
    {"interval": 0.020, "deadtime": 0.060, "warntime": 0.040, "initdead": 1.0},
    {"interval": 0.030, "deadtime": 0.090, "warntime": 0.060, "initdead": 1.0},
]
PROBE_PORT = 80
PROBE_EVERY = 0.005
PROBE_TIMEOUT = 0.500
BEFORE = 1.0   # seconds of probing before the cut
AFTER = 1.0    # seconds of probing after the VIP moved
TARGET_MEDIAN = 0.050


def fib_holds(pid):
    """True when the namespace of process `pid` has the VIP as a local
    address (/proc/PID/net/fib_trie: microseconds, no process start)."""
    try:
        with open("/proc/%d/net/fib_trie" % pid) as f:
            text = f.read()
    except OSError:
        return False
    return re.search(r"\|-- %s\n\s+/32 host LOCAL" % re.escape(labmod.VIP), text) is not None


def start_probe(lab):
    out = os.path.join(lab.dir, "probe-%d.json" % len(lab.helpers))
    proc = lab.ns_exec("client", [labmod.PYTHON, "-I", "-S", "-c", livelab.CLIENT, "probe", labmod.VIP,
                                  str(PROBE_PORT), str(PROBE_EVERY), str(PROBE_TIMEOUT), out],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lab.helpers.append(proc)
    line = proc.stdout.readline()
    if "probing" not in line:
        raise BenchError("the client's probe did not start: %r" % line)
    return livelab.Probe(proc, out)


def wait_role(lab, node, roles, timeout):
    ok, took = labmod.wait_until(lambda: (lab.try_status(node) or {}).get("role") in roles, timeout, step=0.05)
    return ok, took


def power_run(lab, args):
    """One power loss of d1 and the way back; returns its figures."""
    a, b = ACTIVE, BACKUP
    pid_b = lab.daemons[b].pid
    probe = start_probe(lab)
    cutter = subprocess.Popen(["ip", "-n", lab.ns[a], "-batch", "-"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(BEFORE)
    t0 = time.monotonic()
    cutter.stdin.write("link set eth0 down\nlink set eth1 down\n")
    cutter.stdin.close()
    if cutter.wait(timeout=20) != 0:
        raise BenchError("ip -batch on %s: %s" % (a, cutter.stderr.read().strip()))
    moved, took = labmod.wait_until(lambda: fib_holds(pid_b), 10.0, step=0.0005)
    if not moved:
        probe.stop()
        raise BenchError("the VIP did not reach %s within 10 s" % b)
    time.sleep(AFTER)
    r = livelab.outage(probe.stop(), t_from=t0 - BEFORE)
    if not r["servers"] or not r["servers"][-1].endswith(b):
        raise BenchError("the client does not reach %s at the end (%s)" % (b, r["servers"]))
    # Back: links up, d1 rejoins as backup, takes the VIP back.
    lab.power_on(a)
    ok, _ = wait_role(lab, a, ("backup",), 30.0)
    if not ok:
        raise BenchError("%s did not rejoin as backup: %s" % (a, lab.log_tail(a, 10)))
    p = lab.ctl(a, "takeover", timeout=30)
    if p.returncode != 0:
        raise BenchError("tandemctl takeover on %s: %s" % (a, (p.stdout + p.stderr).strip()))
    back = lab.wait_stable(timeout=60)
    if back != a:
        raise BenchError("after the takeover %s is active" % back)
    return {"takeover": took, "gap": r["longest_gap"], "outage": r["outage"], "failed": r["failed"],
            "requests": r["requests"], "pause": r["client_pause"], "errors": r["errors"]}


def stats3(values):
    return (min(values), statistics.median(values), max(values)) if values else None


def power_table(runs, timings):
    lines = ["power loss of the active director under the load (%d runs), interval %s, deadtime %s, warntime %s"
             % (len(runs), labmod.duration(timings["interval"]), labmod.duration(timings["deadtime"]),
                labmod.duration(timings["warntime"])),
             "  %-30s %9s %9s %9s" % ("", "min", "median", "max")]
    for label, key, fmt in (("VIP moved (ms)", "takeover", lambda v: "%.1f" % (v * 1000)),
                            ("client outage (ms)", "outage", lambda v: "%.1f" % (v * 1000)),
                            ("longest gap (ms)", "gap", lambda v: "%.1f" % (v * 1000)),
                            ("client pause (ms)", "pause", lambda v: "%.1f" % (v * 1000)),
                            ("failed requests", "failed", lambda v: "%g" % v)):
        s = stats3([r[key] for r in runs])
        lines.append("  %-30s %9s %9s %9s" % ((label,) + (tuple(fmt(x) for x in s) if s else ("-", "-", "-"))))
    if runs:
        m = statistics.median([r["outage"] for r in runs])
        lines.append("  target: median outage under %d ms -- %s (%.1f ms)"
                     % (TARGET_MEDIAN * 1000, "met" if m < TARGET_MEDIAN else "NOT met", m * 1000))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--status-every", type=float, default=0.1)
    ap.add_argument("--status-client", choices=("socket", "tandemctl"), default="socket",
                    help="how d1's status is asked: straight on the control socket, or by running tandemctl")
    ap.add_argument("--reload-every", type=float, default=2.0)
    ap.add_argument("--sample-every", type=float, default=60.0)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds the pair settles before the window and "
                                                               "between power runs")
    ap.add_argument("--warmup-timeout", type=float, default=120.0)
    ap.add_argument("--start-attempts", type=int, default=3)
    ap.add_argument("--services", type=int, default=lv.SERVICES)
    ap.add_argument("--checked", type=int, default=lv.CHECKED)
    ap.add_argument("--candidates", type=int, default=len(CANDIDATES),
                    help="how many of the candidate timings to try at most")
    ap.add_argument("--realtime", type=int, default=0,
                    help="[node] realtime_priority on both directors (default 0: normal scheduling)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--logs", help="copy the daemons' logs into this directory")
    args = ap.parse_args()
    labmod.require_root()
    t_start = time.monotonic()
    header = ("Load on the active director, netns on this machine's kernel (%s, %d CPUs), tandemd --ipvs-in-memory "
              "on d1: %s; %g min window" % (os.uname().release, os.cpu_count(), lv.load_line(args), args.minutes))
    print(header, flush=True)
    copy, desc = lv.snapshot_build(args.build, "netns")
    print("build %s, run from a copy in %s" % (desc, copy), flush=True)
    try:
        return measure(args, header, copy, desc, t_start)
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def power_series(lab, args, configs, label):
    """args.runs power losses of d1 with the load going on (the checks, the
    reloads, the status calls); returns (runs, load figures)."""
    print("[%s] power loss, %d runs" % (label, args.runs), flush=True)
    if not getattr(lab, "_probe_servers", None):
        lab._probe_servers = vmlab.start_http_servers(lab, labmod.NODES, port=PROBE_PORT,
                                                      body_of=lambda n: "I am %s" % n)
    load = lv.Load(lab, args, configs)
    load.start()
    runs = []
    try:
        for k in range(args.runs):
            time.sleep(args.settle)
            try:
                r = power_run(lab, args)
            except (BenchError, labmod.LabError) as e:
                print("  run %2d: error: %s" % (k + 1, e), flush=True)
                for node in labmod.NODES:
                    print("    %s log: %s" % (node, lab.log_tail(node, 8).replace("\n", " | ")[-1200:]), flush=True)
                lab.power_on(ACTIVE)
                if lab.wait_stable(timeout=60) != ACTIVE:
                    lab.ctl(ACTIVE, "takeover", timeout=30)
                    lab.wait_stable(timeout=60)
                continue
            runs.append(r)
            print("  run %2d: VIP moved %6.1f ms  outage %6.1f ms  longest gap %6.1f ms  failed %2d of %4d "
                  "requests  %s" % (k + 1, r["takeover"] * 1000, r["outage"] * 1000, r["gap"] * 1000,
                                    r["failed"], r["requests"], "; ".join(r["errors"][:2])), flush=True)
    finally:
        load.stop()
    return runs, {"reloads_done": sum(1 for x in load.reloads if x[2]),
                  "reloads_failed": sum(1 for x in load.reloads if not x[2]),
                  "status_calls": len(load.status)}


def measure(args, header, build, desc, t_start):
    """The candidates in turn until one is quiet; power-loss runs at the
    first candidate (10/30 ms) and at the quiet one."""
    windows, quiet = [], None
    for i, timings in enumerate(CANDIDATES[:args.candidates]):
        label = "%d/%d ms" % (round(timings["interval"] * 1000), round(timings["deadtime"] * 1000))
        print("== %s (warntime %s, initdead %s)" % (label, labmod.duration(timings["warntime"]),
                                                   labmod.duration(timings["initdead"])), flush=True)
        lab = labmod.Lab(build, timings=timings, log_level="info", prefix="ln%d-" % i)
        try:
            res, configs, farm = lv.prepare(lab, label, args, timings=timings, extra_args=["--ipvs-in-memory"])
            res["build_desc"] = desc
            lv.window(lab, label, args, res, configs, farm)
            windows.append(res)
            for line in lv.window_table([res]):
                print(line, flush=True)
            changes = res["role_changes"]["d1"] + res["role_changes"]["d2"]
            print("[%s] %s" % (label, "quiet: no role change" if not changes
                               else "%d role change(s): not quiet" % changes), flush=True)
            if (not changes or i == 0) and args.runs > 0:
                res["power_runs"], res["power_load"] = power_series(lab, args, configs, label)
            if not changes:
                quiet = res
                break
        except (BenchError, labmod.LabError, subprocess.TimeoutExpired) as e:
            print("[%s] error: %s" % (label, e), flush=True)
        finally:
            lv.save_logs(lab, args, "ln%d-" % i)
            lab.close()
    print()
    print(header)
    print("  build: %s" % desc)
    if windows:
        for line in lv.window_table(windows):
            print(line)
        for r in windows:
            print("  %s: %s" % (r["label"], lv.targets_line(r)))
    print("  fastest quiet setting: %s" % (quiet["label"] if quiet else "none of the candidates"))
    for r in windows:
        if "power_runs" not in r:
            continue
        print()
        for line in power_table(r["power_runs"], r["timings"]):
            print(line)
        pl = r["power_load"]
        print("  (%s; load during the runs: %d reloads done, %d failed; %d status calls)"
              % ("the quiet setting" if r is quiet else "not quiet: role changes in the window",
                 pl["reloads_done"], pl["reloads_failed"], pl["status_calls"]))
    print("(took %.0f s)" % (time.monotonic() - t_start))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"windows": windows}, f, indent=1, default=str)
    complete = quiet is not None and len(quiet.get("power_runs", [])) == args.runs
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
