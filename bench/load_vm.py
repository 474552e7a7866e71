#!/usr/bin/env python3
"""Heartbeats under bulk work in the vm tier: an older and the current tandemd (prints figures; not a test).

Run inside the guest, which has IPVS:

    tests/vm/run.sh --timeout 3000 --smp 2 -- python3 bench/load_vm.py --build build \\
        [--old-build /work/old/build] [--minutes 10] [--dump-minutes 5] [--json FILE] [--logs DIR]

One boot; for each build (the old one first, then the current one) a fresh
netns lab of tests/netns/lab.py (directors d1/d2, a public link on br0 and a
private one on br1), both at interval 30 ms, deadtime 90 ms, warntime 60 ms,
initdead 2 s, and the same load on the active director d1 for --minutes:

  - 2,000 virtual servers (TCP 10.100.X.Y:80, wlc) with 4 real servers
    each, weight 1: 8,000 destinations in d1's IPVS table. The first 500
    are nat services whose real servers are 127.0.0.1:20000-21999, checked
    over HTTP every second (GET /, body matched against "Working F[a-z]+",
    timeout 500 ms): 2,000 checks a second, answered by bench/http_farm
    running in d1's namespace. The other 1,500 are dr services without a
    check, real servers 10.200.X.Y:80. The file has about 36,500 lines,
    one key a line.
  - a reload every 2 s (`tandemctl reload`, which answers once the reload
    is done or refused), each toggling one real server's weight (1 <-> 2)
    in the file, so every reload changes one destination;
  - `tandemctl status --json` every 100 ms (the next one starts at once
    when a call took longer), its wall time recorded;
  - tandemd's own full read of the table and reconcile, every 5 s. Each
    reload rearms that timer, so with a reload every 2 s it never runs;
    the current build therefore gets a third window (--dump-minutes, a
    reload every --dump-reload-every = 6 s) in which it does. The
    "ipvs_age_ms max" row shows which windows had it.

The backup d2 has the same cluster settings and no virtual servers. Each
build's three binaries are copied first and run from the copy, so a
rebuild of the build directory during the run changes nothing.

d1 is started first, alone (it becomes active after initdead); a start in
which tandemd exits is retried (--start-attempts) and reported. The window
starts once its table is loaded, all 2,000 checked real servers are up, d2
has joined as backup and the pair has settled (a pair that does not settle
is measured anyway, and says so). Measured over the window:

  heartbeats  the active director's heartbeats as they arrive on the
              backup's private interface: an AF_PACKET socket in d2's
              namespace on eth1 (UDP to the heartbeat port from
              10.78.0.1), each packet with its kernel receive timestamp
              (SO_TIMESTAMPNS), so the sniffer's own scheduling does not
              count. Intervals between consecutive heartbeats, and the
              jitter |interval - 30 ms|: p50, p99, max.
  engine      (current build) tandemd's own "engine" section of the status:
              heartbeat_interval_ms and loop_lag_ms over the last minute,
              taken once a minute and at the end; the worst p99 and max
              seen. The checker's loop lag and restarts, and the status
              warnings, likewise.
  roles       every "role A -> B" line either director logged in the
              window (a role change after the settle is a false failover),
              and the roles seen by the status polls (d1 every 100 ms, d2
              every second).
  status      the wall time of each status --json on d1 (straight on the
              control socket, and its first byte; or, with
              --status-client tandemctl, of each `tandemctl status --json`).
  reloads     done / refused or failed, and their wall time.
  checks      the requests the farm answered per second over the window,
              and the fewest/most one port answered.
  CPU         tandemd's CPU time on d1 (engine and checker), the busy
              share of all CPUs, and the CPU of processes outside this
              script (other work on the machine).

The old build's status has no "engine"/"checker" sections; its rows show
"-". --only old|new runs one of the two.
"""

import argparse
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "netns"))
sys.path.insert(0, HERE)
import lab as labmod  # noqa: E402
import health_vm as hv  # noqa: E402  (CPU accounting helpers)

TIMINGS = {"interval": 0.030, "deadtime": 0.090, "warntime": 0.060, "initdead": 2.0}
SERVICES = 2000          # virtual servers
REALS = 4                # real servers per virtual server
CHECKED = 500            # virtual servers with an http check (their reals on the farm)
FIRST_PORT = 20000
FARM_ADDRESS = "127.0.0.1"
RECEIVE = "Working F[a-z]+"
ACTIVE, BACKUP = "d1", "d2"
ACTIVE_PRIVATE = "%s.%d" % (labmod.PRIVATE_NET, labmod.HOST_OCTET["d1"])
RECONCILE_PERIOD = 5.0     # tandemd's full read + reconcile period (seconds)
TOGGLE = (SERVICES - 1, 0)  # (virtual server, real server) whose weight each reload toggles


class BenchError(Exception):
    pass


# ---- the configuration ---------------------------------------------------------

def vs_address(v):
    return "10.100.%d.%d" % (v // 250, v % 250 + 1)


def unchecked_real(v, r, checked=CHECKED):
    k = (v - checked) * REALS + r
    return "10.200.%d.%d" % (k // 250, k % 250 + 1)


def farm_port(v, r):
    return FIRST_PORT + v * REALS + r


def virtual_servers_text(toggle_weight=1, services=SERVICES, checked=CHECKED, timeout_ms=500):
    """The [[virtual_server]] tables, one key a line. The checked ones (nat,
    reals on the farm) first, then the unchecked dr ones."""
    out = []
    for v in range(services):
        out += ["[[virtual_server]]", 'address = "%s:80"' % vs_address(v), 'protocol = "tcp"',
                'scheduler = "wlc"']
        if v < checked:
            out += ['forwarding = "nat"', "[virtual_server.check]", 'type = "http"', 'interval = "1s"',
                    'timeout = "%dms"' % timeout_ms, 'receive = "%s"' % RECEIVE]
        else:
            out += ['forwarding = "dr"']
        for r in range(REALS):
            if v < checked:
                address = "%s:%d" % (FARM_ADDRESS, farm_port(v, r))
            else:
                address = unchecked_real(v, r, checked)
            weight = toggle_weight if (v, r) == TOGGLE else 1
            out += ["[[virtual_server.real]]", 'address = "%s"' % address, "weight = %d" % weight]
    return "\n".join(out) + "\n"


def with_realtime(text, args):
    """[node] realtime_priority = args.realtime (when set): SCHED_RR for
    tandemd's engine loop."""
    prio = getattr(args, "realtime", 0)
    if not prio:
        return text
    return text.replace("[node]\n", "[node]\nrealtime_priority = %d\n" % prio, 1)


def active_config(lab, toggle_weight=1, **kw):
    return lab.config_text(ACTIVE) + "\n" + virtual_servers_text(toggle_weight, **kw)


# ---- helpers -----------------------------------------------------------------------

BINARIES = ("daemon/tandemd", "tools/tandemctl", "bench/http_farm")


def snapshot_build(build, label):
    """Copies the three binaries of a build directory into a private
    directory with the same layout, so a rebuild of the directory during the
    run changes nothing; returns (directory, description)."""
    import hashlib
    import shutil
    import tempfile
    build = os.path.abspath(build)
    base = "/run" if os.environ.get("TANDEM_VM") and os.path.isdir("/run") else None
    out = tempfile.mkdtemp(prefix="tandem-load-%s." % label, dir=base)
    for rel in BINARIES:
        src = os.path.join(build, rel)
        if not os.access(src, os.X_OK):
            raise BenchError("%s is missing: build it first" % src)
        os.makedirs(os.path.dirname(os.path.join(out, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(out, rel))
    exe = os.path.join(build, BINARIES[0])
    with open(os.path.join(out, BINARIES[0]), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(os.stat(exe).st_mtime))
    return out, "%s (tandemd built %s UTC, sha256 %s)" % (build, when, digest)


def proc_stat(pid):
    """(minor faults, user s, system s) of a process, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[7]), int(fields[11]) / hv.CLK_TCK, int(fields[12]) / hv.CLK_TCK


def steal_ticks():
    """(steal ticks, total ticks) of all CPUs from /proc/stat: time the
    hypervisor ran something else while this machine wanted to run."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    return values[7], sum(values[:8])


def proc_cpu_all():
    """{pid: (comm, cpu seconds, ppid)} of every process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        out[int(name)] = (comm, (int(fields[11]) + int(fields[12])) / hv.CLK_TCK, int(fields[1]))
    return out


def other_cpu(before, after, wall, root=None):
    """CPU used over the window by processes outside this script's tree
    (other work on the machine): (share of one CPU, [(comm, seconds)] top 3)."""
    root = os.getpid() if root is None else root
    parent = {pid: v[2] for pid, v in after.items()}

    def ours(pid):
        seen = 0
        while pid > 1 and seen < 64:
            if pid == root:
                return True
            pid = parent.get(pid, 0)
            seen += 1
        return False

    used = {}
    for pid, (comm, cpu, _) in after.items():
        if ours(pid):
            continue
        d = cpu - (before[pid][1] if pid in before and before[pid][0] == comm else 0.0)
        if d > 0:
            used[comm] = used.get(comm, 0.0) + d
    top = sorted(used.items(), key=lambda kv: -kv[1])[:3]
    return 100.0 * sum(used.values()) / wall, [(c, round(v, 1)) for c, v in top]

def percentile(values, q):
    return hv.percentile(values, q) if values else None


def summary(values):
    """{"n", "p50", "p99", "max", "min"} of a list (None entries when empty)."""
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None, "min": None}
    return {"n": len(values), "p50": statistics.median(values), "p99": percentile(values, 99),
            "max": max(values), "min": min(values)}


def fmt_ms(v, digits=1):
    return "-" if v is None else "%.*f" % (digits, v)


class Farm:
    """bench/http_farm in a namespace, its stats lines read by a thread."""

    def __init__(self, lab, ns, exe, count, first_port=FIRST_PORT):
        self.count = count
        self.lines = queue.Queue()
        self.proc = lab.ns_exec(ns, [exe, "--address", FARM_ADDRESS, "--first-port", str(first_port),
                                     "--count", str(count)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                text=True)
        lab.helpers.append(self.proc)
        threading.Thread(target=self._read, daemon=True).start()
        try:
            line = self.lines.get(timeout=120)
        except queue.Empty:
            line = None
        if line != "ready":
            raise BenchError("http_farm did not start: %r" % line)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def stats(self):
        while not self.lines.empty():
            self.lines.get_nowait()
        self.proc.send_signal(signal.SIGUSR1)
        while True:
            line = self.lines.get(timeout=30)
            if line is None:
                raise BenchError("http_farm exited (%s)" % self.proc.poll())
            if line.startswith("stats "):
                return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


# The heartbeat sniffer, run with `ip netns exec NS python3 -c SNIFFER IFACE
# SRC PORT OUT` in the backup's namespace. An AF_PACKET datagram socket on
# IFACE with SO_TIMESTAMPNS: for every incoming UDP datagram from SRC to
# PORT it appends "KERNEL_REALTIME_NS MONOTONIC_NS" to OUT (the kernel's
# receive time, and when it was read). Prints "sniffing" once bound; stops
# on SIGTERM.
SNIFFER = r'''
import os, signal, socket, struct, sys, time
iface, src, port, out = sys.argv[1], socket.inet_aton(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ETH_P_IP = 0x0800
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
s.bind((iface, ETH_P_IP))
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.settimeout(0.5)
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
f = open(out, "w")
buf = []
last_flush = time.monotonic()
print("sniffing", flush=True)
while not stop:
    try:
        data, anc, flags, addr = s.recvmsg(96, 64)
    except (socket.timeout, InterruptedError):
        data = None
    now = time.monotonic_ns()
    if data is not None and addr[2] != socket.PACKET_OUTGOING and len(data) >= 24 and data[9] == 17 \
            and data[12:16] == src:
        ihl = (data[0] & 15) * 4
        if struct.unpack("!H", data[ihl + 2:ihl + 4])[0] == port:
            k = 0
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", cdata[:16])
                    k = sec * 1000000000 + nsec
            buf.append("%d %d\n" % (k, now))
    if now / 1e9 - last_flush > 2.0:
        f.write("".join(buf)); f.flush(); buf = []; last_flush = now / 1e9
f.write("".join(buf)); f.close()
'''


class Sniffer:
    def __init__(self, lab, ns, iface, src, port):
        self.out = os.path.join(lab.dir, "heartbeats-%s-%d.txt" % (ns, len(lab.helpers)))
        self.proc = lab.ns_exec(ns, [labmod.PYTHON, "-I", "-S", "-c", SNIFFER, iface, src, str(port), self.out],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lab.helpers.append(self.proc)
        line = self.proc.stdout.readline()
        if "sniffing" not in line:
            raise BenchError("the heartbeat sniffer did not start: %r %s" % (line, self.proc.stderr.read()))
        self.t0 = time.monotonic()

    def stop(self):
        """[(kernel_realtime_s, monotonic_s)] of every heartbeat seen."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        out = []
        with open(self.out) as f:
            for line in f:
                k, m = line.split()
                out.append((int(k) / 1e9, int(m) / 1e9))
        return out


def heartbeat_figures(stamps, interval, deadtime, use_kernel=True):
    """Intervals (ms) between consecutive heartbeats and the jitter
    |interval - nominal|, with where the longest ones were."""
    times = [k if (use_kernel and k > 0) else m for k, m in stamps]
    ivals = [(b - a) * 1000.0 for a, b in zip(times, times[1:])]
    nominal = interval * 1000.0
    jitter = [abs(x - nominal) for x in ivals]
    longest = sorted(((x, stamps[i + 1][1]) for i, x in enumerate(ivals)), reverse=True)[:5]
    return {"heartbeats": len(times), "intervals": summary(ivals), "jitter": summary(jitter),
            "over_2x_interval": sum(1 for x in ivals if x > 2 * nominal),
            "over_deadtime": sum(1 for x in ivals if x > deadtime * 1000.0),
            "kernel_stamps": sum(1 for k, _ in stamps if k > 0), "longest": longest}


_ROLE = re.compile(r'"role"\s*:\s*"(\w+)"')
_DECODER = json.JSONDecoder()


def tail_object(text, key):
    """The JSON value of a top-level `"key":` found from the end of text
    (engine, checker, warnings come last in status --json), or None."""
    i = text.rfind('"%s"' % key)
    if i < 0:
        return None
    j = text.index(":", i) + 1
    while text[j] in " \t\r\n":
        j += 1
    try:
        return _DECODER.raw_decode(text, j)[0]
    except ValueError:
        return None


# ---- the load -------------------------------------------------------------------------

class Load:
    """The status poller (d1 every --status-every, d2 every second), the
    reloader (every --reload-every) and the per-minute engine samples, on
    threads, until stop()."""

    def __init__(self, lab, args, configs):
        self.lab = lab
        self.args = args
        self.configs = configs          # [text with weight 1, text with weight 2]
        self.stop_event = threading.Event()
        self.status = []                # (start, seconds, ok, role)
        self.status_first = []          # seconds to the reply's first byte (--status-client socket)
        self.status_errors = []
        self.backup_roles = []          # (time, role or None)
        self.reloads = []               # (start, seconds, ok, message)
        self.samples = []               # (time, engine, checker, warnings)
        self.ipvs_age_max = None
        self.status_bytes = 0
        self.toggle = 0
        self.events = []                # (time, d1 log line): the log has no timestamps
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._poll_active, self._poll_backup, self._reload, self._watch_log)]

    def _watch_log(self):
        """Timestamps d1's notable log lines as they appear (every 50 ms)."""
        path = self.lab.log_path(ACTIVE)
        try:
            offset = os.path.getsize(path)
        except OSError:
            offset = 0
        rest = ""
        while not self.stop_event.wait(0.05):
            try:
                with open(path, errors="replace") as f:
                    f.seek(offset)
                    chunk = f.read()
                    offset = f.tell()
            except OSError:
                continue
            now = time.monotonic()
            lines = (rest + chunk).split("\n")
            rest = lines.pop()
            for line in lines:
                if re.search(r"checker pid|reload rejected|role |killing|restart", line):
                    self.events.append((now, line.strip()))

    def events_near(self, t, before=1.0, after=0.3):
        return [(round(at - t, 2), line) for at, line in self.events if t - before <= at <= t + after]

    def start(self):
        self.t0 = time.monotonic()
        self.next_sample = self.t0 + self.args.sample_every
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(timeout=90)

    def _ctl(self, node, *args, timeout=60, text=True):
        return subprocess.run([self.lab.tandemctl, "--socket", self.lab.socket_path(node)] + list(args),
                              stdin=subprocess.DEVNULL, capture_output=True, text=text, timeout=timeout)

    def _poll_active(self):
        """status --json on d1; its output (megabytes with 8,000
        destinations) is kept as bytes: the role is read from its head, the
        engine/checker sections and ipvs_age_ms from its tail."""
        every = self.args.status_every
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now < next_at:
                self.stop_event.wait(next_at - now)
                continue
            start = time.monotonic()
            first = None
            if self.args.status_client == "socket":
                ok, out, err, first = socket_status(self.lab.socket_path(ACTIVE), timeout=60)
            else:
                try:
                    p = self._ctl(ACTIVE, "status", "--json", timeout=60, text=False)
                    ok, out, err = p.returncode == 0, p.stdout, p.stderr.decode(errors="replace").strip()
                except subprocess.TimeoutExpired:
                    ok, out, err = False, b"", "timeout after 60 s"
                except OSError as e:  # tandemctl not there or not executable
                    ok, out, err = False, b"", "tandemctl: %s" % e
            took = time.monotonic() - start
            if first is not None:
                self.status_first.append(first - start)
            m = _ROLE.search(out[:400].decode(errors="replace")) if ok else None
            self.status.append((start, took, ok, m.group(1) if m else None))
            self.status_bytes = len(out)
            if not ok and len(self.status_errors) < 20:
                self.status_errors.append("%+.1f s: %s" % (start - self.t0, err))
            if ok:
                tail = out[-65536:].decode(errors="replace")
                age = tail_object(tail[-4096:], "ipvs_age_ms")
                if isinstance(age, (int, float)):
                    self.ipvs_age_max = age if self.ipvs_age_max is None else max(self.ipvs_age_max, age)
                if time.monotonic() >= self.next_sample:
                    self.next_sample = max(self.next_sample + self.args.sample_every,
                                           time.monotonic() + 1.0)
                    self.samples.append((start - self.t0, tail_object(tail, "engine"), tail_object(tail, "checker"),
                                         tail_object(tail, "warnings")))
            next_at = start + every
            if next_at < time.monotonic():
                next_at = time.monotonic()

    def _poll_backup(self):
        while not self.stop_event.is_set():
            t = time.monotonic()
            try:
                p = self._ctl(BACKUP, "status", "--json", timeout=30)
                m = _ROLE.search(p.stdout[:400]) if p.returncode == 0 else None
                self.backup_roles.append((t, m.group(1) if m else None))
            except (subprocess.TimeoutExpired, OSError):
                self.backup_roles.append((t, None))
            self.stop_event.wait(max(0.0, 1.0 - (time.monotonic() - t)))

    def _reload(self):
        every = self.args.reload_every
        path = self.lab.config_path(ACTIVE)
        next_at = time.monotonic() + every
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now < next_at:
                self.stop_event.wait(next_at - now)
                continue
            self.toggle ^= 1
            tmp = path + ".new"
            with open(tmp, "w") as f:
                f.write(self.configs[self.toggle])
            os.replace(tmp, path)
            start = time.monotonic()
            try:
                p = self._ctl(ACTIVE, "reload", timeout=90)
                ok, msg = p.returncode == 0, (p.stdout + p.stderr).strip()
            except subprocess.TimeoutExpired:
                ok, msg = False, "timeout after 90 s"
            except OSError as e:
                ok, msg = False, "tandemctl: %s" % e
            self.reloads.append((start, time.monotonic() - start, ok, msg))
            next_at = start + every
            if next_at < time.monotonic():
                next_at = time.monotonic()


def socket_status(path, timeout):
    """`status-json` straight on the control socket, as tandemctl sends it,
    without a process start: (ok, body, error, time of the first byte)."""
    import socket as so
    first = None
    chunks = []
    try:
        with so.socket(so.AF_UNIX, so.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(b"status-json\n")
            while True:
                b = s.recv(1 << 20)
                if not b:
                    break
                if first is None:
                    first = time.monotonic()
                chunks.append(b)
    except OSError as e:
        return False, b"", "socket: %s" % e, first
    data = b"".join(chunks)
    head, _, body = data.partition(b"\n")
    if head != b"ok":
        return False, b"", head.decode(errors="replace"), first
    return True, body, "", first


def log_since(lab, node, offset):
    try:
        with open(lab.log_path(node), errors="replace") as f:
            f.seek(offset)
            return f.read()
    except OSError:
        return ""


def log_size(lab, node):
    try:
        return os.path.getsize(lab.log_path(node))
    except OSError:
        return 0


def full_status(lab, node, timeout=60):
    p = subprocess.run([lab.tandemctl, "--socket", lab.socket_path(node), "status", "--json"],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        return None
    try:
        return json.loads(p.stdout)
    except ValueError:
        return None


def table_ready(lab, checked):
    """(dests in the kernel, checked dests up) from d1's status."""
    st = full_status(lab, ACTIVE)
    if not st or st.get("role") != "active":
        return None
    in_kernel = up = 0
    for vs in st.get("virtual_servers", []):
        for d in vs.get("dests", []):
            if d.get("fallback"):
                continue
            if d.get("in_kernel"):
                in_kernel += 1
            if d.get("check") and d.get("health") == "up":
                up += 1
    return in_kernel, up


def save_logs(lab, args, name):
    """Copies both daemons' logs to args.logs/NAME-NODE.log (when given)."""
    import shutil
    if not getattr(args, "logs", None):
        return
    os.makedirs(args.logs, exist_ok=True)
    for node in labmod.NODES:
        src = lab.log_path(node)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(args.logs, "%s%s.log" % (name, node)))


def tandem_cpu(pids):
    total = 0.0
    for pid in pids:
        try:
            total += hv.cpu_seconds(pid)
        except (OSError, IndexError, ValueError):
            pass
    return total


def prepare(lab, label, args, timings=TIMINGS, extra_args=()):
    """Configs, the farm in d1's namespace, d1 alone until its table is
    loaded and every checked real server is up, then d2, until the pair has
    settled with d1 active. Returns (figures, configs, farm)."""
    res = {"label": label, "build": lab.build, "timings": dict(timings)}
    lab.timings = dict(timings)
    farm_exe = os.path.join(lab.build, "bench", "http_farm")
    for exe in (lab.tandemd, lab.tandemctl, farm_exe):
        if not os.access(exe, os.X_OK):
            raise BenchError("%s is missing: build it first" % exe)
    lab.setup()
    print("[%s] lab up: %s" % (label, lab.dir), flush=True)
    configs = [with_realtime(active_config(lab, 1, services=args.services, checked=args.checked), args),
               with_realtime(active_config(lab, 2, services=args.services, checked=args.checked), args)]
    res["config_lines"] = configs[0].count("\n")
    res["realtime_priority"] = getattr(args, "realtime", 0)
    lab.write_config(ACTIVE, configs[0])
    lab.write_config(BACKUP, with_realtime(lab.config_text(BACKUP), args))
    t0 = time.monotonic()
    p = labmod.run([lab.tandemd, "--check-config", "-c", lab.config_path(ACTIVE)], check=False, timeout=300)
    res["check_config_s"] = time.monotonic() - t0
    if p.returncode != 0:
        raise BenchError("tandemd --check-config rejected the config: %s%s" % (p.stdout, p.stderr[-2000:]))
    p = labmod.run([lab.tandemd, "--check-config", "-c", lab.config_path(BACKUP)], check=False, timeout=300)
    if p.returncode != 0:
        raise BenchError("tandemd --check-config rejected d2's config: %s%s" % (p.stdout, p.stderr[-2000:]))
    print("[%s] config: %d lines, %d virtual servers, %d destinations, %d http checks/s; --check-config %.2f s"
          % (label, res["config_lines"], args.services, args.services * REALS, args.checked * REALS,
             res["check_config_s"]), flush=True)
    for cmd in ("net.ipv4.ip_local_port_range=10240 65000", "net.core.somaxconn=4096"):
        labmod.run(["ip", "netns", "exec", lab.ns[ACTIVE], "sysctl", "-q", "-w", cmd], check=False)
    farm = Farm(lab, ACTIVE, farm_exe, args.checked * REALS)

    # d1 alone: active after initdead, table loaded, every checked real up.
    # A start that fails (tandemd exits) is retried, and reported.
    want = (args.services * REALS, args.checked * REALS)
    seen = {}
    res["start_failures"] = []

    def ready():
        if not lab.daemons[ACTIVE].running():
            raise BenchError("tandemd on d1 exited during its start (exit %s): %s"
                             % (lab.daemons[ACTIVE].proc.returncode,
                                lab.log_tail(ACTIVE, 12).strip().replace("\n", " | ")))
        r = table_ready(lab, args.checked)
        seen["last"] = r
        return r is not None and r[0] >= want[0] and r[1] >= want[1]

    def wait_ready(t0):
        took = 0.0
        while took < args.warmup_timeout:
            if ready():  # raises when tandemd exited
                return time.monotonic() - t0
            time.sleep(1.0)
            took = time.monotonic() - t0
        raise BenchError("d1 did not get its table and every checked real server up within %.0f s "
                         "(dests in the table, checked up: %s): %s"
                         % (args.warmup_timeout, seen.get("last"), lab.log_tail(ACTIVE, 15)))

    res["start"] = None
    for attempt in range(1, args.start_attempts + 1):
        lab.start(ACTIVE, extra_args=extra_args)
        t0 = time.monotonic()
        try:
            took = wait_ready(t0)
            res["start"] = "direct"
            break
        except BenchError as e:
            if lab.daemons[ACTIVE].running():
                raise
            res["start_failures"].append("%.1f s after start: %s" % (time.monotonic() - t0, e))
            print("[%s] WARNING: start %d of %d failed, %.1f s after it: %s"
                  % (label, attempt, args.start_attempts, time.monotonic() - t0, e), flush=True)
            lab.kill(ACTIVE)
    if res["start"] is None:
        # Started without virtual servers, then the whole configuration by
        # a reload (the checker is then already running).
        print("[%s] staged start: d1 without virtual servers, then the whole file by a reload" % label, flush=True)
        labmod.run(["ip", "netns", "exec", lab.ns[ACTIVE], "ipvsadm", "-C"], check=False)
        lab.write_config(ACTIVE, lab.config_text(ACTIVE))
        lab.start(ACTIVE, extra_args=extra_args)
        t0 = time.monotonic()
        ok, _ = labmod.wait_until(lambda: (lab.try_status(ACTIVE) or {}).get("role") == "active", 60.0, step=0.5)
        if not ok:
            raise BenchError("staged start: d1 did not become active without virtual servers: %s"
                             % lab.log_tail(ACTIVE, 10))
        lab.write_config(ACTIVE, configs[0])
        for attempt in range(1, args.start_attempts + 1):
            t1 = time.monotonic()
            p = labmod.run([lab.tandemctl, "--socket", lab.socket_path(ACTIVE), "reload"], check=False,
                           timeout=180)
            if p.returncode == 0:
                res["start"] = "staged (reload %d took %.1f s)" % (attempt, time.monotonic() - t1)
                break
            msg = (p.stdout + p.stderr).strip().replace("\n", " | ")
            res["start_failures"].append("staged start, reload %d: %s" % (attempt, msg))
            print("[%s] WARNING: staged start, reload %d of %d failed after %.1f s: %s"
                  % (label, attempt, args.start_attempts, time.monotonic() - t1, msg), flush=True)
            time.sleep(5.0)
        if res["start"] is None:
            raise BenchError("staged start: every reload to the whole configuration failed: %s"
                             % lab.log_tail(ACTIVE, 12))
        took = wait_ready(t0)
    res["warmup_s"] = took
    print("[%s] d1 active with %d destinations, %d checked real servers up, %.1f s after start"
          % (label, seen["last"][0], seen["last"][1], took), flush=True)
    lab.start(BACKUP)
    # A build that cannot keep its heartbeats on time under this load may
    # never settle: that is a finding, so the window runs anyway.
    res["settled"] = False
    try:
        a = lab.wait_stable(timeout=60)
        if a != ACTIVE:
            raise labmod.LabError("the pair settled with %s active" % a)
        time.sleep(args.settle)
        a = lab.wait_stable(timeout=30)
        if a != ACTIVE:
            raise labmod.LabError("after the settle %s is active" % a)
        res["settled"] = True
    except labmod.LabError as e:
        print("[%s] WARNING: %s; measuring anyway" % (label, e), flush=True)
        res["settle_error"] = str(e)
    return res, configs, farm


def window(lab, label, args, res, configs, farm):
    """The load for args.minutes with the pair settled (d1 active); adds the
    figures to res."""
    timings = lab.timings
    print("[%s] %s; window of %g min" % (label, "pair settled: d1 active, d2 backup" if res.get("settled")
                                         else "the pair did NOT settle", args.minutes), flush=True)
    marks = {n: log_size(lab, n) for n in labmod.NODES}
    engine_pid = lab.daemons[ACTIVE].pid
    pids = [engine_pid] + hv.children(engine_pid)
    res["processes"] = len(pids)
    sniffer = Sniffer(lab, BACKUP, "eth1", ACTIVE_PRIVATE, lab.port)
    farm.stats()  # resets the per-port counters
    f0 = farm.stats()
    cpu0 = tandem_cpu(pids)
    backup_cpu0 = tandem_cpu([lab.daemons[BACKUP].pid])
    guest0 = hv.guest_cpu()
    procs0 = proc_cpu_all()
    steal0 = steal_ticks()
    engine0 = proc_stat(engine_pid)
    load0 = open("/proc/loadavg").read().split()[:3]
    load = Load(lab, args, configs)
    w0 = time.monotonic()
    load.start()
    end = w0 + args.minutes * 60.0
    next_report = w0 + 60.0
    try:
        while time.monotonic() < end:
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
            for node in labmod.NODES:
                if not lab.daemons[node].running():
                    raise BenchError("tandemd on %s exited (%s): %s" % (node, lab.daemons[node].proc.returncode,
                                                                        lab.log_tail(node, 20)))
            if time.monotonic() >= next_report:
                next_report += 60.0
                lat = [s[1] for s in load.status[-600:]]
                print("[%s]   %.0f min: %d status calls (last minute p50 %.0f ms), %d reloads (%d failed), roles "
                      "d1 %s d2 %s" % (label, (time.monotonic() - w0) / 60.0, len(load.status),
                                       1000 * statistics.median(lat) if lat else 0, len(load.reloads),
                                       sum(1 for r in load.reloads if not r[2]),
                                       load.status[-1][3] if load.status else None,
                                       load.backup_roles[-1][1] if load.backup_roles else None), flush=True)
        # The last engine sample covers the last minute of the window.
        load.next_sample = 0
        time.sleep(max(0.5, 3 * args.status_every))
    finally:
        load.stop()
    wall = time.monotonic() - w0
    stamps = sniffer.stop()
    f1 = farm.stats()
    cpu1 = tandem_cpu(pids)
    backup_cpu1 = tandem_cpu([lab.daemons[BACKUP].pid])
    guest1 = hv.guest_cpu()
    procs1 = proc_cpu_all()
    steal1 = steal_ticks()
    engine1 = proc_stat(engine_pid)
    load1 = open("/proc/loadavg").read().split()[:3]
    pids_after = [engine_pid] + hv.children(engine_pid)

    res["wall_s"] = wall
    res["load"] = {"reload_every": args.reload_every, "status_every": args.status_every}
    res["heartbeats"] = heartbeat_figures(stamps, timings["interval"], timings["deadtime"])
    res["heartbeats"]["longest_at"] = [(round(x, 1), round(at - w0, 1)) for x, at in res["heartbeats"]["longest"]]
    # What d1 logged around each of the longest intervals, and how many of
    # the intervals over deadtime came within 1 s after a checker kill.
    res["heartbeats"]["events_near_longest"] = [
        (round(x, 1), round(at - w0, 1), load.events_near(at, before=x / 1000.0 + 1.0, after=0.2)[:4])
        for x, at in res["heartbeats"]["longest"]]
    kills = [at for at, line in load.events if "killing it" in line or "killed by signal" in line]
    res["checker_kills_logged"] = len([1 for at, line in load.events if "killing it" in line])
    res["reload_in_flight_at_longest"] = sum(
        1 for x, at in res["heartbeats"]["longest"]
        if any(st <= at <= st + d + 0.2 for st, d, _, _ in load.reloads))
    res["longest_near_kill"] = sum(1 for x, at in res["heartbeats"]["longest"]
                                   if any(at - 1.5 <= k <= at + 0.2 for k in kills))
    res["status"] = {"calls": len(load.status), "failed": sum(1 for s in load.status if not s[2]),
                     "latency_ms": summary([s[1] * 1000.0 for s in load.status]),
                     "errors": load.status_errors[:5],
                     "roles_seen": sorted(set(s[3] for s in load.status if s[3]))}
    res["backup_roles_seen"] = sorted(set(r for _, r in load.backup_roles if r))
    res["ipvs_age_max_ms"] = load.ipvs_age_max
    res["status"]["bytes"] = load.status_bytes
    res["status"]["client"] = args.status_client
    res["status"]["first_byte_ms"] = summary([x * 1000.0 for x in load.status_first])
    res["reloads"] = {"done": sum(1 for r in load.reloads if r[2]), "failed": sum(1 for r in load.reloads if not r[2]),
                      "latency_ms": summary([r[1] * 1000.0 for r in load.reloads]),
                      "failures": [m for _, _, ok, m in load.reloads if not ok][:5]}
    samples = list(load.samples)
    res["engine_samples"] = [{"t": t, "engine": e, "checker": c, "warnings": w} for t, e, c, w in samples]
    engines = [e for _, e, _, _ in samples if isinstance(e, dict)]
    checkers = [c for _, _, c, _ in samples if isinstance(c, dict)]

    def worst(objs, key, field):
        vals = [o[key][field] for o in objs if isinstance(o.get(key), dict) and o[key].get(field) is not None]
        return max(vals) if vals else None

    res["engine"] = None
    if engines:
        res["engine"] = {"samples": len(engines),
                         "hb_p50_median": statistics.median([e["heartbeat_interval_ms"]["p50"] for e in engines]),
                         "hb_p99_worst": worst(engines, "heartbeat_interval_ms", "p99"),
                         "hb_max_worst": worst(engines, "heartbeat_interval_ms", "max"),
                         "lag_p50_median": statistics.median([e["loop_lag_ms"]["p50"] for e in engines]),
                         "lag_p99_worst": worst(engines, "loop_lag_ms", "p99"),
                         "lag_max_worst": worst(engines, "loop_lag_ms", "max"),
                         "checker_lag_p99_worst": worst(checkers, "loop_lag_ms", "p99"),
                         "checker_lag_max_worst": worst(checkers, "loop_lag_ms", "max"),
                         "checker_restarts": max([c.get("restarts") or 0 for c in checkers] or [0]),
                         "checker_last_exit": [c.get("last_exit") for c in checkers if c.get("last_exit")][-1:],
                         "snapshot_age_max_ms": max([c.get("snapshot_age_ms") or 0 for c in checkers] or [0]),
                         "warnings": sorted(set(w for _, _, _, ws in samples for w in (ws or [])))}
    logs = {n: log_since(lab, n, marks[n]) for n in labmod.NODES}
    role_lines = {n: [line for line in logs[n].splitlines() if re.search(r"\brole \w+ -> \w+", line)]
                  for n in labmod.NODES}
    res["role_changes"] = {n: len(role_lines[n]) for n in labmod.NODES}
    res["role_lines"] = {n: role_lines[n][:6] for n in labmod.NODES}
    res["log"] = {
        "reloaded": len(re.findall(r"\breloaded ", logs[ACTIVE])),
        "reload_rejected": len(re.findall(r"reload rejected", logs[ACTIVE])),
        "errors": [line for line in logs[ACTIVE].splitlines()
                   if re.search(r"\b(err|error|crit|fatal|exited|killed|restart\w*|warning)\b", line, re.I)][:8],
        "backup_notable": [line for line in logs[BACKUP].splitlines()
                           if re.search(r"silent|dead|warning|error", line, re.I)][:8],
        "lines": {n: len(logs[n].splitlines()) for n in labmod.NODES},
    }
    res["farm"] = {"requests": f1["requests"] - f0["requests"],
                   "rps": (f1["requests"] - f0["requests"]) / wall,
                   "per_port_min": f1["min"], "per_port_max": f1["max"], "ports": f1["ports"],
                   "errors": f1["errors"] - f0["errors"]}
    busy, total = guest1[0] - guest0[0], guest1[1] - guest0[1]
    res["cpu"] = {"tandemd_s": cpu1 - cpu0, "tandemd_pct": 100.0 * (cpu1 - cpu0) / wall,
                  "backup_s": backup_cpu1 - backup_cpu0,
                  "guest_busy_pct": 100.0 * busy / total if total else 0.0,
                  "pids_before": pids, "pids_after": pids_after, "loadavg": (load0, load1)}
    res["cpu"]["others_pct"], res["cpu"]["others_top"] = other_cpu(procs0, procs1, wall)
    if engine0 and engine1:
        res["cpu"]["engine_user_pct"] = 100.0 * (engine1[1] - engine0[1]) / wall
        res["cpu"]["engine_sys_pct"] = 100.0 * (engine1[2] - engine0[2]) / wall
        res["cpu"]["engine_minflt_per_s"] = (engine1[0] - engine0[0]) / wall
    dt = steal1[1] - steal0[1]
    res["cpu"]["steal_pct"] = 100.0 * (steal1[0] - steal0[0]) / dt if dt else 0.0
    return res


def run_build(label, build, args, prefix="ld-"):
    """One lab, one build, the whole load for args.minutes; returns the figures."""
    import shutil
    copy, desc = snapshot_build(build, label.split(",")[0])
    print("[%s] build %s, run from a copy in %s" % (label, desc, copy), flush=True)
    lab = labmod.Lab(copy, timings=TIMINGS, log_level="info", prefix=prefix)
    try:
        res, configs, farm = prepare(lab, label, args)
        res["build_desc"] = desc
        return window(lab, label, args, res, configs, farm)
    finally:
        save_logs(lab, args, prefix)
        lab.close()
        shutil.rmtree(copy, ignore_errors=True)


# ---- the report -------------------------------------------------------------------------

def window_table(builds):
    """The figures of each window side by side (one column per result)."""
    lines = ["  %-44s" % "" + "".join(" %22s" % r["label"] for r in builds)]

    def row(label, fn):
        cells = []
        for r in builds:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError, IndexError, ValueError):
                cells.append("-")
        lines.append("  %-44s" % label + "".join(" %22s" % c for c in cells))

    def trio(s, digits=1):
        return "%s / %s / %s" % (fmt_ms(s["p50"], digits), fmt_ms(s["p99"], digits), fmt_ms(s["max"], digits))

    def ms_of(r, key):
        return int(round(r["timings"][key] * 1000))

    row("realtime_priority", lambda r: "%d" % r.get("realtime_priority", 0))
    row("timings interval/deadtime/warntime (ms)",
        lambda r: "%d/%d/%d" % (ms_of(r, "interval"), ms_of(r, "deadtime"), ms_of(r, "warntime")))
    row("window (s)", lambda r: "%.0f" % r["wall_s"])
    row("a reload every (s)", lambda r: "%g" % r["load"]["reload_every"])
    row("heartbeats seen on d2's eth1", lambda r: "%d" % r["heartbeats"]["heartbeats"])
    row("interval p50 / p99 / max (ms)", lambda r: trio(r["heartbeats"]["intervals"]))
    row("jitter |interval - nominal| p50/p99/max", lambda r: trio(r["heartbeats"]["jitter"]))
    row("intervals > 2 x interval / > deadtime",
        lambda r: "%d / %d" % (r["heartbeats"]["over_2x_interval"], r["heartbeats"]["over_deadtime"]))
    row("engine heartbeat_interval_ms p50 (median)",
        lambda r: fmt_ms(r["engine"]["hb_p50_median"]) if r["engine"] else "-")
    row("engine heartbeat_interval_ms p99/max worst",
        lambda r: "%s / %s" % (fmt_ms(r["engine"]["hb_p99_worst"]), fmt_ms(r["engine"]["hb_max_worst"]))
        if r["engine"] else "-")
    row("engine loop_lag_ms p50 (median)",
        lambda r: fmt_ms(r["engine"]["lag_p50_median"], 2) if r["engine"] else "-")
    row("engine loop_lag_ms p99/max worst",
        lambda r: "%s / %s" % (fmt_ms(r["engine"]["lag_p99_worst"]), fmt_ms(r["engine"]["lag_max_worst"]))
        if r["engine"] else "-")
    row("checker loop_lag_ms p99/max worst",
        lambda r: "%s / %s" % (fmt_ms(r["engine"]["checker_lag_p99_worst"]),
                               fmt_ms(r["engine"]["checker_lag_max_worst"])) if r["engine"] else "-")
    row("checker restarts", lambda r: "%d" % r["engine"]["checker_restarts"] if r["engine"] else "-")
    row("d1 starts that failed", lambda r: "%d" % len(r.get("start_failures", [])))
    row("d1 started", lambda r: r["start"].split(" (")[0])
    row("pair settled before the window", lambda r: "yes" if r.get("settled") else "NO")
    row("role changes d1 / d2 (false failovers)",
        lambda r: "%d / %d" % (r["role_changes"]["d1"], r["role_changes"]["d2"]))
    row("roles seen by status d1 / d2",
        lambda r: "%s / %s" % (",".join(r["status"]["roles_seen"]) or "-", ",".join(r["backup_roles_seen"]) or "-"))
    row("status --json calls (failed)", lambda r: "%d (%d)" % (r["status"]["calls"], r["status"]["failed"]))
    row("status --json size (MB)", lambda r: "%.2f" % (r["status"]["bytes"] / 1e6))
    row("status latency p50 / p99 / max (ms)", lambda r: trio(r["status"]["latency_ms"], 0))
    row("status first byte p50 / p99 / max (ms)",
        lambda r: trio(r["status"]["first_byte_ms"], 1) if r["status"].get("first_byte_ms") else "-")
    row("reloads done / failed", lambda r: "%d / %d" % (r["reloads"]["done"], r["reloads"]["failed"]))
    row("reload latency p50 / max (ms)",
        lambda r: "%s / %s" % (fmt_ms(r["reloads"]["latency_ms"]["p50"], 0),
                               fmt_ms(r["reloads"]["latency_ms"]["max"], 0)))
    row("checks/s served by the farm", lambda r: "%.0f" % r["farm"]["rps"])
    row("farm per port min-max", lambda r: "%d-%d" % (r["farm"]["per_port_min"], r["farm"]["per_port_max"]))
    row("ipvs_age_ms max (full read period)", lambda r: fmt_ms(r["ipvs_age_max_ms"], 0))
    row("tandemd CPU on d1 (% of a core)", lambda r: "%.1f" % r["cpu"]["tandemd_pct"])
    row("d1 engine CPU user+sys (% of a core)",
        lambda r: "%.1f+%.1f" % (r["cpu"]["engine_user_pct"], r["cpu"]["engine_sys_pct"]))
    row("d1 engine minor page faults/s", lambda r: "%.0f" % r["cpu"]["engine_minflt_per_s"])
    row("CPU busy (% of all CPUs)", lambda r: "%.0f" % r["cpu"]["guest_busy_pct"])
    row("other processes' CPU (% of one CPU)", lambda r: "%.0f" % r["cpu"]["others_pct"])
    row("steal (% of all CPUs)", lambda r: "%.1f" % r["cpu"]["steal_pct"])
    for r in builds:
        hb = r["heartbeats"]
        lines.append("  %s: longest intervals (ms @ s into the window): %s; kernel timestamps on %d of %d"
                     % (r["label"], ", ".join("%s @ %s" % x for x in hb["longest_at"]), hb["kernel_stamps"],
                        hb["heartbeats"]))
        if r.get("checker_kills_logged") or r.get("reload_in_flight_at_longest"):
            lines.append("    of the 5 longest intervals: %d during a reload, %d within 1.5 s of a checker kill "
                         "(%d kills logged)" % (r["reload_in_flight_at_longest"], r["longest_near_kill"],
                                                r["checker_kills_logged"]))
        for n in labmod.NODES:
            for line in r["role_lines"][n][:4]:
                lines.append("    %s: %s" % (n, line.strip()[:300]))
            if r["role_changes"][n] > 4:
                lines.append("    %s: ... %d role lines in all" % (n, r["role_changes"][n]))
        if r["reloads"]["failures"]:
            lines.append("    reload failures, e.g.: %s" % " | ".join(r["reloads"]["failures"][:2])[:400])
        if r["status"]["errors"]:
            lines.append("    status errors, e.g.: %s" % " | ".join(r["status"]["errors"][:2])[:400])
        if r.get("engine") and r["engine"]["warnings"]:
            lines.append("    status warnings: %s" % "; ".join(r["engine"]["warnings"])[:400])
        if r["log"]["errors"]:
            lines.append("    d1 log, e.g.: %s" % " | ".join(x.strip() for x in r["log"]["errors"][:3])[:500])
        for f in r.get("start_failures", [])[:3]:
            lines.append("    d1 start failed: %s" % f[:600])
        if r.get("start", "direct") != "direct":
            lines.append("    d1 started: %s" % r["start"])
        if r["cpu"].get("others_top"):
            lines.append("    other processes using CPU in the window: %s; load average %s -> %s"
                         % (", ".join("%s %.1f s" % x for x in r["cpu"]["others_top"]),
                            " ".join(r["cpu"]["loadavg"][0]), " ".join(r["cpu"]["loadavg"][1])))
        age = r.get("ipvs_age_max_ms")
        if age is not None and age > 2 * RECONCILE_PERIOD * 1000:
            lines.append("    NOTE: ipvs_age_ms reached %.0f ms: tandemd's periodic full read of the table (every "
                         "%g s) did not run in the window" % (age, RECONCILE_PERIOD))
    return lines


def targets_line(r):
    j = r["heartbeats"]["jitter"]
    changes = r["role_changes"]["d1"] + r["role_changes"]["d2"]
    return ("0 false failovers -- %s (%d); jitter p99 < 10 ms -- %s (%s ms); max < 30 ms -- %s (%s ms)"
            % ("met" if changes == 0 else "NOT met", changes,
               "met" if j["p99"] is not None and j["p99"] < 10 else "NOT met", fmt_ms(j["p99"]),
               "met" if j["max"] is not None and j["max"] < 30 else "NOT met", fmt_ms(j["max"])))


def load_line(args):
    return ("%d virtual servers x %d real servers (%d destinations), %d http checks/s, reloads (every %s unless "
            "the table says otherwise), status --json every %s"
            % (args.services, REALS, args.services * REALS, args.checked * REALS,
               labmod.duration(args.reload_every), labmod.duration(args.status_every)))


def report(args, results):
    t = TIMINGS
    lines = ["",
             "Load on the active director, vm: interval %s, deadtime %s, warntime %s, initdead %s; %s; %g min per "
             "build (the last column as it says); kernel %s, %d guest CPUs"
             % (labmod.duration(t["interval"]), labmod.duration(t["deadtime"]), labmod.duration(t["warntime"]),
                labmod.duration(t["initdead"]), load_line(args), args.minutes, os.uname().release,
                os.cpu_count())]
    builds = [r for r in results if r]
    if not builds:
        return lines
    lines.append("  config: %d lines" % builds[0]["config_lines"])
    for r in builds:
        lines.append("  %s build: %s" % (r["label"], r.get("build_desc", r["build"])))
    lines += window_table(builds)
    for r in builds:
        if r["label"].startswith("new"):
            lines.append("  targets (%s): %s" % (r["label"], targets_line(r)))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--old-build", help="the older build to run first (skipped when not given)")
    ap.add_argument("--only", choices=("old", "new"))
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--status-every", type=float, default=0.1)
    ap.add_argument("--status-client", choices=("socket", "tandemctl"), default="socket",
                    help="how d1's status is asked: straight on the control socket, or by running tandemctl")
    ap.add_argument("--reload-every", type=float, default=2.0)
    ap.add_argument("--sample-every", type=float, default=60.0, help="seconds between engine samples")
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--warmup-timeout", type=float, default=300.0)
    ap.add_argument("--start-attempts", type=int, default=2,
                    help="starts of d1's tandemd tried when one exits before it is ready; then a staged start "
                         "(without virtual servers, then a reload to the whole file), with as many reloads")
    ap.add_argument("--services", type=int, default=SERVICES)
    ap.add_argument("--checked", type=int, default=CHECKED)
    ap.add_argument("--dump-minutes", type=float, default=5.0,
                    help="then the current build again for this long with a reload every --dump-reload-every "
                         "seconds, so tandemd's periodic full read runs (0: skip)")
    ap.add_argument("--dump-reload-every", type=float, default=6.0)
    ap.add_argument("--realtime", type=int, default=0,
                    help="[node] realtime_priority on both directors (default 0: normal scheduling)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--logs", help="copy the daemons' logs into this directory")
    args = ap.parse_args()
    if not os.path.exists("/proc/net/ip_vs"):
        print("load_vm.py needs IPVS: tests/vm/run.sh --timeout 3000 --smp 2 -- python3 bench/load_vm.py --build %s"
              % args.build, file=sys.stderr)
        return 2
    labmod.require_root()
    if os.environ.get("TANDEM_VM") and os.path.isdir("/run"):
        # The guest's /tmp is the host's, over 9p: the labs' files (configs
        # rewritten every reload, logs, sockets) go to the guest's tmpfs.
        import tempfile
        tempfile.tempdir = "/run"
    t_start = time.monotonic()
    results = []
    errors = []
    todo = []
    if args.old_build and args.only != "new":
        todo.append(("old", args.old_build, args))
    if args.only != "old":
        todo.append(("new", args.build, args))
        if args.dump_minutes > 0:
            # Each reload rearms tandemd's 5 s full-read timer, so with a
            # reload every 2 s the periodic full read never runs: this
            # window spaces the reloads so that it does.
            extra = argparse.Namespace(**vars(args))
            extra.minutes = args.dump_minutes
            extra.reload_every = args.dump_reload_every
            todo.append(("new, dumps", args.build, extra))
    for i, (label, build, a) in enumerate(todo):
        print("== %s build: %s (%g min, a reload every %g s)" % (label, os.path.abspath(build), a.minutes,
                                                                a.reload_every), flush=True)
        try:
            results.append(run_build(label, build, a, prefix="ld%d-" % i))
        except (BenchError, labmod.LabError, subprocess.TimeoutExpired) as e:
            print("[%s] error: %s" % (label, e), flush=True)
            errors.append("%s: not measured: %s" % (label, e))
    for line in report(args, results):
        print(line)
    for e in errors:
        print("  " + e[:1500])
    print("(took %.0f s)" % (time.monotonic() - t_start))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    return 0 if len(results) == len(todo) else 1


if __name__ == "__main__":
    sys.exit(main())
