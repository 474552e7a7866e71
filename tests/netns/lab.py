"""Network-namespace lab for the netns test tier, the demo and the benchmark.

Topology (every name carries a per-run prefix, e.g. "tnd4242-"):

    client (eth0 10.77.0.50)   attacker (eth0 10.77.0.66, optional)
        |                          |
    +---+--------- br0 -----------+---+     public  10.77.0.0/24
    |        "lan" namespace          |
    +---+--------- br1 -----------+---+     private 10.78.0.0/24
        |        |           |        |
       d1 eth0  d1 eth1     d2 eth0  d2 eth1
       .1       .1          .2       .2

The bridge-side veth ends live in the lan namespace, named <node>e<n>
(d1e0, d1e1, d2e0, d2e1, clie0, atte0). The VIP is 10.77.0.100/24 on eth0.

Every time measurement uses time.monotonic(), which is one clock for all
namespaces, so timestamps written by probe.py inside the client namespace
compare directly with the ones taken here.

Needs root. Cleans up after itself (namespaces, daemons, helper processes)
on close(), at exit and on SIGTERM/SIGINT.
"""

import atexit
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = sys.executable or "/usr/bin/python3"

PUBLIC_NET = "10.77.0"
PRIVATE_NET = "10.78.0"
VIP = "10.77.0.100"
VIP2 = "10.77.0.101"
SERVICE_PORT = 8080
HEARTBEAT_PORT = 694

NODES = ("d1", "d2")
HOST_OCTET = {"d1": 1, "d2": 2, "client": 50, "attacker": 66}
SECRET = "netns-lab-shared-secret"

# Timings used by the tests unless a case asks for others (seconds).
DEFAULT_TIMINGS = {"interval": 0.100, "deadtime": 0.400, "warntime": 0.250, "initdead": 1.0}


class LabError(Exception):
    pass


_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """Runs in the child before exec: SIGKILL it if this test process dies
    without cleaning up (killed by a CTest timeout, say), so no daemon
    outlives its run. Survives `ip netns exec`, which execs in place."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def run(cmd, *, check=True, input=None, timeout=20):
    """Runs a command, returns CompletedProcess with text output."""
    p = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise LabError("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
    return p


def duration(seconds):
    """Seconds -> a TOML duration string with a unit ("100ms", "2s")."""
    ms = int(round(seconds * 1000))
    if ms % 1000 == 0:
        return "%ds" % (ms // 1000)
    return "%dms" % ms


def wait_until(predicate, timeout, step=0.01):
    """Polls predicate() until it returns something truthy or timeout passes.

    Returns (value, elapsed seconds); value is the last result (falsy on
    timeout). Exceptions from the predicate count as falsy.
    """
    start = time.monotonic()
    value = None
    while True:
        try:
            value = predicate()
        except Exception:  # a daemon still starting, a socket not there yet
            value = None
        now = time.monotonic()
        if value:
            return value, now - start
        if now - start >= timeout:
            return value, now - start
        time.sleep(step)


def require_root():
    if os.geteuid() != 0:
        raise LabError("the netns tier needs root (network namespaces, veth, bridges)")


class Daemon:
    """One tandemd running inside a director namespace."""

    def __init__(self, node, proc, log_path, socket_path, started):
        self.node = node
        self.proc = proc
        self.log_path = log_path
        self.socket_path = socket_path
        self.started = started

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None


class Probe:
    """A probe.py process in the client namespace (see probe.py)."""

    def __init__(self, proc, out_path):
        self.proc = proc
        self.out_path = out_path
        self.result = None

    def stop(self, timeout=10):
        if self.result is not None:
            return self.result
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with open(self.out_path) as f:
            self.result = json.load(f)
        return self.result


def analyse_probes(result, t_from=None, t_to=None):
    """Summarises probe.py results.

    Returns a dict: attempts, ok, failed, longest_gap (seconds between two
    consecutive successful probes, by completion time), gap_from/gap_to
    (where the longest gap sits), nodes (the answering node of each success in
    order, runs collapsed), failures (first few failure reasons), at_switch
    (failures that are the one request in flight when the client moved to
    the new holder, reset by it).
    """
    probes = result["probes"]
    if t_from is not None:
        probes = [p for p in probes if p["end"] >= t_from]
    if t_to is not None:
        probes = [p for p in probes if p["start"] <= t_to]
    ok = [p for p in probes if p["ok"]]
    failed = [p for p in probes if not p["ok"]]
    longest, gap_from, gap_to = 0.0, None, None
    for a, b in zip(ok, ok[1:]):
        gap = b["end"] - a["end"]
        if gap > longest:
            longest, gap_from, gap_to = gap, a["end"], b["end"]
    nodes = []
    for p in ok:
        if not nodes or nodes[-1] != p["node"]:
            nodes.append(p["node"])
    # A connection open at the instant the client's neighbour entry for the
    # VIP moves to the new holder (its first announcement) has its next
    # segment answered by the new holder's stack, which does not know it,
    # with a reset. Nothing on the directors can save it when the service
    # runs on them (no shared connection state); the IPVS directors' staged
    # handover does (vm tier). The prober is sequential, so at most one
    # request is in flight at each move: a reset between the old holder's
    # last answer and the new holder's first.
    at_switch = 0
    last_node = None
    pending = []
    for p in probes:
        if p["ok"]:
            if last_node is not None and p["node"] != last_node and len(pending) == 1 \
                    and pending[0]["error"].endswith("Connection reset by peer"):
                at_switch += 1
            last_node = p["node"]
            pending = []
        else:
            pending.append(p)
    return {
        "at_switch": at_switch,
        "attempts": len(probes),
        "ok": len(ok),
        "failed": len(failed),
        "longest_gap": longest,
        "gap_from": gap_from,
        "gap_to": gap_to,
        "nodes": nodes,
        "failures": [p["error"] for p in failed[:5]],
    }


class Lab:
    """The namespaces, their links, the daemons' configs and processes."""

    def __init__(self, build, *, attacker=False, flood=False, timings=None, auto_failback=False,
                 preferred="d1", priorities=None, garp_count=5, garp_interval=0.2, garp_refresh=0.0,
                 port=HEARTBEAT_PORT, log_level="debug", prefix=None, verbose=False, groups=None):
        require_root()
        self.build = os.path.abspath(build)
        self.tandemd = os.path.join(self.build, "daemon", "tandemd")
        self.tandemctl = os.path.join(self.build, "tools", "tandemctl")
        self.hbtool_path = os.path.join(self.build, "tests", "tools", "hbtool")
        self.with_attacker = attacker
        self.flood = flood
        self.timings = dict(DEFAULT_TIMINGS)
        if timings:
            self.timings.update(timings)
        self.auto_failback = auto_failback
        self.preferred = preferred
        self.priorities = priorities or {"d1": 100, "d2": 100}
        self.garp = {"count": garp_count, "interval": garp_interval, "refresh": garp_refresh}
        self.port = port
        self.log_level = log_level
        self.verbose = verbose
        self.prefix = prefix or "tnd%d-" % (os.getpid() % 10000)
        self.ns = {role: self.prefix + role for role in ("lan", "d1", "d2", "client", "attacker")}
        self.dir = tempfile.mkdtemp(prefix="tandem-netns-")
        self.daemons = {}
        self.helpers = []      # every other process we started (services, probes)
        self.extra_vips = []   # [(address, interface)] beyond the main VIP
        # Failover groups instead of [[vip]]: [{"name", "preferred",
        # "auto_failback", "vips": [(address, interface)]}].
        self.groups = groups
        self.extra_config = {}  # node -> text appended to its config
        self._created = []
        self._closed = False
        self._mac_cache = {}
        atexit.register(self.close)
        self._old_handlers = {}
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self._old_handlers[sig] = signal.signal(sig, self._on_signal)
            except ValueError:  # not the main thread
                pass

    # ---- lifecycle -------------------------------------------------------

    def __enter__(self):
        self.setup()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _on_signal(self, signum, frame):
        self.close()
        raise SystemExit(128 + signum)

    def log(self, msg):
        if self.verbose:
            print("lab: " + msg, flush=True)

    def ip(self, ns, *args, check=True, input=None):
        return run(["ip", "-n", self.ns[ns]] + list(args), check=check, input=input)

    def ip_batch(self, ns, commands):
        """Runs several `ip` commands in one process: they take effect together."""
        return run(["ip", "-n", self.ns[ns], "-batch", "-"], input="\n".join(commands) + "\n")

    def setup(self):
        for missing in (self.tandemd, self.tandemctl):
            if not os.access(missing, os.X_OK):
                raise LabError("%s is missing: build the project first" % missing)
        # A crashed earlier run with the same prefix may have left namespaces.
        existing = run(["ip", "netns", "list"]).stdout.split()
        for name in self.ns.values():
            if name in existing:
                run(["ip", "netns", "del", name], check=False)
        roles = ["lan", "d1", "d2", "client"] + (["attacker"] if self.with_attacker else [])
        for role in roles:
            run(["ip", "netns", "add", self.ns[role]])
            self._created.append(self.ns[role])
            self.ip(role, "link", "set", "lo", "up")
            # IPv4 only: keeps IPv6 autoconfiguration chatter off the wire.
            run(["ip", "netns", "exec", self.ns[role], "sysctl", "-q", "-w",
                 "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"], check=False)
        ageing = ["ageing_time", "0"] if self.flood else []
        for br in ("br0", "br1"):
            self.ip("lan", "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0", *ageing)
            self.ip("lan", "link", "set", br, "up")
        for node in NODES:
            self._veth(node, "eth0", "br0", "%s.%d/24" % (PUBLIC_NET, HOST_OCTET[node]))
            self._veth(node, "eth1", "br1", "%s.%d/24" % (PRIVATE_NET, HOST_OCTET[node]))
        self._veth("client", "eth0", "br0", "%s.%d/24" % (PUBLIC_NET, HOST_OCTET["client"]))
        if self.with_attacker:
            self._veth("attacker", "eth0", "br0", "%s.%d/24" % (PUBLIC_NET, HOST_OCTET["attacker"]))
        self.log("namespaces up under prefix %s, files in %s" % (self.prefix, self.dir))
        for node in NODES:
            self.write_config(node)

    def lan_port(self, role, iface):
        """The bridge-side end of a namespace's interface (in the lan namespace)."""
        return "%se%s" % (role[:3], iface[-1])

    def _veth(self, role, iface, bridge, address):
        port = self.lan_port(role, iface)
        self.ip("lan", "link", "add", port, "type", "veth", "peer", "name", iface, "netns", self.ns[role])
        self.ip("lan", "link", "set", port, "master", bridge)
        self.ip("lan", "link", "set", port, "up")
        self.ip(role, "addr", "add", address, "dev", iface)
        self.ip(role, "link", "set", iface, "up")

    def close(self):
        if self._closed:
            return
        self._closed = True
        for d in list(self.daemons.values()):
            if d.running():
                d.proc.kill()
                d.proc.wait()
        for p in self.helpers:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        for name in reversed(self._created):
            run(["ip", "netns", "del", name], check=False)
        self._created = []
        if os.environ.get("TANDEM_NETNS_KEEP"):
            print("lab: kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        for sig, old in self._old_handlers.items():
            try:
                signal.signal(sig, old)
            except (ValueError, TypeError):
                pass

    # ---- configuration ---------------------------------------------------

    def node_dir(self, node):
        path = os.path.join(self.dir, node)
        os.makedirs(path, exist_ok=True)
        return path

    def config_path(self, node):
        return os.path.join(self.node_dir(node), "tandem.toml")

    def authkeys_path(self, node):
        return os.path.join(self.node_dir(node), "authkeys")

    def socket_path(self, node):
        return os.path.join(self.node_dir(node), "tandemd.sock")

    def log_path(self, node):
        return os.path.join(self.node_dir(node), "tandemd.log")

    def peer_of(self, node):
        return "d2" if node == "d1" else "d1"

    def write_authkeys(self, node, lines=None):
        path = self.authkeys_path(node)
        text = "\n".join(lines or ["auth 1", "1 sha256 %s" % SECRET]) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def config_text(self, node, extra_vips=None):
        t = self.timings
        peer = self.peer_of(node)
        lines = [
            "[node]",
            'name = "%s"' % node,
            "priority = %d" % self.priorities[node],
            "",
            "[cluster]",
            'peer = "%s"' % peer,
        ]
        if not self.groups:
            lines += ['preferred = "%s"' % self.preferred,
                      "auto_failback = %s" % ("true" if self.auto_failback else "false")]
        lines += [
            'interval = "%s"' % duration(t["interval"]),
            'deadtime = "%s"' % duration(t["deadtime"]),
            'warntime = "%s"' % duration(t["warntime"]),
            'initdead = "%s"' % duration(t["initdead"]),
            "port = %d" % self.port,
            'authkeys = "%s"' % self.authkeys_path(node),
            "",
            "[[link]]",
            'name = "public"',
            'interface = "eth0"',
            'peer = "%s.%d"' % (PUBLIC_NET, HOST_OCTET[peer]),
            "",
            "[[link]]",
            'name = "private"',
            'interface = "eth1"',
            'peer = "%s.%d"' % (PRIVATE_NET, HOST_OCTET[peer]),
            "",
        ]
        if self.groups:
            for g in self.groups:
                lines += ["[[group]]", 'name = "%s"' % g["name"]]
                if g.get("preferred"):
                    lines.append('preferred = "%s"' % g["preferred"])
                lines += ["auto_failback = %s" % ("true" if g.get("auto_failback") else "false"), ""]
                for address, iface in g["vips"]:
                    lines += ["[[group.vip]]", 'address = "%s"' % address, 'interface = "%s"' % iface, ""]
        else:
            vips = [(VIP + "/24", "eth0")] + list(self.extra_vips if extra_vips is None else extra_vips)
            for address, iface in vips:
                lines += ["[[vip]]", 'address = "%s"' % address, 'interface = "%s"' % iface, ""]
        lines += [
            "[garp]",
            "count = %d" % self.garp["count"],
            'interval = "%s"' % duration(self.garp["interval"]),
            'refresh = "%s"' % duration(self.garp["refresh"]),
            "",
        ]
        if node in self.extra_config:
            lines.append(self.extra_config[node])
        return "\n".join(lines)

    def write_config(self, node, text=None):
        """Writes the node's config (and authkeys if absent); returns the path."""
        if not os.path.exists(self.authkeys_path(node)):
            self.write_authkeys(node)
        path = self.config_path(node)
        tmp = path + ".new"
        with open(tmp, "w") as f:
            f.write(self.config_text(node) if text is None else text)
        os.replace(tmp, path)
        return path

    # ---- daemons ---------------------------------------------------------

    def start(self, node, log_level=None, extra_args=()):
        """Starts tandemd in the node's namespace; extra_args are appended to
        its command line (e.g. ["--ipvs-in-memory"])."""
        if node in self.daemons and self.daemons[node].running():
            raise LabError("%s already running" % node)
        sock = self.socket_path(node)
        if os.path.exists(sock):
            os.unlink(sock)
        log = open(self.log_path(node), "a")
        log.write("---- start %.3f\n" % time.monotonic())
        log.flush()
        cmd = ["ip", "netns", "exec", self.ns[node], self.tandemd, "-c", self.config_path(node),
               "--socket", sock, "--log-level", log_level or self.log_level] + list(extra_args)
        # `ip netns exec` execs tandemd in place: the pid is the daemon's.
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                preexec_fn=_die_with_parent)
        log.close()
        self.daemons[node] = Daemon(node, proc, self.log_path(node), sock, time.monotonic())
        self.log("started tandemd %s (pid %d)" % (node, proc.pid))
        return self.daemons[node]

    def start_pair(self):
        for node in NODES:
            self.start(node)

    def send_signal(self, node, sig):
        self.daemons[node].proc.send_signal(sig)

    def stop(self, node, sig=signal.SIGTERM, timeout=10):
        """Signals the daemon and waits; returns its exit code (None if it hung, then killed)."""
        d = self.daemons[node]
        if not d.running():
            return d.proc.returncode
        d.proc.send_signal(sig)
        try:
            return d.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            d.proc.kill()
            d.proc.wait()
            return None

    def kill(self, node):
        d = self.daemons.get(node)
        if d and d.running():
            d.proc.kill()
            d.proc.wait()

    def log_tail(self, node, lines=25):
        try:
            with open(self.log_path(node), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def log_text(self, node):
        try:
            with open(self.log_path(node), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def ctl(self, node, *args, check=False, timeout=5):
        return run([self.tandemctl, "--socket", self.socket_path(node)] + list(args), check=check,
                   timeout=timeout)

    def status(self, node):
        """tandemctl status --json, parsed. Raises LabError when it fails."""
        p = self.ctl(node, "status", "--json")
        if p.returncode != 0:
            raise LabError("tandemctl status on %s failed (%d): %s" % (node, p.returncode, p.stderr.strip()))
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise LabError("tandemctl status --json on %s is not JSON (%s): %r" % (node, e, p.stdout[:300]))

    def try_status(self, node):
        try:
            return self.status(node)
        except (LabError, subprocess.TimeoutExpired):
            return None

    def roles(self):
        """{node: role or None} from status."""
        out = {}
        for node in NODES:
            s = self.try_status(node) if node in self.daemons and self.daemons[node].running() else None
            out[node] = s["role"] if s else None
        return out

    # ---- addresses and links ---------------------------------------------

    def addresses(self, ns, iface="eth0"):
        p = self.ip(ns, "-j", "-4", "addr", "show", "dev", iface, check=False)
        if p.returncode != 0 or not p.stdout.strip():
            return []
        out = []
        for link in json.loads(p.stdout):
            for a in link.get("addr_info", []):
                out.append(a.get("local"))
        return out

    def has_address(self, node, address=VIP, iface="eth0"):
        return address in self.addresses(node, iface)

    def vip_holders(self, address=VIP, nodes=NODES):
        """Nodes whose eth0 carries the address (a kernel query, not status)."""
        return [n for n in nodes if self.has_address(n, address)]

    def held_in_status(self, status, address=VIP):
        for v in status.get("vips", []):
            if v.get("address", "").split("/")[0] == address:
                return bool(v.get("held"))
        return False

    def mac(self, ns, iface="eth0"):
        key = (ns, iface)
        if key not in self._mac_cache:
            p = self.ip(ns, "-j", "link", "show", "dev", iface)
            self._mac_cache[key] = json.loads(p.stdout)[0]["address"]
        return self._mac_cache[key]

    def neigh(self, ns, address=VIP, iface="eth0"):
        """(lladdr or None, [states]) of ns's neighbour entry for address."""
        p = self.ip(ns, "-j", "neigh", "show", address, "dev", iface, check=False)
        if p.returncode != 0 or not p.stdout.strip():
            return None, []
        entries = json.loads(p.stdout)
        if not entries:
            return None, []
        e = entries[0]
        return e.get("lladdr"), e.get("state", [])

    def node_of_mac(self, mac):
        for node in NODES:
            if self.mac(node) == mac:
                return node
        return None

    def power_off(self, node):
        """Both links down at once inside the node's namespace (the daemon
        keeps running). The private link (heartbeats only) goes first: were
        eth0 first, a daemon quick enough would see its VIP interface's
        carrier go and say so in a heartbeat over eth1 before that went
        down too, and the peer would take over at once, a handover where a
        director without power says nothing."""
        self.ip_batch(node, ["link set eth1 down", "link set eth0 down"])

    def power_on(self, node):
        self.ip_batch(node, ["link set eth0 up", "link set eth1 up"])

    def cut(self, node, *ifaces):
        """Detaches the bridge-side veth ends: carrier stays up, packets stop."""
        self.ip_batch("lan", ["link set %s nomaster" % self.lan_port(node, i) for i in ifaces or ("eth0", "eth1")])

    def restore(self, node, *ifaces):
        cmds = []
        for i in ifaces or ("eth0", "eth1"):
            cmds.append("link set %s master %s" % (self.lan_port(node, i), "br0" if i == "eth0" else "br1"))
        self.ip_batch("lan", cmds)

    # ---- state checks ----------------------------------------------------

    def snapshot(self, address=VIP):
        """Roles from status, and who has the VIP by status and by kernel."""
        st = {n: self.try_status(n) for n in NODES}
        return {
            "roles": {n: (st[n]["role"] if st[n] else None) for n in NODES},
            "held": {n: (self.held_in_status(st[n], address) if st[n] else None) for n in NODES},
            "kernel": self.vip_holders(address),
            "status": st,
        }

    def stable(self, address=VIP, passive=("backup", "standby")):
        """The single active node when the pair is settled, else None.

        Settled: one node active and the other in a passive role (backup, or
        standby after `tandemctl standby`), each sees the other alive in the
        role the other reports, the active one reports the VIP held and only
        it has it.
        """
        snap = self.snapshot(address)
        roles = snap["roles"]
        actives = [n for n in NODES if roles[n] == "active"]
        if len(actives) != 1:
            return None
        a = actives[0]
        b = self.peer_of(a)
        if roles[b] not in passive:
            return None
        for n in NODES:
            peer = snap["status"][n]["peer"]
            if not peer["alive"] or peer["role"] != roles[self.peer_of(n)]:
                return None
        if not snap["held"][a] or snap["held"][b]:
            return None
        if snap["kernel"] != [a]:
            return None
        return a

    def wait_stable(self, timeout=8.0, passive=("backup", "standby")):
        active, elapsed = wait_until(lambda: self.stable(passive=passive), timeout, step=0.05)
        if not active:
            snap = self.snapshot()
            raise LabError("pair did not settle within %.1fs: roles %s, held %s, kernel VIP on %s"
                           % (timeout, snap["roles"], snap["held"], snap["kernel"]))
        return active

    # ---- helper processes -------------------------------------------------

    def ns_exec(self, ns, cmd, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.ns[ns]] + cmd, preexec_fn=_die_with_parent, **kw)

    def start_service(self, node, port=SERVICE_PORT):
        """The TCP service (service.py) inside a director namespace."""
        proc = self.ns_exec(node, [PYTHON, os.path.join(HERE, "service.py"), "--name", node, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.helpers.append(proc)
        line = proc.stdout.readline()
        if "listening" not in line:
            raise LabError("service on %s did not start: %r" % (node, line))
        return proc

    def start_services(self):
        for node in NODES:
            self.start_service(node)

    def start_probe(self, address=VIP, port=SERVICE_PORT, every=0.01, timeout=0.05, duration=None):
        out = os.path.join(self.dir, "probe-%d.json" % len(self.helpers))
        cmd = [PYTHON, os.path.join(HERE, "probe.py"), "tcp", "--addr", address, "--port", str(port),
               "--every", str(every), "--timeout", str(timeout), "--out", out]
        if duration:
            cmd += ["--duration", str(duration)]
        proc = self.ns_exec("client", cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.helpers.append(proc)
        line = proc.stdout.readline()
        if "probing" not in line:
            raise LabError("probe did not start: %r" % line)
        return Probe(proc, out)

    def ping(self, ns, address, timeout=1.0):
        """One ICMP echo from ns (probe.py ping); True when answered."""
        p = run(["ip", "netns", "exec", self.ns[ns], PYTHON, os.path.join(HERE, "probe.py"), "ping",
                 "--addr", address, "--timeout", str(timeout)], check=False, timeout=timeout + 10)
        return p.returncode == 0

    def get(self, address=VIP, port=SERVICE_PORT, timeout=1.0):
        """One request from the client to the TCP service: (ok, node name or error)."""
        p = run(["ip", "netns", "exec", self.ns["client"], PYTHON, os.path.join(HERE, "probe.py"), "get",
                 "--addr", address, "--port", str(port), "--timeout", str(timeout)], check=False,
                timeout=timeout + 10)
        return p.returncode == 0, p.stdout.strip()

    def hbtool(self, *args, ns="attacker", check=True):
        if not os.access(self.hbtool_path, os.X_OK):
            raise LabError("%s is missing" % self.hbtool_path)
        return run(["ip", "netns", "exec", self.ns[ns], self.hbtool_path] + list(args), check=check)

    def frames(self, *args, ns="attacker", timeout=30):
        """frames.py (AF_PACKET capture/send) inside a namespace."""
        return run(["ip", "netns", "exec", self.ns[ns], PYTHON, os.path.join(HERE, "frames.py")] + list(args),
                   timeout=timeout)
