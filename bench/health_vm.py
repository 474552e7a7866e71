#!/usr/bin/env python3
"""Health-check benchmark in the vm tier: tandemd against keepalived (prints figures; not a test).

Run inside the guest, which has IPVS:

    tests/vm/run.sh --timeout 1500 --smp 2 -- python3 bench/health_vm.py --build build-bench [--seconds 60] [--json FILE]

One boot, one farm: bench/http_farm (build/bench/http_farm) listens on
127.0.0.1:20000-21999, 2,000 HTTP servers in one epoll process, each
answering "200 OK" with a body holding "Working Fine" and closing. Both
checkers get the same 20 virtual servers (TCP 10.100.0.1-20:80, wlc, nat)
with 100 real servers each, 127.0.0.1:20000+100*v+r: 2,000 real servers,
each checked every second over HTTP (GET /, 2xx, the body matched against
the regular expression "Working F[a-z]+", 500 ms timeout). Everything runs
in the guest's own network namespace; the checkers run one after the other,
each alone with the farm, from an empty IPVS table.

  tandemd     a single director (its one heartbeat link goes to a dummy
              interface, so it becomes active alone after initdead) with
              [virtual_server.check] type "http". Warm-up: until every real
              server is "up" in `tandemctl status --json` and the farm has
              answered every port within one interval (the first probe of
              each real server waits a random part of an interval), plus a
              few seconds.
                Window 1 (the headline figure): tandemd's CPU time
              (utime + stime of /proc/PID/stat, all its threads) over
              --seconds of wall time, with nothing else talking to it.
                Window 2 (--latency-seconds): `tandemctl status --json` every
              --sample-every seconds; each sample gives every real server's
              last probe (latency_ms, ok, and the probes/failed_probes
              counters, which tell the probes apart). The probe latency is
              reported over all distinct probes seen, and for one healthy
              server (127.0.0.1:21050) alone. tandemd's CPU time in this
              window is reported too: it includes building a status report of
              2,000 real servers for every sample, so it is not the headline.
              Failed probes come from the counters, and real servers taken
              down from tandemd's log (both should be 0).
  keepalived  Debian's keepalived (2.2.7 in bookworm) with the same table,
              HTTP_GET { url { path /; regex "Working F[a-z]+" }
              connect_timeout 0.5; retry 1; delay_before_retry 1 } and
              delay_loop 1, run as `keepalived -n -C -l -G` (checker only, in
              the foreground, logging to the console only). Warm-up as for
              tandemd (the farm answered every port in one interval, every
              destination in the kernel with its weight), then its CPU time
              over --seconds: the parent plus the checker child.
  baseline    (unless --no-baseline) tandemd with the same table and no
              checks, over --baseline-seconds: heartbeats and the periodic
              reconcile (a dump of the table every 5 s), for reference.

For every window the farm reports the requests it answered (requests/s
should be about 2,000 for either checker) and the fewest and most requests
one port answered; the guest's CPU use (/proc/stat, all CPUs) and the farm's
own CPU time tell whether the emulated guest is saturated. After each
checker, `ipvsadm -Ln` should show 20 services with 2,000 destinations of
weight 1. A checker that cannot keep up (a warm-up that never sees every
port answered within 2 s, real servers taken down, a table with weights of
0) gets a WARNING line and is measured anyway: that is a finding, not an
error. The figures are CPU seconds of the emulated guest (QEMU TCG), so they
compare the two checkers with each other, not with real hardware; CPU time
the host takes from the guest's virtual CPUs is charged to whatever process
runs in the guest then, so a busy host inflates every figure.

--only tandemd|keepalived runs one side (keepalived: without a tandemd
that runs checks). With a tandemd that only validates checks (it warns so),
the tandemd side is skipped unless --only tandemd is given.
"""

import argparse
import json
import os
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))

SERVICES = 20
REALS = 100
FIRST_PORT = 20000
FARM_ADDRESS = "127.0.0.1"
RECEIVE = "Working F[a-z]+"
WATCHED = (10, 50)  # (virtual server, real server) whose latency is reported alone
HB_IFACE = "hbench0"  # a dummy interface for tandemd's heartbeat link
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


def vip(v):
    return "10.100.0.%d" % (v + 1)


def real_port(v, r):
    return FIRST_PORT + v * REALS + r


def watched_address():
    return "%s:%d" % (FARM_ADDRESS, real_port(*WATCHED))


def run(cmd, check=True, timeout=60, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise BenchError("%s failed (%d): %s%s" % (" ".join(cmd), p.returncode, p.stdout[-800:], p.stderr[-800:]))
    return p


def percentile(values, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


# ---- CPU accounting -------------------------------------------------------------

def cpu_times(pid):
    """(utime, stime) of a process (all its threads), seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def cpu_seconds(pid):
    return sum(cpu_times(pid))


def children(pid):
    """Direct children of pid, from /proc."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(name))
    return out


def guest_cpu():
    """(busy ticks, total ticks) of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])       # without guest/guest_nice, already in user
    return total - idle, total


class Window:
    """CPU of a set of processes, the farm and the guest over a stretch of wall time."""

    def __init__(self, farm, pids):
        self.farm = farm
        self.pids = list(pids)

    def __enter__(self):
        self.farm.stats()  # resets the per-port counters
        self.t0 = time.monotonic()
        self.cpu0 = {pid: cpu_times(pid) for pid in self.pids}
        self.farm_cpu0 = cpu_seconds(self.farm.proc.pid)
        self.guest0 = guest_cpu()
        self.req0 = self.farm.last["requests"]
        self.err0 = self.farm.last["errors"]
        return self

    def __exit__(self, *exc):
        if exc[0]:
            return False
        cpu1 = {pid: cpu_times(pid) for pid in self.pids}
        self.farm_cpu = cpu_seconds(self.farm.proc.pid) - self.farm_cpu0
        guest1 = guest_cpu()
        self.wall = time.monotonic() - self.t0
        stats = self.farm.stats()
        self.user = sum(cpu1[p][0] - self.cpu0[p][0] for p in self.pids)
        self.system = sum(cpu1[p][1] - self.cpu0[p][1] for p in self.pids)
        self.cpu = self.user + self.system
        busy = guest1[0] - self.guest0[0]
        total = guest1[1] - self.guest0[1]
        self.guest_busy = busy / total if total else 0.0  # share of all CPUs
        self.requests = stats["requests"] - self.req0
        self.ports = stats["ports"]
        self.port_min = stats["min"]
        self.port_max = stats["max"]
        self.farm_errors = stats["errors"] - self.err0
        return False

    def figures(self):
        return {"wall_s": self.wall, "cpu_s": self.cpu, "cpu_pct": 100.0 * self.cpu / self.wall,
                "cpu_user_s": self.user, "cpu_system_s": self.system,
                "farm_requests": self.requests, "farm_rps": self.requests / self.wall,
                "farm_ports_hit": self.ports, "farm_per_port_min": self.port_min,
                "farm_per_port_max": self.port_max, "farm_cpu_s": self.farm_cpu,
                "guest_busy_pct": 100.0 * self.guest_busy, "farm_errors": self.farm_errors}


# ---- the farm ---------------------------------------------------------------------

class Farm:
    """bench/http_farm with its stats lines read by a thread."""

    def __init__(self, exe, count):
        self.count = count
        self.lines = queue.Queue()
        self.proc = subprocess.Popen([exe, "--address", FARM_ADDRESS, "--first-port", str(FIRST_PORT),
                                      "--count", str(count)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            line = self.lines.get(timeout=60)
        except queue.Empty:
            line = None
        if line != "ready":
            raise BenchError("http_farm did not start: %r" % line)
        self.last = {"requests": 0}

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def stats(self):
        """Counters (and, per port, since the previous call)."""
        while not self.lines.empty():
            self.lines.get_nowait()
        self.proc.send_signal(signal.SIGUSR1)
        while True:
            line = self.lines.get(timeout=30)
            if line is None:
                raise BenchError("http_farm exited (%s)" % self.proc.poll())
            if line.startswith("stats "):
                self.last = {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
                return self.last

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_all_ports(farm, what, timeout, interval=2.0, proc=None):
    """Waits until the farm answered every port within one stretch of
    `interval` seconds (each real server checked); returns the seconds
    waited, or None (with a warning) when that never happened: a checker
    that cannot keep up is a finding, not an error."""
    t0 = time.monotonic()
    farm.stats()
    last = None
    while time.monotonic() - t0 < timeout:
        time.sleep(interval)
        if proc is not None and proc.poll() is not None:
            raise BenchError("%s exited (%s) during the warm-up" % (what, proc.returncode))
        last = farm.stats()
        if last["ports"] == farm.count:
            return time.monotonic() - t0
    print("WARNING: %s: within %.0f s the farm never answered every port within %.0f s (last: %s); "
          "measuring anyway" % (what, timeout, interval, last), flush=True)
    return None


# ---- the IPVS table ------------------------------------------------------------

def ipvs_table():
    """{service: {dest: weight}} from `ipvsadm -Ln`."""
    table, current = {}, None
    for line in run(["ipvsadm", "-Ln"]).stdout.splitlines():
        m = re.match(r"^(TCP|UDP|SCTP)\s+(\S+)", line)
        if m:
            current = table.setdefault(m.group(2), {})
            continue
        m = re.match(r"^\s+->\s+(\d+\.\d+\.\d+\.\d+:\d+)\s+(\w+)\s+(\d+)", line)
        if m and current is not None:
            current[m.group(1)] = int(m.group(3))
    return table


def check_table(who):
    """Every service and destination present with a weight; returns a summary
    (and warns when something is missing or at weight 0)."""
    table = ipvs_table()
    dests = sum(len(d) for d in table.values())
    positive = sum(1 for d in table.values() for w in d.values() if w > 0)
    want = {"%s:80" % vip(v): {"%s:%d" % (FARM_ADDRESS, real_port(v, r)) for r in range(REALS)}
            for v in range(SERVICES)}
    missing = [(s, d) for s, ds in want.items() for d in ds if d not in table.get(s, {})]
    summary = {"services": len(table), "dests": dests, "dests_weight_positive": positive, "missing": len(missing)}
    if len(table) != SERVICES or dests != SERVICES * REALS or positive != dests or missing:
        print("WARNING: %s: the IPVS table is not complete and healthy: %s; missing e.g. %s"
              % (who, summary, missing[:3]), flush=True)
    return summary


# ---- tandemd ------------------------------------------------------------------------

def tandem_config(tmp, checks=True, timeout_ms=500):
    lines = [
        "[node]", 'name = "bench"', "",
        "[cluster]", 'peer = "absent"', 'interval = "200ms"', 'deadtime = "1s"', 'warntime = "600ms"',
        'initdead = "1s"', 'authkeys = "%s"' % os.path.join(tmp, "authkeys"), "",
        "[[link]]", 'name = "dummy"', 'interface = "%s"' % HB_IFACE, 'peer = "10.99.0.2"', "",
    ]
    for v in range(SERVICES):
        lines += ["[[virtual_server]]", 'address = "%s:80"' % vip(v), 'protocol = "tcp"', 'scheduler = "wlc"',
                  'forwarding = "nat"', ""]
        if checks:
            lines += ["[virtual_server.check]", 'type = "http"', 'interval = "1s"', 'timeout = "%dms"' % timeout_ms,
                      'request = "/"', 'receive = "%s"' % RECEIVE, ""]
        for r in range(REALS):
            lines += ["[[virtual_server.real]]", 'address = "%s:%d"' % (FARM_ADDRESS, real_port(v, r)),
                      "weight = 1", ""]
    return "\n".join(lines)


class Tandemd:
    """tandemd with its stderr kept in a file."""

    def __init__(self, exe, config, sock, log_path):
        if os.path.exists(sock):
            os.unlink(sock)
        self.sock = sock
        self.log_path = log_path
        self.log = open(log_path, "a")
        self.proc = subprocess.Popen([exe, "-c", config, "--socket", sock], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        t0 = time.monotonic()
        while not os.path.exists(sock):
            if self.proc.poll() is not None:
                raise BenchError("tandemd exited (%s): %s" % (self.proc.returncode, self.tail()))
            if time.monotonic() - t0 > 300:
                raise BenchError("tandemd did not open its control socket within 300 s")
            time.sleep(0.05)

    def lines(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read().splitlines()

    def tail(self, n=8):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return " | ".join(f.read().splitlines()[-n:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def status(tandemctl, sock):
    p = run([tandemctl, "--socket", sock, "status", "--json"], timeout=60)
    return json.loads(p.stdout)


def dests_of(st):
    for vs in st.get("virtual_servers", []):
        for d in vs.get("dests", []):
            yield vs.get("service"), d


def health_counts(st):
    counts = {}
    for _, d in dests_of(st):
        h = d.get("health", "none")
        counts[h] = counts.get(h, 0) + 1
    return counts


def probe_counters(st):
    """(probes, failed probes) summed over every real server."""
    probes = failed = 0
    for _, d in dests_of(st):
        probes += d.get("probes", 0) or 0
        failed += d.get("failed_probes", 0) or 0
    return probes, failed


def wait_all_up(tandemctl, sock, proc, timeout):
    t0 = time.monotonic()
    counts = {}
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise BenchError("tandemd exited (%s) during the warm-up" % proc.returncode)
        counts = health_counts(status(tandemctl, sock))
        if counts.get("up", 0) == SERVICES * REALS:
            return time.monotonic() - t0
        time.sleep(1.0)
    print("WARNING: tandemd: not every real server up within %.0f s: %s; measuring anyway" % (timeout, counts),
          flush=True)
    return None


def bench_tandemd(args, farm, tmp, checks_run):
    tandemd = os.path.join(args.build, "daemon", "tandemd")
    tandemctl = os.path.join(args.build, "tools", "tandemctl")
    config = os.path.join(tmp, "tandem.toml")
    with open(config, "w") as f:
        f.write(tandem_config(tmp, timeout_ms=args.timeout_ms))
    sock = os.path.join(tmp, "tandemd.sock")
    out = {}
    run(["ipvsadm", "-C"])
    print("tandemd: starting with %d real servers" % (SERVICES * REALS), flush=True)
    daemon = Tandemd(tandemd, config, sock, os.path.join(tmp, "tandemd.log"))
    try:
        if checks_run:
            out["warmup_all_up_s"] = wait_all_up(tandemctl, sock, daemon.proc, args.warmup_timeout)
            out["warmup_all_ports_s"] = wait_all_ports(farm, "tandemd", args.warmup_timeout, proc=daemon.proc)
        else:
            print("tandemd: this build does not run checks; measuring it anyway", flush=True)
        time.sleep(args.settle)
        st0 = status(tandemctl, sock)
        probes0 = probe_counters(st0)

        # Window 1: nobody talks to tandemd.
        print("tandemd: window 1, %.0f s without status calls" % args.seconds, flush=True)
        log_before = len(daemon.lines())
        with Window(farm, [daemon.proc.pid]) as w1:
            time.sleep(args.seconds)
        out["quiet"] = w1.figures()
        window_log = daemon.lines()[log_before:]
        down = [line for line in window_log if re.search(r"health: .* is down", line)]
        out["quiet"]["log_lines"] = len(window_log)
        out["quiet"]["down_events"] = len(down)
        out["quiet"]["down_log_e_g"] = down[:5]
        st1 = status(tandemctl, sock)
        probes1 = probe_counters(st1)
        out["quiet"]["probes"] = probes1[0] - probes0[0]
        out["quiet"]["failed_probes"] = probes1[1] - probes0[1]

        # Window 2: status every --sample-every seconds for the latencies.
        print("tandemd: window 2, %.0f s with `tandemctl status --json` every %.1f s"
              % (args.latency_seconds, args.sample_every), flush=True)
        seen = {}  # (service, address, probes) -> (ok, latency_ms)
        samples, sample_s = 0, []
        with Window(farm, [daemon.proc.pid]) as w2:
            t0 = time.monotonic()
            end = t0 + args.latency_seconds
            target = t0
            while True:
                delay = target - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                ts = time.monotonic()
                if ts >= end:
                    break
                # The next sample one period later, or at once when a call
                # took longer than that.
                target = max(target + args.sample_every, ts)
                st = status(tandemctl, sock)
                sample_s.append(time.monotonic() - ts)
                samples += 1
                for service, d in dests_of(st):
                    last = d.get("last_check")
                    if not last:
                        continue
                    seen[(service, d["address"], d.get("probes"))] = (bool(last.get("ok")),
                                                                      float(last.get("latency_ms", 0.0)),
                                                                      last.get("reason", ""))
        out["sampled"] = w2.figures()
        st2 = status(tandemctl, sock)
        probes2 = probe_counters(st2)
        out["sampled"]["probes"] = probes2[0] - probes1[0]
        out["sampled"]["failed_probes"] = probes2[1] - probes1[1]
        out["sampled"]["status_samples"] = samples
        out["sampled"]["status_call_s_median"] = statistics.median(sample_s) if sample_s else None
        lat_all = [lat for ok, lat, _ in seen.values() if ok]
        lat_one = [lat for (service, address, _), (ok, lat, _) in seen.items() if ok and address == watched_address()]
        failures = [(s, a, reason) for (s, a, _), (ok, _, reason) in seen.items() if not ok]
        out["latency"] = {
            "probes_seen": len(seen),
            "failed_seen": len(failures),
            "failures_e_g": failures[:5],
            "all_p50_ms": percentile(lat_all, 50) if lat_all else None,
            "all_p99_ms": percentile(lat_all, 99) if lat_all else None,
            "all_max_ms": max(lat_all) if lat_all else None,
            "watched": watched_address(),
            "watched_probes": len(lat_one),
            "watched_p50_ms": percentile(lat_one, 50) if lat_one else None,
            "watched_p99_ms": percentile(lat_one, 99) if lat_one else None,
        }
        out["health_end"] = health_counts(st2)
        out["table"] = check_table("tandemd")
        out["rss_kb"] = rss_kb(daemon.proc.pid)
        out["threads"] = threads(daemon.proc.pid)
    except Exception:
        print("tandemd's log, last lines: %s" % daemon.tail(), flush=True)
        raise
    finally:
        daemon.stop()
        run(["ipvsadm", "-C"])
    return out


def bench_baseline(args, farm, tmp):
    """tandemd holding the same table without checks."""
    tandemd = os.path.join(args.build, "daemon", "tandemd")
    config = os.path.join(tmp, "tandem-nocheck.toml")
    with open(config, "w") as f:
        f.write(tandem_config(tmp, checks=False))
    run(["ipvsadm", "-C"])
    print("baseline: tandemd without checks, %.0f s" % args.baseline_seconds, flush=True)
    daemon = Tandemd(tandemd, config, os.path.join(tmp, "tandemd-nocheck.sock"), os.path.join(tmp, "nocheck.log"))
    try:
        time.sleep(args.settle)
        with Window(farm, [daemon.proc.pid]) as w:
            time.sleep(args.baseline_seconds)
        return w.figures()
    finally:
        daemon.stop()
        run(["ipvsadm", "-C"])


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def threads(pid):
    return len(os.listdir("/proc/%d/task" % pid))


# ---- keepalived ----------------------------------------------------------------------

def keepalived_config(timeout_ms=500):
    out = ["global_defs {", "    router_id health_bench", "}", ""]
    for v in range(SERVICES):
        out += ["virtual_server %s 80 {" % vip(v), "    delay_loop 1", "    lb_algo wlc", "    lb_kind NAT",
                "    protocol TCP"]
        for r in range(REALS):
            out += ["    real_server %s %d {" % (FARM_ADDRESS, real_port(v, r)),
                    "        weight 1",
                    "        HTTP_GET {",
                    "            url {",
                    "                path /",
                    '                regex "%s"' % RECEIVE,
                    "            }",
                    "            connect_timeout %g" % (timeout_ms / 1000.0),
                    "            retry 1",
                    "            delay_before_retry 1",
                    "            log_all_failures yes",
                    "        }",
                    "    }"]
        out += ["}", ""]
    return "\n".join(out)


def keepalived_version(exe):
    p = run([exe, "--version"], check=False)
    m = re.search(r"Keepalived v(\S+)", p.stdout + p.stderr)
    return m.group(1) if m else "?"


def bench_keepalived(args, farm, tmp):
    exe = shutil.which("keepalived")
    config = os.path.join(tmp, "keepalived.conf")
    with open(config, "w") as f:
        f.write(keepalived_config(args.timeout_ms))
    out = {"version": keepalived_version(exe)}
    p = run([exe, "--config-test", "-f", config], check=False, timeout=300)
    if p.returncode != 0:
        raise BenchError("keepalived --config-test: %s%s" % (p.stdout[-1500:], p.stderr[-1500:]))
    run(["ipvsadm", "-C"])
    pids = {k: os.path.join(tmp, "keepalived-%s.pid" % k) for k in ("main", "checkers", "vrrp", "bfd")}
    log_path = os.path.join(tmp, "keepalived.log")
    log = open(log_path, "w")
    print("keepalived %s: starting with %d real servers" % (out["version"], SERVICES * REALS), flush=True)
    proc = subprocess.Popen([exe, "--dont-fork", "--check", "--log-console", "--no-syslog", "-f", config,
                             "--pid", pids["main"], "--checkers_pid", pids["checkers"], "--vrrp_pid", pids["vrrp"],
                             "--bfd_pid", pids["bfd"]],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def log_tail(n=8):
        log.flush()
        with open(log_path, errors="replace") as f:
            return " | ".join(f.read().splitlines()[-n:])

    try:
        t0 = time.monotonic()
        while True:
            kids = children(proc.pid)
            if kids and len(ipvs_dests()) == SERVICES * REALS:
                break
            if proc.poll() is not None:
                raise BenchError("keepalived exited (%s): %s" % (proc.returncode, log_tail()))
            if time.monotonic() - t0 > args.warmup_timeout:
                raise BenchError("keepalived: the checker or the table not there within %.0f s: %s"
                                 % (args.warmup_timeout, log_tail()))
            time.sleep(1.0)
        out["table_loaded_s"] = time.monotonic() - t0
        out["warmup_all_ports_s"] = wait_all_ports(farm, "keepalived", args.warmup_timeout, proc=proc)
        time.sleep(args.settle)
        kids = children(proc.pid)
        out["processes"] = 1 + len(kids)
        with open(log_path, errors="replace") as f:
            log_before = len(f.read().splitlines())
        print("keepalived: window, %.0f s" % args.seconds, flush=True)
        with Window(farm, [proc.pid] + kids) as w:
            time.sleep(args.seconds)
        out["quiet"] = w.figures()
        if sorted(children(proc.pid)) != sorted(kids):
            raise BenchError("keepalived's processes changed during the window: %s -> %s"
                             % (kids, children(proc.pid)))
        log.flush()
        with open(log_path, errors="replace") as f:
            window_log = f.read().splitlines()[log_before:]
        # With log_all_failures a failed check logs its reason ("Connection
        # failed server ...", "HTTP status code error ...", "Timeout ...")
        # and a real server taken down "HTTP_CHECK on service ... failed
        # after 1 retries."; "Removing service" follows.
        down = [line for line in window_log if re.search(r"failed after \d+ retr", line)]
        failures = [line for line in window_log
                    if re.search(r"fail|error|timeout", line, re.I) and not re.search(r"failed after \d+ retr", line)]
        out["quiet"]["log_lines"] = len(window_log)
        out["quiet"]["down_events"] = len(down)
        out["quiet"]["failure_log_lines"] = len(failures)
        out["quiet"]["down_log_e_g"] = (failures[:3] + down[:2])
        out["table"] = check_table("keepalived")
        out["rss_kb"] = sum(rss_kb(p) or 0 for p in [proc.pid] + kids)
    except Exception:
        print("keepalived's log, last lines: %s" % log_tail(), flush=True)
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        run(["ipvsadm", "-C"])
    return out


def ipvs_dests():
    return [d for ds in ipvs_table().values() for d in ds]


# ---- the report ----------------------------------------------------------------------

def report(args, results):
    n = SERVICES * REALS
    lines = ["",
             "Health checks: %d real servers (%d virtual servers x %d), http GET / every 1 s, receive regex "
             "\"%s\", timeout %d ms; kernel %s, %d guest CPUs"
             % (n, SERVICES, REALS, RECEIVE, args.timeout_ms, os.uname().release, os.cpu_count()),
             "CPU over %.0f s of wall time (emulated guest)" % args.seconds,
             "  %-18s %7s %7s %13s %10s %9s %9s %8s %7s" % ("checker", "CPU s", "% core", "user+sys s",
                                                             "farm req/s", "per port", "ms/check", "guest %",
                                                             "down")]

    def row(label, f, failed):
        per_check = 1000.0 * f["cpu_s"] / f["farm_requests"] if f["farm_requests"] else float("nan")
        lines.append("  %-18s %7.2f %7.1f %13s %10.0f %9s %9.3f %8.0f %7s"
                     % (label, f["cpu_s"], f["cpu_pct"], "%.2f+%.2f" % (f["cpu_user_s"], f["cpu_system_s"]),
                        f["farm_rps"], "%d-%d" % (f["farm_per_port_min"], f["farm_per_port_max"]), per_check,
                        f["guest_busy_pct"], failed))

    t = results.get("tandemd")
    k = results.get("keepalived")
    b = results.get("baseline")
    if t:
        row("tandemd", t["quiet"], t["quiet"]["down_events"])
    if k:
        row("keepalived %s" % k["version"], k["quiet"], k["quiet"]["down_events"])
    lines.append("  (per port: the fewest and most requests one port answered; ms/check: CPU per request answered;")
    lines.append("   guest %%: busy share of all %d CPUs; down: real servers taken down in the window)" % os.cpu_count())
    if t and k:
        ratio = t["quiet"]["cpu_s"] / k["quiet"]["cpu_s"] if k["quiet"]["cpu_s"] else float("nan")
        results["ratio_tandemd_keepalived"] = ratio
        tq, kq = t["quiet"], k["quiet"]
        per_check = ((tq["cpu_s"] / tq["farm_requests"]) / (kq["cpu_s"] / kq["farm_requests"])
                     if tq["farm_requests"] and kq["farm_requests"] and kq["cpu_s"] else float("nan"))
        results["ratio_per_check"] = per_check
        lines.append("  tandemd / keepalived CPU: %.2f (target: at most 0.50 -- %s); per check answered: %.2f"
                     % (ratio, "met" if ratio <= 0.5 else "NOT met", per_check))
    if t:
        s, lat = t["sampled"], t["latency"]
        lines += ["",
                  "tandemd with `tandemctl status --json` every %.1f s (%d samples over %.0f s; a call takes %.2f s "
                  "in the guest):" % (args.sample_every, s["status_samples"], s["wall_s"],
                                     s["status_call_s_median"] or 0.0),
                  "  CPU %.2f s (%.1f%% of a core), farm %.0f req/s, guest %.0f%% busy, %d probes, %d failed"
                  % (s["cpu_s"], s["cpu_pct"], s["farm_rps"], s["guest_busy_pct"], s["probes"],
                     s["failed_probes"])]
        if lat["all_p50_ms"] is not None:
            lines.append("  probe latency, all real servers: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d probes "
                         "(%d failed)" % (lat["all_p50_ms"], lat["all_p99_ms"], lat["all_max_ms"],
                                         lat["probes_seen"], lat["failed_seen"]))
        if lat["watched_p50_ms"] is not None:
            lines.append("  probe latency, %s alone: p50 %.2f ms, p99 %.2f ms over %d probes"
                         % (lat["watched"], lat["watched_p50_ms"], lat["watched_p99_ms"], lat["watched_probes"]))
        lines.append("  tandemd: %d threads, VmRSS %.1f MiB; health at the end: %s"
                     % (t["threads"], t["rss_kb"] / 1024.0, t["health_end"]))
        q = t["quiet"]
        lines.append("  window 1: %d probes counted by tandemd (%.0f/s), %d failed; farm CPU %.2f s, %d connections "
                     "closed without a request" % (q["probes"], q["probes"] / q["wall_s"], q["failed_probes"],
                                                  q["farm_cpu_s"], q["farm_errors"]))
        for line in q["down_log_e_g"]:
            lines.append("    " + line)
    if k:
        lines.append("")
        q = k["quiet"]
        lines.append("keepalived: %d processes (parent + checker), VmRSS %.1f MiB in all; farm CPU %.2f s, %d "
                     "connections closed without a request; %d log lines in the window, %d of them failed checks"
                     % (k["processes"], k["rss_kb"] / 1024.0, q["farm_cpu_s"], q["farm_errors"], q["log_lines"],
                        q["failure_log_lines"]))
        for line in k["quiet"]["down_log_e_g"]:
            lines.append("    " + line)
    if b:
        lines.append("")
        lines.append("tandemd without checks (heartbeats, periodic reconcile): CPU %.2f s over %.0f s (%.1f%% of a core)"
                     % (b["cpu_s"], b["wall_s"], b["cpu_pct"]))
    print("\n".join(lines), flush=True)


def main():
    global SERVICES, REALS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--seconds", type=float, default=60.0, help="CPU window of each checker (default %(default)s)")
    ap.add_argument("--latency-seconds", type=float, default=30.0,
                    help="tandemd's window with status sampling (default %(default)s)")
    ap.add_argument("--sample-every", type=float, default=1.0, help="seconds between status samples")
    ap.add_argument("--baseline-seconds", type=float, default=20.0)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds after the warm-up (default %(default)s)")
    ap.add_argument("--warmup-timeout", type=float, default=120.0)
    ap.add_argument("--timeout-ms", type=int, default=500, help="check timeout (default %(default)s)")
    ap.add_argument("--services", type=int, default=SERVICES)
    ap.add_argument("--reals", type=int, default=REALS, help="real servers per virtual server")
    ap.add_argument("--only", choices=("tandemd", "keepalived"))
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--logs", help="copy the checkers' logs and configurations into this directory "
                                   "(e.g. $TANDEM_VM_OUT with run.sh --keep)")
    args = ap.parse_args()
    SERVICES, REALS = args.services, args.reals
    if SERVICES > 254 or FIRST_PORT + SERVICES * REALS > 65536:
        sys.exit("health_vm.py: too many virtual or real servers")
    if not os.path.exists("/proc/net/ip_vs"):
        sys.exit("health_vm.py: this kernel has no IPVS; run it through tests/vm/run.sh")
    args.build = os.path.abspath(args.build)
    farm_exe = os.path.join(args.build, "bench", "http_farm")
    need = [farm_exe]
    if args.only != "keepalived":
        need += [os.path.join(args.build, "daemon", "tandemd"), os.path.join(args.build, "tools", "tandemctl")]
    for exe in need:
        if not os.access(exe, os.X_OK):
            sys.exit("health_vm.py: %s is missing: build the project first" % exe)
    if args.only != "tandemd" and not shutil.which("keepalived"):
        sys.exit("health_vm.py: keepalived is not installed (scripts/setup-vm.sh installs it)")

    tmp = tempfile.mkdtemp(prefix="health-bench.")
    with open(os.path.join(tmp, "authkeys"), "w") as f:
        f.write("auth 1\n1 sha256 health-bench-secret\n")
    os.chmod(os.path.join(tmp, "authkeys"), 0o600)
    results = {"services": SERVICES, "reals_per_service": REALS, "seconds": args.seconds,
               "kernel": os.uname().release, "cpus": os.cpu_count()}

    # tandemd's configuration, validated first; a build that does not run
    # checks says so.
    checks_run = True
    if args.only != "keepalived":
        cfg = os.path.join(tmp, "tandem.toml")
        with open(cfg, "w") as f:
            f.write(tandem_config(tmp, timeout_ms=args.timeout_ms))
        t0 = time.monotonic()
        p = run([os.path.join(args.build, "daemon", "tandemd"), "--check-config", "-c", cfg], check=False,
                timeout=300)
        results["check_config_s"] = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit("tandemd --check-config rejected the benchmark's config: %s%s" % (p.stdout, p.stderr))
        if re.search(r"not run|does not run|validates", p.stdout + p.stderr):
            checks_run = False
            print("tandemd --check-config: %s" % (p.stdout + p.stderr).strip(), flush=True)
            if args.only != "tandemd":
                print("health_vm.py: this tandemd does not run checks: skipping it (--only tandemd measures it)",
                      flush=True)

    run(["ip", "link", "del", HB_IFACE], check=False)
    run(["ip", "link", "add", HB_IFACE, "type", "dummy"])
    run(["ip", "addr", "add", "10.99.0.1/24", "dev", HB_IFACE])
    run(["ip", "link", "set", HB_IFACE, "up"])
    run(["ip", "link", "set", "lo", "up"])
    # 2,000 connections a second, each closed by the server first: TIME_WAIT
    # on the farm's side only, many ephemeral ports on the checker's.
    run(["sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=10240 65000"], check=False)
    run(["sysctl", "-q", "-w", "net.core.somaxconn=4096"], check=False)

    farm = Farm(farm_exe, SERVICES * REALS)
    print("health benchmark: %d real servers on %s:%d-%d, windows of %.0f s; kernel %s"
          % (SERVICES * REALS, FARM_ADDRESS, FIRST_PORT, FIRST_PORT + SERVICES * REALS - 1, args.seconds,
             os.uname().release), flush=True)
    try:
        if args.only != "keepalived" and (checks_run or args.only == "tandemd"):
            results["tandemd"] = bench_tandemd(args, farm, tmp, checks_run)
        if args.only != "keepalived" and not args.no_baseline:
            results["baseline"] = bench_baseline(args, farm, tmp)
        if args.only != "tandemd":
            results["keepalived"] = bench_keepalived(args, farm, tmp)
    finally:
        farm.stop()
        run(["ip", "link", "del", HB_IFACE], check=False)
        if args.logs:
            os.makedirs(args.logs, exist_ok=True)
            for name in sorted(os.listdir(tmp)):
                if name.endswith((".log", ".toml", ".conf")):
                    shutil.copy(os.path.join(tmp, name), args.logs)
    report(args, results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        sys.exit("health_vm.py: %s" % e)
