#!/usr/bin/env python3
"""vm: the active/active example lab (examples/lab-active-active/d1.toml,
d2.toml, with examples/lab/authkeys), failover groups under client traffic,
on the network of tests/vm/livelab.py (two DR real servers carrying both
VIPs on lo, a client).

- split: d1 is active for web (10.77.0.100) and backup for mail, d2 the
  reverse, in each director's status groups and in the kernel (which
  director holds which VIP); each director runs the sync daemon as master
  and as backup; the client's requests to each VIP are answered by both
  real servers and go through the VIP's own director (the client's
  neighbour entry is that director's MAC, and only its service counts the
  connections).
- power-off, for each director in turn (d1, then d2, RUNS times if the
  guest's time allows): a long-lived TCP connection on each VIP is opened
  through the VIP's director beforehand and reaches the peer's table
  through the sync daemon (each director is master for its group and
  backup for the other's at the same time). With the client starting a
  request every 10 ms on both VIPs, the director's links all go down: the
  peer holds the moved VIP within deadtime + ALLOWANCE, is active for both
  groups, and the client's longest gap on the moved VIP is within deadtime
  + OUTAGE_SLACK (each plus the time the guest was measurably stalled);
  the VIP that stayed loses no request. Both long-lived connections go on:
  the moved one through the peer, to the same real server (the request it
  carries is completed and answered afterwards).
- restore and takeover: power back, the director comes back backup for
  both groups (auto_failback is false) and the peer keeps both VIPs; once
  its checks have the real servers up again, `tandemctl takeover GROUP` on
  it takes its group back (the split as at the start), with no failed
  request on either VIP from the power-on to the end.

The case notes list every power-off's figures and, per director powered
off and per VIP (the one that moved, the one that stayed), min / median /
max of the longest gap, the outage (livelab.outage) and the failed
requests.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_active_active.py --build BUILD
"""

import ipaddress
import json
import os
import re
import signal
import statistics
import subprocess
import time

import livelab
import vmlab
from vmlab import labmod, runner
from runner import ms

EXAMPLES = os.path.join(livelab.REPO, "examples", "lab-active-active")
WEB, MAIL = livelab.VIP, livelab.VIP2
VIP_OF = {"web": WEB, "mail": MAIL}
GROUP_OF = {"d1": "web", "d2": "mail"}  # the preferred node of each group
SERVICES = tuple(livelab.service_of(v) for v in (WEB, MAIL))
NODES = livelab.NODES
SYNCID = 1
CLIENT_IP = "%s.%d" % (labmod.PUBLIC_NET, labmod.HOST_OCTET["client"])
PAGES = {"I am real server 1", "I am real server 2"}

# As test_lab.py: seconds beyond deadtime for the VIP to move, and for the
# client-visible outage (GARP, the client's 0.5 s request timeout and
# emulation).
ALLOWANCE = 1.5
# A failed request around a takeover during which the guest itself was
# stalled this long (the client's 500 ms timeout then fires late or early
# for reasons of the emulation) is reported but not counted.
STALL_EXCUSE = 0.1
OUTAGE_SLACK = 3.0
# Power-offs of each director; a further pair of them is started only while
# the guest's time allows (the whole test within GUEST_BUDGET seconds).
RUNS = 3
GUEST_BUDGET = 520.0


def tcp_out_rsts(live, node):
    """TcpOutRsts of the node's namespace (/proc/PID/net/snmp of its
    tandemd): resets its own stack sent; None when unreadable."""
    d = live.lab.daemons.get(node)
    try:
        with open("/proc/%d/net/snmp" % d.pid) as f:
            rows = [line.split() for line in f if line.startswith("Tcp:")]
        return int(rows[1][rows[0].index("OutRsts")])
    except (OSError, AttributeError, IndexError, ValueError):
        return None


def group_roles(status):
    return {g["name"]: g["role"] for g in (status or {}).get("groups", [])}


def split_state(live):
    """d1 active for web and backup for mail, d2 the reverse, by status and
    in the kernel; None when so, else what differs."""
    st = {n: live.lab.try_status(n) for n in NODES}
    roles = {n: group_roles(st[n]) for n in NODES}
    held = {n: {g["name"]: g["vips_held"] for g in (st[n] or {}).get("groups", [])} for n in NODES}
    kernel = {"web": live.holders(WEB), "mail": live.holders(MAIL)}
    want_roles = {"d1": {"web": "active", "mail": "backup"}, "d2": {"web": "backup", "mail": "active"}}
    want_held = {"d1": {"web": 1, "mail": 0}, "d2": {"web": 0, "mail": 1}}
    alive = {n: (st[n] or {}).get("peer", {}).get("alive") for n in NODES}
    if roles == want_roles and held == want_held and kernel == {"web": ["d1"], "mail": ["d2"]} and all(alive.values()):
        return None
    return "groups %s, VIPs held %s, in the kernel web on %s and mail on %s, peer alive %s" % (
        roles, held, kernel["web"], kernel["mail"], alive)


def wait_split(live, timeout):
    """Waits for split_state(); returns the seconds it took, or raises."""
    seen = {}

    def done():
        seen["why"] = split_state(live)
        return seen["why"] is None

    ok, took = labmod.wait_until(done, timeout, step=0.05)
    if not ok:
        raise runner.Failure("the pair is not split (d1 web, d2 mail) after %s: %s" % (ms(timeout), seen.get("why")))
    return took


def service_conns(live, node):
    """{service: Conns} from `ipvsadm -Ln --stats` in the node's namespace:
    connections the node's IPVS scheduled (not those the sync daemon
    copied)."""
    out = {}
    for line in vmlab.ipvsadm(live.lab, node, "-Ln", "--stats").stdout.splitlines():
        m = re.match(r"^(TCP|UDP|SCTP)\s+(\S+)\s+(\d+)", line)
        if m:
            out[vmlab.norm_service("%s %s" % (m.group(1), m.group(2)))] = int(m.group(3))
    return out


def conn_entries(live, node):
    """The node's IPVS connection entries, read from /proc/PID/net/ip_vs_conn
    of its tandemd (no process start): [(client "ip:port", virtual
    "ip:port", destination "ip:port", state)]."""
    d = live.lab.daemons.get(node)
    if d is None or not d.running():
        return []
    try:
        with open("/proc/%d/net/ip_vs_conn" % d.pid) as f:
            text = f.read()
    except OSError:
        return []

    def ep(ip, port):
        return vmlab.endpoint(str(ipaddress.IPv4Address(int(ip, 16))), int(port, 16))

    rows = []
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 8 and f[0] == "TCP" and len(f[1]) == 8:
            rows.append((ep(f[1], f[2]), ep(f[3], f[4]), ep(f[5], f[6]), f[7]))
    return rows


# A long-lived HTTP request on one connection, for the real servers' HTTP
# server (it reads the request up to the blank line): `HOLD ADDR PORT EVERY
# OUT` connects, sends the request line and prints "connected LOCALPORT",
# then sends one more header line every EVERY seconds, and samples the
# socket's unacknowledged bytes (SIOCOUTQ) before each. On SIGTERM it ends
# the request (the blank line), reads the answer and writes OUT: {"port",
# "connected", "sent" (header lines), "error" (why the connection failed,
# or null), "stall" (the longest time between two samples with nothing
# unacknowledged: how long the connection was stuck), "stall_from",
# "answer" (the page), "answered"}. Times are time.monotonic().
HOLD = r'''
import fcntl, json, signal, socket, struct, sys, termios, time
addr, port, every, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
stop = []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
s = socket.create_connection((addr, port), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\n" % addr.encode())
r = {"port": s.getsockname()[1], "connected": time.monotonic(), "sent": 0, "error": None, "stall": 0.0,
     "stall_from": None, "answer": None, "answered": None}
print("connected %d" % r["port"], flush=True)
def unacked():
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
clear = r["connected"]
def sample():
    global clear
    now = time.monotonic()
    if unacked() == 0:
        if now - clear > r["stall"]:
            r["stall"], r["stall_from"] = now - clear, clear
        clear = now
try:
    while not stop:
        sample()
        s.send(b"X-Seq: %d\r\n" % r["sent"])
        r["sent"] += 1
        time.sleep(every)
    s.settimeout(10)
    s.sendall(b"\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    sample()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise OSError("bad answer %r" % data[:60])
    r["answer"], r["answered"] = body.decode().strip(), time.monotonic()
except OSError as e:
    r["error"] = "%s after %d lines" % (e.strerror or str(e) or type(e).__name__, r["sent"])
with open(out, "w") as f:
    json.dump(r, f)
'''


class Hold:
    """HOLD in the client namespace on one VIP; finish() ends it and returns
    its result (see HOLD)."""

    def __init__(self, live, vip, every=0.1):
        self.live, self.vip = live, vip
        self.out = os.path.join(live.lab.dir, "hold-%d.json" % len(live.lab.helpers))
        self.proc = live.lab.ns_exec("client", [labmod.PYTHON, "-I", "-S", "-c", HOLD, vip, str(livelab.PORT),
                                                str(every), self.out],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        live.lab.helpers.append(self.proc)
        self.port = None
        self.result = None

    def ready(self):
        line = self.proc.stdout.readline()
        if not line.startswith("connected "):
            raise labmod.LabError("the long-lived connection to %s did not open: %r %s"
                                  % (self.vip, line, self.proc.stderr.read() if self.proc.poll() is not None else ""))
        self.port = int(line.split()[1])
        return self

    def client(self):
        return "%s:%d" % (CLIENT_IP, self.port)

    def entry(self, node):
        """The connection's entry in the node's IPVS table, or None."""
        for row in conn_entries(self.live, node):
            if row[0] == self.client() and row[1] == "%s:%d" % (self.vip, livelab.PORT):
                return row
        return None

    def finish(self, timeout=20):
        if self.result is not None:
            return self.result
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            with open(self.out) as f:
                self.result = json.load(f)
        except (OSError, ValueError):
            self.result = {"error": "no result (exit %s)" % self.proc.returncode, "stall": None, "answer": None}
        return self.result


def spread(values):
    """"min / median / max" of a list of numbers."""
    return (min(values), statistics.median(values), max(values))


def case_active_active(case):
    t_case = time.monotonic()
    timings = livelab.example_timings(EXAMPLES)
    deadtime = timings["deadtime"]
    live = livelab.LiveLab(case.build, verbose=case.verbose, examples=EXAMPLES, vips=(WEB, MAIL))
    case.labs.append(live.lab)

    def diagnostics():
        out = []
        for node in NODES:
            st = live.lab.try_status(node) or {}
            out.append("---- %s: ipvsadm -Ln\n%s\n---- %s: tandemctl status\n%s\n---- %s: groups %s, config %s\n"
                       "---- %s: log tail\n%s"
                       % (node, live.ipvsadm(node), node, live.status_text(node), node,
                          json.dumps(st.get("groups")), json.dumps(st.get("config")), node,
                          live.lab.log_tail(node, 25)))
        return "\n".join(out)

    def require(condition, message):
        if not condition:
            raise runner.Failure(message + "\n" + diagnostics())

    # With TANDEM_CAPTURE=FILE, everything on the public LAN goes to a
    # packet capture (headers only), to follow a failed request by its port.
    capture = os.environ.get("TANDEM_CAPTURE")
    if capture:
        dump = live.lab.ns_exec("lan", ["tcpdump", "-q", "-n", "-Z", "root", "-i", "br0", "-s", "128", "-w", capture],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        case.note("capture %s (pid %d); wall clock = monotonic + %.6f" % (capture, dump.pid,
                                                                        time.time() - time.monotonic()))

    # ---- 1. the split -----------------------------------------------------------
    live.lab.start_pair()
    try:
        took = wait_split(live, timings["initdead"] + 30)
        live.wait_reals(40.0, SERVICES)
    except (runner.Failure, labmod.LabError) as e:
        require(False, str(e))
    case.note("d1 active for web, d2 for mail %s after the start, both real servers up in both services on both"
              % ms(took))
    for node in NODES:
        st = live.lab.status(node)
        require(st["config"].get("match") is True, "%s's config object: %s" % (node, st["config"]))
        daemons = vmlab.sync_daemons(live.lab, node)
        require(daemons == [("backup", "eth1", SYNCID), ("master", "eth1", SYNCID)],
                "%s's sync daemons %s, expected master and backup on eth1" % (node, daemons))
    before = {n: service_conns(live, n) for n in NODES}
    got = {g: livelab.answered(live.get(10, vip=VIP_OF[g])) for g in ("web", "mail")}
    # The kernel folds its per-CPU counters into these statistics every 2 s.
    seen = {}

    def counted_all():
        seen["after"] = {n: service_conns(live, n) for n in NODES}
        return all(seen["after"][n].get(livelab.service_of(VIP_OF[g]), 0) -
                   before[n].get(livelab.service_of(VIP_OF[g]), 0) >= 10 for g, n in (("web", "d1"), ("mail", "d2")))

    labmod.wait_until(counted_all, 8.0, step=0.5)
    after = seen["after"]
    for g, node in (("web", "d1"), ("mail", "d2")):
        require(set(got[g]) == PAGES, "10 requests to %s's VIP: expected answers from both real servers, got %s"
                % (g, got[g]))
        service = livelab.service_of(VIP_OF[g])
        counted = {n: after[n].get(service, 0) - before[n].get(service, 0) for n in NODES}
        require(counted == {node: 10, live.lab.peer_of(node): 0},
                "%s's connections scheduled by %s, expected all 10 by %s" % (g, counted, node))
        mac, _ = live.lab.neigh("client", VIP_OF[g])
        require(live.lab.node_of_mac(mac) == node, "the client's neighbour entry for %s's VIP is %s (%s), not %s's"
                % (g, mac, live.lab.node_of_mac(mac), node))
    case.note("10 requests to web: %s, all through d1; to mail: %s, all through d2"
              % (livelab.tally(got["web"]), livelab.tally(got["mail"])))

    # ---- 2. power-offs, restores and takeovers -------------------------------------
    meter = vmlab.StallMeter()
    figures = []  # one dict per power-off
    pair_took = []
    try:
        for run in range(RUNS):
            elapsed = time.monotonic() - t_case
            if run > 0 and elapsed + 1.3 * max(pair_took) > GUEST_BUDGET:
                case.note("stopped after %d power-offs of each director (%.0f s in, a pair takes up to %.0f s)"
                          % (run, elapsed, max(pair_took)))
                break
            t_pair = time.monotonic()
            for victim in NODES:
                figures.append(power_off_round(live, meter, victim, run, require, deadtime, timings))
                case.note(figures[-1]["note"])
            pair_took.append(time.monotonic() - t_pair)
    finally:
        meter.close()

    # ---- 3. the outage figures --------------------------------------------------------
    for victim in NODES:
        runs = [f for f in figures if f["victim"] == victim]
        moved, stayed = GROUP_OF[victim], GROUP_OF[live.lab.peer_of(victim)]
        parts = []
        for label, key in (("moved", "moved"), ("stayed", "stayed")):
            gaps = spread([f[key]["longest_gap"] for f in runs])
            outs = spread([f[key]["outage"] for f in runs])
            fails = spread([f[key]["failed"] for f in runs])
            parts.append("%s (%s) longest gap %s / %s / %s, outage %s / %s / %s, failed %d / %d / %d"
                         % ({"moved": moved, "stayed": stayed}[label], label, *(ms(x) for x in gaps),
                            *(ms(x) for x in outs), *(int(x) for x in fails)))
        took = spread([f["took"] for f in runs])
        ratio = spread([f["moved"]["longest_gap"] / deadtime for f in runs])
        parts.append("VIP moved %s / %s / %s; moved gap / deadtime %.2f / %.2f / %.2f"
                     % (*(ms(x) for x in took), *ratio))
        case.note("power-off of %s, %d runs (min / median / max): %s" % (victim, len(runs), "; ".join(parts)))

    # The takeovers: no failed request on either VIP (checked after all the
    # power-offs, so that a failure still leaves every figure).
    failures = [x for f in figures for x in f["failures"]]
    require(not failures, "failed requests around tandemctl takeover:\n" + "\n".join(failures) +
            "\nfigures:\n" + "\n".join(f["note"] for f in figures))


def failed_requests(probes, t0):
    """Failed probe requests as text, their times relative to `t0`, with
    the client port (to find them in a capture) and the client's loop lag."""
    return ", ".join("%s %+.0f ms to %+.0f ms (client port %s, loop lag %s)"
                     % (x["error"], (x["start"] - t0) * 1000, (x["end"] - t0) * 1000, x.get("port"),
                        ms(x.get("lag", 0.0)))
                     for x in probes)


def stalled_during(meter, probe):
    """Whether a failed request says nothing about the service: the guest
    was stalled for STALL_EXCUSE or more while it was open (its timers, the
    client's included, ran that late), or the client's own loop did not run
    for that long (the client process was kept off the CPU by the guest's
    other work, so it could not see the answer in time)."""
    return (meter.stalled(probe["start"], probe["end"] + 0.05) >= STALL_EXCUSE
            or probe.get("lag", 0.0) >= STALL_EXCUSE)


def power_off_round(live, meter, victim, run, require, deadtime, timings):
    """One power-off of `victim` with long-lived connections and probes on
    both VIPs, its restore and the takeover of its group; returns the
    figures {"victim", "took", "moved", "stayed" (livelab.outage of each
    VIP's probe), "note"}."""
    peer = live.lab.peer_of(victim)
    moved, stayed = GROUP_OF[victim], GROUP_OF[peer]
    vip_moved, vip_stayed = VIP_OF[moved], VIP_OF[stayed]
    label = "power-off %d of %s" % (run + 1, victim)

    # A long-lived connection on each VIP, through its own director, known
    # to the other one through the sync daemon.
    holds = {g: Hold(live, VIP_OF[g]) for g in ("web", "mail")}
    for h in holds.values():
        h.ready()
    for g, h in holds.items():
        owner = {"web": "d1", "mail": "d2"}[g]
        other = live.lab.peer_of(owner)
        ok, _ = labmod.wait_until(lambda: h.entry(owner), 5.0, step=0.05)
        require(ok, "%s: %s has no entry for the long-lived connection %s to %s's VIP (%s has %s)"
                % (label, owner, h.client(), g, other, h.entry(other)))
        synced, took = labmod.wait_until(lambda: h.entry(other), 10.0, step=0.1)
        require(synced, "%s: the long-lived connection %s to %s's VIP never reached %s's table through the sync "
                "daemon (%s has %s)" % (label, h.client(), g, other, owner, h.entry(owner)))
    real = {g: livelab.real_of(h.entry({"web": "d1", "mail": "d2"}[g])[2]) for g, h in holds.items()}

    # The power-off, with the client on both VIPs.
    probes = dict(zip((moved, stayed), live.start_probes([vip_moved, vip_stayed], every=0.01, timeout=0.5)))
    time.sleep(1.0)
    cut = time.monotonic()
    live.lab.power_off(victim)
    ok, took = labmod.wait_until(lambda: live.holders(vip_moved) == [peer], deadtime + 10, step=0.01)
    stalled = meter.stalled(cut)
    require(ok, "%s: %s did not take %s's VIP (holders %s)" % (label, peer, moved, live.holders(vip_moved)))
    bound = deadtime + ALLOWANCE
    require(took <= bound + stalled, "%s: %s took %s's VIP after %s, bound %s (+ %s stalled)"
            % (label, peer, moved, ms(took), ms(bound), ms(stalled)))
    time.sleep(2.0)
    raw = {g: p.stop() for g, p in probes.items()}
    result = {g: livelab.outage(raw[g], t_from=cut - 0.5) for g in raw}
    stalled = meter.stalled(cut)
    require(live.holders(vip_stayed) == [peer], "%s: %s's VIP is on %s" % (label, stayed, live.holders(vip_stayed)))
    st = live.lab.status(peer)
    require(group_roles(st) == {"web": "active", "mail": "active"} and
            {g["name"]: g["vips_held"] for g in st["groups"]} == {"web": 1, "mail": 1},
            "%s: %s's groups %s" % (label, peer, st["groups"]))
    r = result[moved]
    require(any(p["ok"] and p["start"] > cut + took for p in raw[moved]),
            "%s: no answer on %s's VIP after the takeover: %s" % (label, moved, r))
    bound = deadtime + OUTAGE_SLACK
    require(r["longest_gap"] <= bound + stalled, "%s: the client's longest gap on %s's VIP was %s, bound %s "
            "(+ %s stalled)" % (label, moved, ms(r["longest_gap"]), ms(bound), ms(stalled)))
    # No request on the VIP that stayed may fail, but for one the guest or
    # the client could not have seen answered in time (stalled_during).
    stayed_failed = [x for x in raw[stayed] if not x["ok"] and x["end"] >= cut - 0.5]
    stayed_excused = [x for x in stayed_failed if stalled_during(meter, x)]
    stayed_real = [x for x in stayed_failed if x not in stayed_excused]

    stayed_failures = failed_requests(stayed_real, cut)
    require(not stayed_real, "%s: %d requests to %s's VIP (which stayed on %s) failed: %s "
            "(relative to the power-off; the guest stalled %s from 1.5 s before it)"
            % (label, len(stayed_real), stayed, peer, stayed_failures, ms(meter.stalled(cut - 1.5))))

    # Both long-lived connections went on; the moved one through the peer.
    for g, h in holds.items():
        h.finish()
    for g, h in holds.items():
        x = h.result
        require(x["error"] is None and x["answer"] == "I am real server %s" % real[g][1:],
                "%s: the long-lived connection to %s's VIP (to %s): error %s, answer %r, longest stall %s"
                % (label, g, real[g], x["error"], x["answer"], x["stall"] and ms(x["stall"])))
    require(holds[moved].entry(peer) is not None, "%s: %s has no entry for %s's long-lived connection"
            % (label, peer, moved))
    conns = "; ".join("%s's connection (%s) on, %d lines, longest stall %s, answered by %s"
                      % (g, "moved to %s" % peer if g == moved else "stayed on %s" % peer, holds[g].result["sent"],
                         ms(holds[g].result["stall"]), real[g]) for g in (moved, stayed))

    # Power back: the victim comes back backup for both groups, its checks
    # bring the real servers back, and it takes its group back.
    probes = dict(zip((moved, stayed), live.start_probes([vip_moved, vip_stayed], every=0.01, timeout=0.5)))
    time.sleep(0.5)
    t_on = time.monotonic()
    live.lab.power_on(victim)

    def back():
        s = live.lab.try_status(victim)
        return (group_roles(s) == {"web": "backup", "mail": "backup"} and s["peer"]["alive"]
                and live.holders(vip_moved) == [peer] and live.holders(vip_stayed) == [peer])

    ok, t_back = labmod.wait_until(back, 20.0, step=0.05)
    require(ok, "%s: after the power came back, %s's groups %s, %s's VIP on %s, %s's on %s (expected %s backup for "
            "both, %s holding both)" % (label, victim, group_roles(live.lab.try_status(victim)), moved,
                                        live.holders(vip_moved), stayed, live.holders(vip_stayed), victim, peer))
    try:
        t_up = live.wait_reals(30.0, SERVICES, nodes=(victim,))
    except labmod.LabError as e:
        require(False, "%s: %s" % (label, e))
    time.sleep(0.5)
    rsts = {n: tcp_out_rsts(live, n) for n in NODES}
    t_take = time.monotonic()
    p = live.lab.ctl(victim, "takeover", moved, timeout=15)
    require(p.returncode == 0, "%s: tandemctl takeover %s on %s: exit %d %s %s"
            % (label, moved, victim, p.returncode, p.stdout.strip(), p.stderr.strip()))
    try:
        t_split = wait_split(live, 15.0)
    except runner.Failure as e:
        require(False, "%s: after tandemctl takeover %s: %s" % (label, moved, e))
    time.sleep(1.0)
    rsts = {n: (tcp_out_rsts(live, n) or 0) - (rsts[n] or 0) for n in NODES}
    back_probes = {g: pr.stop() for g, pr in probes.items()}
    back_result = {g: livelab.outage(pr, t_from=t_on - 0.5) for g, pr in back_probes.items()}
    stalled = meter.stalled(t_on)
    failures = []
    excused = []
    for g in (moved, stayed):
        b = back_result[g]
        failed = [p_ for p_ in back_probes[g] if not p_["ok"] and p_["end"] >= t_on - 0.5]
        # A request during which the emulated guest was itself stalled for
        # STALL_EXCUSE or more (its timers, the client's included, ran that
        # late) says nothing about the handover: reported, not counted.
        real = [p_ for p_ in failed if not stalled_during(meter, p_)]
        for p_ in failed:
            if p_ not in real:
                excused.append("%s %s %+.0f ms (guest stalled %s, client loop lag %s)"
                               % (g, p_["error"], (p_["start"] - t_take) * 1000,
                                  ms(meter.stalled(p_["start"], p_["end"] + 0.05)), ms(p_.get("lag", 0.0))))
        if real:
            when = failed_requests(real, t_take)
            failures.append("%s: %d of %d requests to %s's VIP failed between the power-on and the end of the "
                            "takeover of %s (tandemctl takeover %s on %s %s after the power-on, split %s after it "
                            "answered); relative to the takeover command: %s; TCP resets sent during the takeover "
                            "by d1 %d, d2 %d" % (label, len(real), b["requests"], g, moved, moved, victim,
                                                  ms(t_take - t_on), ms(t_split), when, rsts["d1"], rsts["d2"]))
    after = "; ".join("%s %d requests, %d failed, longest gap %s" % (g, back_result[g]["requests"],
                                                                     back_result[g]["failed"],
                                                                     ms(back_result[g]["longest_gap"]))
                      for g in (moved, stayed))
    note = ("%s: %s's VIP on %s after %s; %s (moved): %d requests, %d failed, longest gap %s, outage %s; %s (stayed): "
            "%d requests, %d failed, longest gap %s; %s; %s backup again %s after the power-on, real servers up "
            "%s later, takeover %s split %s after tandemctl: %s (stalled %s)"
            % (label, moved, peer, ms(took), moved, result[moved]["requests"], result[moved]["failed"],
               ms(result[moved]["longest_gap"]), ms(result[moved]["outage"]), stayed, result[stayed]["requests"],
               result[stayed]["failed"], ms(result[stayed]["longest_gap"]), conns, victim, ms(t_back), ms(t_up),
               moved, ms(t_split), after, ms(stalled)))
    if excused:
        note += "; failed during a guest stall (not counted): " + ", ".join(excused)
    if stayed_excused:
        note += "; failed on %s's VIP, which stayed, while the guest or the client stalled (not counted): %s" % (
            stayed, failed_requests(stayed_excused, cut))
    return {"victim": victim, "took": took, "moved": result[moved], "stayed": result[stayed], "note": note,
            "failures": failures}


if __name__ == "__main__":
    import sys
    sys.exit(runner.main([case_active_active], "vm: the active/active example lab (examples/lab-active-active/), "
                         "power-offs, restores and takeovers"))
