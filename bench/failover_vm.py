#!/usr/bin/env python3
"""Failover benchmark in the vm tier: tandem against keepalived VRRP on the example lab (prints figures; not a test).

Run inside the guest, which has IPVS:

    tests/vm/run.sh --timeout 1700 -- python3 bench/failover_vm.py --build build-fobench --runs 5 [--json FILE]

One boot, one lab: the topology of tests/vm/livelab.py (directors d1/d2 with
a public link on br0 and a private heartbeat link on br1, the DR real
servers r1/r2 answering "I am real server N", a client). The directors
balance TCP 10.77.0.100:80 (wlc, direct routing) over r1 and r2. The client
starts an HTTP request on a new connection every 10 ms, on time whether or
not the earlier ones were answered, and each fails after PROBE_TIMEOUT
(livelab's probe). The client-visible outage is the longest time between
two answers; a request sent to a director that is gone fails, and one sent
after the gratuitous ARP reached the client is answered, so the outage is
resolved to the 10 ms of the probe.

Each run starts the pair from scratch (fresh daemons, empty IPVS tables, no
VIP), waits until it has settled and the client is answered, probes for
BEFORE seconds, causes the event, waits until the backup holds the VIP,
probes for AFTER seconds more and stops everything. Measured: the time until
the backup holds the VIP, the longest gap between two successful requests,
the outage (the longest such gap in which a request was started that was
not answered within it: a pause of the client process itself, which starts
nothing in it, is not counted against the directors; the client's longest
pause between two request starts is printed beside it) and the number of
failed requests. The targets are judged on the outage.

  power-off  every link of the active director goes down at once (the
             daemon keeps running, as with a pulled plug on a switch port).
  switchover a planned handover: `tandemctl standby` on tandem's active
             director (in stages: the peer holds the VIP unannounced and
             new connections are forwarded to it for 3 s, the lab having
             [sync], then it announces; the run waits until the old holder
             has let go); SIGTERM to keepalived on the VRRP master (it
             sends a priority-0 advertisement and drops the VIP).

The series:

  carrier    (--series carrier) the switch side of the active director's
             public NIC goes down: its eth0 loses carrier while the private
             link stays up. tandem learns it from rtnetlink and hands over
             at once; keepalived (VRRP on the public interface) is noticed
             only by the missing adverts.

  1. power-off, equal detection: tandem interval 100ms / deadtime 300ms
     (warntime 200ms, initdead 1s) against keepalived VRRPv3 advert_int 0.1
     (its backup declares the master down after 3 x 0.1 s + skew).
  2. power-off at tandem's fastest setting that stays quiet: each candidate
     of FAST_CANDIDATES in turn runs STABLE_SECONDS with the client probing,
     and must show no role change on either director (role and "since"
     unchanged in `tandemctl status --json`); the first that does is
     measured.
  3. switchover at the equal setting: tandemctl standby against SIGTERM.
  4. long-lived connections (SYNC_CONNECTIONS on port SYNC_PORT, a line
     echo on the real servers) through a power-off at the equal setting:
     the share still answered after it, with tandem's [sync] and with
     keepalived's lvs_sync_daemon.

keepalived runs on both directors in their namespaces
(`keepalived -n -l -f CONF -p PID -c CPID -r VPID`): one vrrp_instance on
eth0 with the VIP, unicast to the peer over the public link, priorities 150
(d1) and 100 (d2), and a virtual_server with the same DR real servers and a
TCP_CHECK. --only tandem|keepalived runs one side.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "vm"))
import livelab  # noqa: E402
import vmlab  # noqa: E402
from livelab import labmod, REALS, VIP  # noqa: E402

NODES = labmod.NODES
PROBE_EVERY = 0.010
PROBE_TIMEOUT = 0.500
BEFORE = 1.5   # seconds of probing before the event
AFTER = 2.0    # seconds of probing after the VIP moved
EQUAL = {"interval": 0.100, "deadtime": 0.300, "warntime": 0.200, "initdead": 1.0}
FAST_CANDIDATES = [
    {"interval": 0.030, "deadtime": 0.090, "warntime": 0.060, "initdead": 1.0},
    {"interval": 0.040, "deadtime": 0.120, "warntime": 0.080, "initdead": 1.0},
    {"interval": 0.050, "deadtime": 0.150, "warntime": 0.100, "initdead": 1.0},
    {"interval": 0.075, "deadtime": 0.225, "warntime": 0.150, "initdead": 1.0},
    {"interval": 0.100, "deadtime": 0.300, "warntime": 0.200, "initdead": 1.0},
]
STABLE_SECONDS = 60.0
ADVERT_INT = 0.1
KA_PRIORITY = {"d1": 150, "d2": 100}
SYNC_PORT = 81      # the long-lived connections' service (tcpmsg.py's line echo on r1 and r2)
SYNC_CONNECTIONS = 10

TARGETS = {
    "equal": "tandem's median outage no longer than keepalived's",
    "fast": "median outage under 150 ms",
    "switchover": "0 failed requests, no gap over 30 ms",
    "sync": "100% of the established connections survive",
}

class BenchError(Exception):
    pass


def ms(v):
    return "-" if v is None else "%.1f" % (v * 1000.0)


def count(v):
    return "%g" % v


def fib_holds(pid):
    """True when the namespace of process `pid` has the VIP as a local
    address (read from /proc/PID/net/fib_trie: microseconds, where `ip addr`
    costs a process start)."""
    try:
        with open("/proc/%d/net/fib_trie" % pid) as f:
            text = f.read()
    except OSError:
        return False
    return re.search(r"\|-- %s\n\s+/32 host LOCAL" % re.escape(VIP), text) is not None


# ---- the two contenders ----------------------------------------------------------------

class Tandem:
    name = "tandem"

    def __init__(self, live, timings):
        self.live = live
        self.timings = timings
        self.lab = live.lab

    def describe(self):
        t = self.timings
        return "tandem: interval %s, deadtime %s, warntime %s, initdead %s" % tuple(
            labmod.duration(t[k]) for k in ("interval", "deadtime", "warntime", "initdead"))

    def config(self, node):
        text = self.live.config_text(node)
        for key in ("interval", "deadtime", "warntime", "initdead"):
            text = re.sub(r'^%s\s*=\s*"[^"]*"' % key, '%s = "%s"' % (key, labmod.duration(self.timings[key])),
                          text, count=1, flags=re.M)
        text += "\n[[virtual_server]]\naddress = \"%s:%d\"\nprotocol = \"tcp\"\nscheduler = \"wlc\"\n" \
                "forwarding = \"dr\"\n\n[virtual_server.check]\ntype = \"tcp\"\ninterval = \"1s\"\n" \
                "timeout = \"500ms\"\n" % (VIP, SYNC_PORT)
        for r in REALS:
            text += "\n[[virtual_server.real]]\naddress = \"%s\"\nweight = 1\n" % vmlab.real_ip(r)
        return text

    def start(self):
        for node in NODES:
            self.lab.write_config(node, self.config(node))
        self.lab.start_pair()
        active = self.lab.wait_stable(timeout=40.0)
        ok, _ = labmod.wait_until(lambda: all(self.live.weights(n) == {r: 1 for r in REALS} for n in NODES)
                                  and all(self.live.health(n) == {r: "up" for r in REALS} for n in NODES),
                                  40.0, step=0.2)
        if not ok:
            raise BenchError("tandem: the real servers did not come up on both directors")
        return active

    def pid(self, node):
        d = self.lab.daemons.get(node)
        return d.pid if d is not None and d.running() else None

    def switchover(self, node):
        p = self.lab.ctl(node, "standby", timeout=10)
        if p.returncode != 0:
            raise BenchError("tandemctl standby on %s: exit %d %s" % (node, p.returncode, p.stderr.strip()))

    def roles(self):
        """{node: (role, since)} from tandemctl status --json."""
        out = {}
        for node in NODES:
            st = self.lab.try_status(node)
            out[node] = (st["role"], st["since"]) if st else None
        return out

    def stop(self):
        for node in NODES:
            self.lab.kill(node)

    def log_tail(self, node, n=15):
        return self.lab.log_tail(node, n)


class Keepalived:
    name = "keepalived"

    def __init__(self, live):
        self.live = live
        self.lab = live.lab
        self.exe = shutil.which("keepalived")
        self.procs = {}
        p = labmod.run([self.exe, "--version"], check=False)
        m = re.search(r"Keepalived v(\S+)", p.stdout + p.stderr)
        self.version = m.group(1) if m else "?"

    def describe(self):
        return ("keepalived %s: VRRPv3 advert_int %g, priorities %d/%d, unicast on eth0, TCP_CHECK"
                % (self.version, ADVERT_INT, KA_PRIORITY["d1"], KA_PRIORITY["d2"]))

    def files(self, node):
        d = self.lab.node_dir(node)
        return {k: os.path.join(d, "keepalived-%s" % k) for k in ("conf", "pid", "cpid", "vpid", "log")}

    def config(self, node):
        peer = self.lab.peer_of(node)
        me = "%s.%d" % (labmod.PUBLIC_NET, labmod.HOST_OCTET[node])
        other = "%s.%d" % (labmod.PUBLIC_NET, labmod.HOST_OCTET[peer])
        out = ["global_defs {",
               "    router_id %s" % node,
               "    vrrp_version 3",
               "    vrrp_garp_master_delay 0",
               "    lvs_sync_daemon eth1 lab id 1",
               "}",
               "",
               "vrrp_instance lab {",
               "    state BACKUP",
               "    interface eth0",
               "    virtual_router_id 51",
               "    priority %d" % KA_PRIORITY[node],
               "    advert_int %g" % ADVERT_INT,
               "    unicast_src_ip %s" % me,
               "    unicast_peer {",
               "        %s" % other,
               "    }",
               "    virtual_ipaddress {",
               "        %s/24 dev eth0" % VIP,
               "    }",
               "}",
               "",
               "virtual_server %s %d {" % (VIP, livelab.PORT),
               "    delay_loop 1",
               "    lb_algo wlc",
               "    lb_kind DR",
               "    protocol TCP"]
        for r in REALS:
            out += ["    real_server %s %d {" % (vmlab.real_ip(r), livelab.PORT),
                    "        weight 1",
                    "        TCP_CHECK {",
                    "            connect_timeout 0.5",
                    "        }",
                    "    }"]
        out += ["}", ""]
        out += ["virtual_server %s %d {" % (VIP, SYNC_PORT), "    delay_loop 1", "    lb_algo wlc",
                "    lb_kind DR", "    protocol TCP"]
        for r in REALS:
            out += ["    real_server %s %d {" % (vmlab.real_ip(r), SYNC_PORT), "        weight 1",
                    "        TCP_CHECK {", "            connect_timeout 0.5", "        }", "    }"]
        out += ["}", ""]
        return "\n".join(out)

    def start(self):
        for node in NODES:
            f = self.files(node)
            with open(f["conf"], "w") as fh:
                fh.write(self.config(node))
            for k in ("pid", "cpid", "vpid"):
                if os.path.exists(f[k]):
                    os.unlink(f[k])
            log = open(f["log"], "a")
            log.write("---- start %.3f\n" % time.monotonic())
            log.flush()
            self.procs[node] = self.lab.ns_exec(
                node, [self.exe, "-n", "-l", "-D", "--no-syslog", "-f", f["conf"], "-p", f["pid"], "-c", f["cpid"],
                       "-r", f["vpid"]], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            log.close()

        def settled():
            for node in NODES:
                if self.procs[node].poll() is not None:
                    raise BenchError("keepalived on %s exited (%s): %s" % (node, self.procs[node].returncode,
                                                                         self.log_tail(node)))
            # The higher priority (d1) ends up master: d2 may become master
            # first when d1 starts later, and d1 then preempts it.
            holders = [n for n in NODES if fib_holds(self.procs[n].pid)]
            if holders != ["d1"]:
                return None
            if not all(self.live.weights(n) == {r: 1 for r in REALS} for n in NODES):
                return None
            log = self.log_text("d2").rsplit("---- start", 1)[-1]
            if log.rfind("Entering BACKUP STATE") <= log.rfind("Entering MASTER STATE"):
                return None
            return holders[0]

        def settled_for(seconds):
            first = settled()
            if not first:
                return None
            t = time.monotonic()
            while time.monotonic() - t < seconds:
                if settled() != first:
                    return None
                time.sleep(0.05)
            return first

        active, _ = labmod.wait_until(lambda: settled_for(1.5), 40.0, step=0.2)
        if not active:
            raise BenchError("keepalived: the pair did not settle within 40 s: d1: %s | d2: %s"
                             % (self.log_tail("d1"), self.log_tail("d2")))
        return active

    def pid(self, node):
        p = self.procs.get(node)
        return p.pid if p is not None and p.poll() is None else None

    def switchover(self, node):
        self.procs[node].send_signal(signal.SIGTERM)

    def stop(self):
        for node, p in self.procs.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.procs = {}

    def log_text(self, node):
        try:
            with open(self.files(node)["log"], errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_tail(self, node, n=15):
        return " | ".join(self.log_text(node).splitlines()[-n:])


# ---- one run ----------------------------------------------------------------------------

def clean(live):
    """Links up, no VIP, empty IPVS tables on both directors."""
    for node in NODES:
        live.lab.ip("lan", "link", "set", live.lab.lan_port(node, "eth0"), "up", check=False)
        live.lab.power_on(node)
        live.lab.ip(node, "addr", "del", "%s/24" % VIP, "dev", "eth0", check=False)
        vmlab.ipvsadm(live.lab, node, "-C", check=False)


def one_run(live, side, kind):
    clean(live)
    try:
        a = side.start()
        b = live.lab.peer_of(a)
        warm = live.get(4, timeout=2.0)
        if not all(w["ok"] for w in warm):
            raise BenchError("the client is not answered before the event: %s" % [w["error"] for w in warm])
        probe = live.start_probe(every=PROBE_EVERY, timeout=PROBE_TIMEOUT)
        cutter = None
        if kind == "power-off":
            # `ip` started beforehand, so the cut is not delayed by a process
            # start (0.1-0.5 s here): both links go down when it reads them.
            cutter = subprocess.Popen(["ip", "-n", live.lab.ns[a], "-batch", "-"], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            cut = "link set eth0 down\nlink set eth1 down\n"
        elif kind == "carrier":
            # The switch side of the active director's public NIC goes down:
            # its eth0 loses carrier, the private link stays up.
            cutter = subprocess.Popen(["ip", "-n", live.lab.ns["lan"], "-batch", "-"], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            cut = "link set %s down\n" % live.lab.lan_port(a, "eth0")
        time.sleep(BEFORE)
        t0 = time.monotonic()
        if cutter is not None:
            cutter.stdin.write(cut)
            cutter.stdin.close()
            if cutter.wait(timeout=20) != 0:
                raise BenchError("ip -batch on %s: %s" % (a, cutter.stderr.read().strip()))
        else:
            pid_a = side.pid(a)
            side.switchover(a)
        pid_b = side.pid(b)
        if cutter is not None:
            moved, took = labmod.wait_until(lambda: fib_holds(pid_b), 10.0, step=0.002)
        else:
            # A planned handover is over once the old holder has let go
            # (tandem's peer may hold the VIP unannounced before that).
            moved, took = labmod.wait_until(lambda: fib_holds(pid_b) and not fib_holds(pid_a), 10.0, step=0.002)
        if not moved:
            probe.stop()
            raise BenchError("%s %s: the VIP did not reach %s within 10 s" % (side.name, kind, b))
        time.sleep(AFTER)
        probes = probe.stop()
        r = livelab.outage(probes, t_from=t0 - BEFORE)
        failures = ["%+.0f..%+.0f ms %s" % ((p["start"] - t0) * 1000.0, (p["end"] - t0) * 1000.0, p["error"])
                    for p in probes if not p["ok"]][:8]
        if r["gap_to"] is None or not r["ok"]:
            raise BenchError("%s %s: no answer after the event" % (side.name, kind))
        return {"from": a, "to": b, "takeover": took, "gap": r["longest_gap"], "outage": r["outage"],
                "pause": r["client_pause"], "failed": r["failed"],
                "requests": r["requests"], "gap_at": (r["gap_from"] - t0) if r["gap_from"] else None,
                "errors": r["errors"], "failures": failures}
    finally:
        side.stop()


def conn_entries(pid):
    """Established entries for the long-lived connections' service in the
    IPVS connection table of the namespace of process `pid`."""
    want = ("%08X" % int.from_bytes(bytes(int(x) for x in VIP.split(".")), "big"), "%04X" % SYNC_PORT)
    try:
        with open("/proc/%d/net/ip_vs_conn" % pid) as f:
            rows = [line.split() for line in f.read().splitlines()[1:]]
    except OSError:
        return 0
    return len([r for r in rows if len(r) > 7 and (r[3], r[4]) == want and r[7] == "ESTABLISHED"])


def sync_run(live, side):
    """Long-lived connections through a power-off: how many go on."""
    clean(live)
    try:
        a = side.start()
        b = live.lab.peer_of(a)
        pid_a, pid_b = side.pid(a), side.pid(b)
        chat = vmlab.Chat(live.lab, VIP, SYNC_PORT, every=0.1, count=SYNC_CONNECTIONS)
        t_open = time.monotonic()
        labmod.wait_until(lambda: conn_entries(pid_a) >= SYNC_CONNECTIONS, 5.0, step=0.1)
        synced, took = labmod.wait_until(lambda: conn_entries(pid_b) >= SYNC_CONNECTIONS, 10.0, step=0.1)
        on_backup = conn_entries(pid_b)
        cutter = subprocess.Popen(["ip", "-n", live.lab.ns[a], "-batch", "-"], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        t0 = time.monotonic()
        cutter.stdin.write("link set eth0 down\nlink set eth1 down\n")
        cutter.stdin.close()
        cutter.wait(timeout=20)
        moved, took_vip = labmod.wait_until(lambda: fib_holds(pid_b), 10.0, step=0.002)
        if not moved:
            raise BenchError("%s sync: the VIP did not reach %s within 10 s" % (side.name, b))
        t_moved = time.monotonic()
        time.sleep(5.0)  # TCP retransmits back off: give the survivors time to be heard
        conns = chat.stop(timeout=20)
        alive = [c for c in conns if c["error"] is None and c["received"] and c["received"][-1][1] > t_moved]
        errors = sorted(set(c["error"] for c in conns if c["error"]))
        return {"from": a, "to": b, "takeover": took_vip, "connections": len(conns), "survived": len(alive),
                "share": len(alive) / float(len(conns)), "on_backup_before": on_backup,
                "sync_took": took if synced else None, "since_open": t0 - t_open,
                "servers": sorted(set(c["received"][-1][2] for c in conns if c["received"])), "errors": errors}
    finally:
        side.stop()


def sync_series(live, side, runs):
    print("%s, long-lived connections through a power-off, %d runs, %d connections each"
          % (side.name, runs, SYNC_CONNECTIONS), flush=True)
    results = []
    for i in range(runs):
        try:
            r = sync_run(live, side)
        except (BenchError, labmod.LabError, OSError, ValueError) as e:
            print("  run %d: error: %s" % (i + 1, e), flush=True)
            continue
        results.append(r)
        print("  run %d: %s -> %s  VIP moved %7s ms  %d of %d connections in the backup's table before; "
              "%d of %d survived  %s" % (i + 1, r["from"], r["to"], ms(r["takeover"]), r["on_backup_before"],
                                        r["connections"], r["survived"], r["connections"], "; ".join(r["errors"])),
              flush=True)
    return results


def series(live, side, kind, runs):
    print("%s, %s, %d runs: %s" % (side.name, kind, runs, side.describe()), flush=True)
    results = []
    for i in range(runs):
        try:
            r = one_run(live, side, kind)
        except (BenchError, labmod.LabError) as e:
            print("  run %d: error: %s" % (i + 1, e), flush=True)
            for node in NODES:
                print("    %s log: %s" % (node, side.log_tail(node).replace("\n", " | ")[-1500:]), flush=True)
            continue
        results.append(r)
        print("  run %d: %s -> %s  VIP moved %7s ms  longest gap %7s ms (from %s ms)  outage %7s ms  client pause "
              "%6s ms  failed %3d of %4d  %s"
              % (i + 1, r["from"], r["to"], ms(r["takeover"]), ms(r["gap"]), ms(r["gap_at"]), ms(r["outage"]),
                 ms(r["pause"]), r["failed"],
                 r["requests"], "; ".join(r["errors"][:2])), flush=True)
        if kind == "switchover" and r["failures"]:
            print("    failed (from the event): %s" % "; ".join(r["failures"]), flush=True)
    return results


def stability(live, timings, seconds):
    """Runs tandem with `timings` for `seconds` with the client probing;
    returns (quiet, detail): quiet when neither director changed role."""
    side = Tandem(live, timings)
    clean(live)
    try:
        side.start()
        before = side.roles()
        probe = live.start_probe(every=PROBE_EVERY, timeout=PROBE_TIMEOUT)
        t0 = time.monotonic()
        holders = set()
        while time.monotonic() - t0 < seconds:
            for node in NODES:
                if fib_holds(side.pid(node)):
                    holders.add(node)
            time.sleep(0.05)
        r = livelab.outage(probe.stop(), t_from=t0)
        after = side.roles()
        changes = sum(len(re.findall(r"\b(becom|takeover|taking over|role)\w*", side.lab.log_text(n), re.I))
                      for n in NODES)
        quiet = before == after and None not in after.values() and len(holders) == 1
        return quiet, {"before": before, "after": after, "vip_holders_seen": sorted(holders),
                       "probe_failed": r["failed"], "probe_requests": r["requests"],
                       "probe_longest_gap": r["longest_gap"], "log_role_lines": changes}
    finally:
        side.stop()


# ---- the report -------------------------------------------------------------------------

def stats(results, key):
    values = [r[key] for r in results]
    return (min(values), statistics.median(values), max(values)) if values else None


def block(title, rows):
    """rows: [(label, results, key, fmt)]"""
    lines = [title, "  %-40s %9s %9s %9s" % ("", "min", "median", "max")]
    for label, results, key, fmt in rows:
        s = stats(results, key)
        if s is None:
            lines.append("  %-40s %9s %9s %9s" % (label, "-", "-", "-"))
        else:
            lines.append("  %-40s %9s %9s %9s" % (label, fmt(s[0]), fmt(s[1]), fmt(s[2])))
    return lines


def verdict(ok):
    return "met" if ok else "NOT met"


def report(args, res):
    lines = ["failover in the vm (example lab, DR over r1/r2): client request every %s, timeout %s; %d runs each"
             % (labmod.duration(PROBE_EVERY), labmod.duration(PROBE_TIMEOUT), args.runs)]
    for name in ("equal_setting", "fast_setting", "keepalived"):
        if res.get(name):
            lines.append("  " + res[name])
    lines.append("")
    t_eq, k_eq = res.get("tandem_power_equal"), res.get("keepalived_power")
    rows = []
    for label, results in (("tandem", t_eq), ("keepalived", k_eq)):
        if results is not None:
            rows += [("%s VIP moved (ms)" % label, results, "takeover", ms),
                     ("%s longest gap (ms)" % label, results, "gap", ms),
                     ("%s outage (ms)" % label, results, "outage", ms),
                     ("%s failed requests" % label, results, "failed", count)]
    if rows:
        lines += block("1. power-off of the active director, equal detection (tandem %s/%s, VRRP advert_int %g)"
                       % (labmod.duration(EQUAL["interval"]), labmod.duration(EQUAL["deadtime"]), ADVERT_INT),
                       rows)
    if t_eq and k_eq:
        t, k = stats(t_eq, "outage")[1], stats(k_eq, "outage")[1]
        lines.append("  target: %s -- %s (%s ms against %s ms)" % (TARGETS["equal"], verdict(t <= k), ms(t), ms(k)))
    if rows:
        lines.append("")
    fast = res.get("tandem_power_fast")
    if res.get("fast_timings"):
        ft = res["fast_timings"]
        lines += block("2. power-off at tandem's fastest quiet setting (interval %s, deadtime %s, warntime %s)"
                       % tuple(labmod.duration(ft[k]) for k in ("interval", "deadtime", "warntime")),
                       [("tandem VIP moved (ms)", fast or [], "takeover", ms),
                        ("tandem longest gap (ms)", fast or [], "gap", ms),
                        ("tandem outage (ms)", fast or [], "outage", ms),
                        ("tandem failed requests", fast or [], "failed", count)])
        if fast:
            lines.append("  target: %s -- %s (%s ms)" % (TARGETS["fast"],
                                                          verdict(stats(fast, "outage")[1] < 0.150),
                                                          ms(stats(fast, "outage")[1])))
        for t, quiet, detail in res.get("stability", []):
            lines.append("  %s/%s/%s: %s in %.0f s (%s)" % (
                labmod.duration(t["interval"]), labmod.duration(t["deadtime"]), labmod.duration(t["warntime"]),
                "no role change" if quiet else "ROLE CHANGE", STABLE_SECONDS,
                "VIP seen on %s, probe %d failed of %d" % (",".join(detail["vip_holders_seen"]) or "-",
                                                           detail["probe_failed"], detail["probe_requests"])))
        lines.append("")
    t_ca, k_ca = res.get("tandem_carrier"), res.get("keepalived_carrier")
    rows = []
    for label, results in (("tandem", t_ca), ("keepalived", k_ca)):
        if results is not None:
            rows += [("%s VIP moved (ms)" % label, results, "takeover", ms),
                     ("%s outage (ms)" % label, results, "outage", ms),
                     ("%s failed requests" % label, results, "failed", count)]
    if rows:
        lines += block("carrier: the active director's public NIC loses carrier, the private link stays up "
                       "(tandem %s/%s, VRRP advert_int %g on the public interface)"
                       % (labmod.duration(EQUAL["interval"]), labmod.duration(EQUAL["deadtime"]), ADVERT_INT), rows)
        if t_ca:
            t = stats(t_ca, "outage")[1]
            lines.append("  target: tandem's median outage under 100 ms -- %s (%s ms)" % (verdict(t < 0.100), ms(t)))
            if k_ca:
                k = stats(k_ca, "outage")[1]
                lines.append("  target: under half of keepalived's -- %s (%s ms against %s ms)"
                             % (verdict(t < k / 2), ms(t), ms(k)))
        lines.append("")
    t_sw, k_sw = res.get("tandem_switchover"), res.get("keepalived_switchover")
    rows = []
    for label, results in (("tandem standby", t_sw), ("keepalived SIGTERM", k_sw)):
        if results is not None:
            rows += [("%s old holder let go (ms)" % label, results, "takeover", ms),
                     ("%s longest gap (ms)" % label, results, "gap", ms),
                     ("%s outage (ms)" % label, results, "outage", ms),
                     ("%s client pause (ms)" % label, results, "pause", ms),
                     ("%s failed" % label, results, "failed", count)]
    if rows:
        lines += block("3. planned switchover (tandemctl standby / SIGTERM to the VRRP master)", rows)
    if t_sw:
        ok = stats(t_sw, "failed")[2] == 0 and stats(t_sw, "outage")[2] <= 0.030
        lines.append("  target: %s -- %s (tandem: at most %s failed, longest outage %s ms)"
                     % (TARGETS["switchover"], verdict(ok), count(stats(t_sw, "failed")[2]),
                        ms(stats(t_sw, "outage")[2])))
    t_sy, k_sy = res.get("tandem_sync"), res.get("keepalived_sync")
    if t_sy is not None or k_sy is not None:
        lines.append("")
        rows = []
        for label, results in (("tandem [sync]", t_sy), ("keepalived lvs_sync_daemon", k_sy)):
            if results is not None:
                rows += [("%s survived (%%)" % label, results, "share", lambda v: "%.0f" % (v * 100.0))]
        lines += block("4. established connections (%d, DR, port %d) surviving a power-off (equal setting)"
                       % (SYNC_CONNECTIONS, SYNC_PORT), rows)
        if t_sy:
            lines.append("  target: %s -- %s" % (TARGETS["sync"], verdict(stats(t_sy, "share")[0] == 1.0)))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=("tandem", "keepalived"))
    ap.add_argument("--stable-seconds", type=float, default=60.0)
    ap.add_argument("--series", default="power,fast,switchover,sync",
                    help="comma-separated subset of power,fast,switchover,sync,carrier")
    ap.add_argument("--json", help="also write every run's figures to this file")
    args = ap.parse_args()
    global STABLE_SECONDS
    STABLE_SECONDS = args.stable_seconds
    if not os.environ.get("TANDEM_VM"):
        print("failover_vm.py runs inside the vm: tests/vm/run.sh --timeout 1700 -- python3 bench/failover_vm.py "
              "--build %s" % args.build, file=sys.stderr)
        return 2
    res = {}
    live = livelab.LiveLab(args.build)
    live.lab.log_level = "info"
    t_start = time.monotonic()
    try:
        ka = None
        if args.only != "tandem":
            if not shutil.which("keepalived"):
                print("keepalived is not installed (scripts/setup-vm.sh installs it)", flush=True)
            else:
                ka = Keepalived(live)
                res["keepalived"] = ka.describe()
        eq = Tandem(live, EQUAL)
        todo = set(args.series.split(","))
        if args.only != "keepalived":
            res["equal_setting"] = eq.describe()
        if args.only != "keepalived" and "power" in todo:
            res["tandem_power_equal"] = series(live, eq, "power-off", args.runs)
        if ka and "power" in todo:
            res["keepalived_power"] = series(live, ka, "power-off", args.runs)
        if args.only != "keepalived" and "fast" in todo:
            res["stability"] = []
            for t in FAST_CANDIDATES:
                print("stability: %s for %.0f s" % (Tandem(live, t).describe(), STABLE_SECONDS), flush=True)
                quiet, detail = stability(live, t, STABLE_SECONDS)
                print("  %s: %s" % ("quiet" if quiet else "ROLE CHANGE", json.dumps(detail)), flush=True)
                res["stability"].append((t, quiet, detail))
                if quiet:
                    res["fast_timings"] = t
                    break
            if res.get("fast_timings"):
                fast = Tandem(live, res["fast_timings"])
                res["fast_setting"] = "fastest quiet " + fast.describe()
                res["tandem_power_fast"] = series(live, fast, "power-off", args.runs)
        if args.only != "keepalived" and "carrier" in todo:
            res["tandem_carrier"] = series(live, eq, "carrier", args.runs)
        if ka and "carrier" in todo:
            res["keepalived_carrier"] = series(live, ka, "carrier", args.runs)
        if args.only != "keepalived" and "switchover" in todo:
            res["tandem_switchover"] = series(live, eq, "switchover", args.runs)
        if ka and "switchover" in todo:
            res["keepalived_switchover"] = series(live, ka, "switchover", args.runs)
        if "sync" in todo:
            for r in REALS:
                echo = live.lab.ns_exec(r, [labmod.PYTHON, os.path.join(HERE, "..", "tests", "vm", "tcpmsg.py"),
                                            "serve", "--port", str(SYNC_PORT), "--name", r],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                live.lab.helpers.append(echo)
                if "listening" not in echo.stdout.readline():
                    raise BenchError("the echo server on %s did not start" % r)
            if args.only != "keepalived":
                res["tandem_sync"] = sync_series(live, eq, args.runs)
            if ka:
                res["keepalived_sync"] = sync_series(live, ka, args.runs)
    finally:
        live.close()
    print()
    for line in report(args, res):
        print(line)
    print("(took %.0f s)" % (time.monotonic() - t_start))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
