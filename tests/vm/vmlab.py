"""IPVS helpers for the vm tier, on top of the netns lab (tests/netns/lab.py).

Inside the guest every namespace has its own IPVS table, so the netns lab's
two directors program two tables. This module adds:

- virtual server specs (VirtualServer, Real) and their tandem.toml text;
- the table a spec list should produce, the table `ipvsadm -Ln` shows in a
  director's namespace, and the table `tandemctl status --json` reports, all
  in one comparable form (Table) with a readable difference;
- real server namespaces on br0 set up for direct routing (the VIP on lo as
  /32, arp_ignore=1, arp_announce=2) running tcpmsg.py's echo server;
- the sync daemons from `ipvsadm -L --daemon`;
- tandemd's "ipvs: NEW/SET/DEL ..." log lines after a mark.
- for health checks: real server namespaces running a small HTTP server that
  can be killed, hung and restarted, [virtual_server.check] config text, the
  table read from /proc without starting a process, and a guest stall meter.

The addresses: real servers are 10.77.0.11, .12, ... on br0 (and fd77::11,
... when a case asks for IPv6); the VIP is lab.VIP (10.77.0.100).
"""

import ipaddress
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NETNS = os.path.join(os.path.dirname(HERE), "netns")
if NETNS not in sys.path:
    sys.path.insert(0, NETNS)

import lab as labmod  # noqa: E402
import runner  # noqa: E402

VIP = labmod.VIP
VIP6 = "fd77::100"
VS_PORT = 80
PUBLIC6 = "fd77::"

# Heartbeat timings for the vm tier: the guest's CPU is emulated (TCG), so
# they are looser than the netns tier's (seconds).
VM_TIMINGS = {"interval": 0.2, "deadtime": 1.0, "warntime": 0.6, "initdead": 2.0}

# How often tandemd reads the kernel table back and repairs drift (seconds,
# daemon/director.cpp).
RECONCILE_PERIOD = 5.0

FORWARD_WORDS = {"Masq": "nat", "Route": "dr", "Tunnel": "tun", "Local": "local"}


def real_octet(name):
    """r1 -> 11, r2 -> 12, ..."""
    return 10 + int(name[1:])


def real_ip(name, v6=False):
    return "%s%d" % (PUBLIC6, real_octet(name)) if v6 else "%s.%d" % (labmod.PUBLIC_NET, real_octet(name))


# ---- the comparable table --------------------------------------------------

def endpoint(address, port):
    """("10.0.0.1", 80) -> "10.0.0.1:80"; IPv6 in brackets, compressed."""
    ip = ipaddress.ip_address(address)
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip.compressed, port)


def split_endpoint(text):
    """"10.0.0.1:80" / "[fd77::1]:80" -> (ip_address, port)."""
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    else:
        addr, _, port = text.rpartition(":")
    return ipaddress.ip_address(addr), int(port)


def norm_endpoint(text):
    ip, port = split_endpoint(text)
    return endpoint(str(ip), port)


def service_name(protocol=None, address=None, port=None, fwmark=None, v6=False):
    """The name tandem uses: "TCP 10.77.0.100:80", "TCP [fd77::100]:80",
    "FWM 7", "FWM 7 (IPv6)"."""
    if fwmark:
        return "FWM %d%s" % (fwmark, " (IPv6)" if v6 else "")
    return "%s %s" % (protocol.upper(), endpoint(address, port))


def norm_service(text):
    """Normalises a tandem service name (address spelling)."""
    proto, _, rest = text.partition(" ")
    if proto == "FWM":
        return text
    return "%s %s" % (proto, norm_endpoint(rest))


class Dest:
    def __init__(self, forwarding, weight, active=0, inactive=0):
        self.forwarding = forwarding
        self.weight = weight
        self.active = active
        self.inactive = inactive

    def __eq__(self, other):
        return (self.forwarding, self.weight) == (other.forwarding, other.weight)

    def __repr__(self):
        return "%s w%d" % (self.forwarding, self.weight)


class Service:
    def __init__(self, scheduler, persistent=None, dests=None):
        self.scheduler = scheduler
        self.persistent = persistent  # seconds, or None; None in status views (not shown there)
        self.dests = dests or {}      # endpoint text -> Dest


class Table(dict):
    """service name -> Service."""

    def lines(self):
        out = []
        for name in sorted(self):
            s = self[name]
            out.append("%s %s%s" % (name, s.scheduler, " persistent %d" % s.persistent if s.persistent else ""))
            for d in sorted(s.dests):
                out.append("  -> %s %s" % (d, s.dests[d]))
        return out

    def __str__(self):
        return "; ".join(self.lines()) or "(empty)"

    def without(self, names):
        return Table({k: v for k, v in self.items() if k not in set(names)})


def differences(want, have, *, persistence=True, want_label="config", have_label="kernel"):
    """Readable differences between two Tables (empty list: equal).

    Compares services, scheduler, persistence (when both know it and
    persistence is True), destinations, forwarding and weight."""
    out = []
    for name in sorted(set(want) | set(have)):
        if name not in have:
            out.append("%s: in %s only" % (name, want_label))
            continue
        if name not in want:
            out.append("%s: in %s only" % (name, have_label))
            continue
        w, h = want[name], have[name]
        if w.scheduler != h.scheduler:
            out.append("%s: scheduler %s in %s, %s in %s" % (name, w.scheduler, want_label, h.scheduler, have_label))
        if persistence and w.persistent is not None and h.persistent is not None and w.persistent != h.persistent:
            out.append("%s: persistent %s in %s, %s in %s" % (name, w.persistent, want_label, h.persistent,
                                                              have_label))
        for d in sorted(set(w.dests) | set(h.dests)):
            if d not in h.dests:
                out.append("%s -> %s: in %s only" % (name, d, want_label))
            elif d not in w.dests:
                out.append("%s -> %s: in %s only" % (name, d, have_label))
            elif w.dests[d] != h.dests[d]:
                out.append("%s -> %s: %s in %s, %s in %s" % (name, d, w.dests[d], want_label, h.dests[d],
                                                            have_label))
    return out


# ---- virtual server specs and their configuration ---------------------------

class Real:
    def __init__(self, address, weight=1, port=None, forwarding=None):
        self.address = address          # IP address text
        self.weight = weight
        self.port = port                # None: the virtual server's port
        self.forwarding = forwarding    # None: the virtual server's

    def toml(self):
        ip = ipaddress.ip_address(self.address)
        if self.port is None:
            addr = ip.compressed
        else:
            addr = endpoint(self.address, self.port)
        lines = ["[[virtual_server.real]]", 'address = "%s"' % addr, "weight = %d" % self.weight]
        if self.forwarding:
            lines.append('forwarding = "%s"' % self.forwarding)
        return lines


class VirtualServer:
    def __init__(self, address=None, port=VS_PORT, fwmark=None, v6=False, protocol="tcp", scheduler="wlc",
                 forwarding="dr", persistence=0, reals=()):
        self.address = address
        self.port = port
        self.fwmark = fwmark
        self.v6 = v6 if fwmark else (address is not None and ipaddress.ip_address(address).version == 6)
        self.protocol = protocol
        self.scheduler = scheduler
        self.forwarding = forwarding
        self.persistence = persistence  # seconds
        self.reals = list(reals)

    @property
    def name(self):
        return service_name(self.protocol, self.address, self.port, self.fwmark, self.v6)

    def toml(self):
        lines = ["[[virtual_server]]"]
        if self.fwmark:
            lines.append("fwmark = %d" % self.fwmark)
            if self.v6:
                lines.append('family = "ipv6"')
        else:
            lines.append('address = "%s"' % endpoint(self.address, self.port))
            lines.append('protocol = "%s"' % self.protocol)
        lines += ['scheduler = "%s"' % self.scheduler, 'forwarding = "%s"' % self.forwarding,
                  'persistence = "%ds"' % self.persistence]
        for r in self.reals:
            lines += [""] + r.toml()
        return "\n".join(lines) + "\n"

    def expected(self):
        dests = {}
        for r in self.reals:
            port = r.port if r.port is not None else (0 if self.fwmark else self.port)
            dests[endpoint(r.address, port)] = Dest(r.forwarding or self.forwarding, r.weight)
        return Service(self.scheduler, self.persistence, dests)


def expected_table(vss):
    return Table({vs.name: vs.expected() for vs in vss})


def sync_toml(interface="eth1", syncid=7):
    return "[sync]\ninterface = \"%s\"\nsyncid = %d\n" % (interface, syncid)


def ipvs_config_text(vss, sync=None):
    parts = [vs.toml() for vs in vss]
    if sync:
        parts.append(sync)
    return "\n".join(parts)


def write_ipvs_configs(lab, vss, sync=None, nodes=labmod.NODES):
    """Both directors' tandem.toml: the lab's config plus the virtual servers."""
    for node in nodes:
        lab.write_config(node, lab.config_text(node) + "\n" + ipvs_config_text(vss, sync))


# ---- the kernel's view: ipvsadm ----------------------------------------------

def ipvsadm(lab, node, *args, check=True):
    return labmod.run(["ip", "netns", "exec", lab.ns[node], "ipvsadm"] + list(args), check=check, timeout=60)


_SVC = re.compile(r"^(TCP|UDP|SCTP)\s+(\S+)\s+(\S+)(.*)$")
_FWM = re.compile(r"^FWM\s+(\d+)\s+(IPv6\s+)?(\S+)(.*)$")
_DEST = re.compile(r"^\s+->\s+(\S+)\s+(\w+)\s+(-?\d+)\s+(\d+)\s+(\d+)")


def parse_ipvsadm(text, proc=False):
    """`ipvsadm -Ln` output -> Table (dests carry ActiveConn/InActConn).
    With proc, the same from /proc/net/ip_vs (hex addresses, ports, marks)."""
    endpoint_of = _proc_endpoint if proc else norm_endpoint
    table = Table()
    current = None
    for line in text.splitlines():
        m = _DEST.match(line)
        if m and current is not None:
            if m.group(1).startswith("RemoteAddress"):
                continue
            fwd = FORWARD_WORDS.get(m.group(2), m.group(2))
            current.dests[endpoint_of(m.group(1))] = Dest(fwd, int(m.group(3)), int(m.group(4)), int(m.group(5)))
            continue
        m = _SVC.match(line)
        if m and m.group(2) != "LocalAddress:Port":
            name = "%s %s" % (m.group(1), endpoint_of(m.group(2)))
            sched, rest = m.group(3), m.group(4)
        elif proc:
            m = _PFWM.match(line)
            if not m:
                continue
            name = service_name(fwmark=int(m.group(1), 16), v6="IPv6" in m.group(3))
            sched, rest = m.group(2), m.group(3)
        else:
            m = _FWM.match(line)
            if not m:
                continue
            name = service_name(fwmark=int(m.group(1)), v6=bool(m.group(2)))
            sched, rest = m.group(3), m.group(4)
        pm = re.search(r"persistent (\d+)", rest)
        current = Service(sched, int(pm.group(1)) if pm else 0)
        table[name] = current
    return table


def kernel_table(lab, node):
    return parse_ipvsadm(ipvsadm(lab, node, "-Ln").stdout)


def _seconds(text):
    """A tandem duration ("300s", "1500ms", "5m") -> whole seconds."""
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", text)
    factor = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[m.group(2)]
    return int(int(m.group(1)) * factor)


def toml_table(doc):
    """The [[virtual_server]] tables of a parsed tandem.toml -> Table (the
    defaults tandem applies: wlc, dr, weight 1, the virtual server's port)."""
    table = Table()
    for vs in doc.get("virtual_server", []):
        if "fwmark" in vs:
            name = service_name(fwmark=vs["fwmark"], v6=vs.get("family") == "ipv6")
            port = 0
        else:
            ip, port = split_endpoint(vs["address"])
            name = service_name(vs.get("protocol", "tcp"), str(ip), port)
        persistent = _seconds(vs["persistence"]) if "persistence" in vs else 0
        service = Service(vs.get("scheduler", "wlc"), persistent)
        for r in vs.get("real", []):
            addr = r["address"]
            try:
                rip, rport = split_endpoint(addr)
            except ValueError:
                rip, rport = ipaddress.ip_address(addr), port
            service.dests[endpoint(str(rip), rport)] = Dest(r.get("forwarding", vs.get("forwarding", "dr")),
                                                            r.get("weight", 1))
        table[name] = service
    return table


def imported_table(lab, node):
    """The round trip: `ipvsadm-save -n` of the director's kernel table, fed
    to `tandemctl import ipvsadm - --services-only` -> (Table, exit code,
    stderr). Exit 3 is expected: every virtual server lacks a check."""
    import tomllib
    saved = labmod.run(["ip", "netns", "exec", lab.ns[node], "ipvsadm-save", "-n"], timeout=60).stdout
    p = subprocess.run([lab.tandemctl, "import", "ipvsadm", "-", "--services-only"], input=saved,
                       capture_output=True, text=True, timeout=60)
    if p.returncode not in (0, 3):
        return None, p.returncode, p.stderr
    return toml_table(tomllib.loads(p.stdout)), p.returncode, p.stderr


def status_table(status):
    """tandemctl status --json -> Table of what tandem reports in the kernel.

    A virtual server or destination with in_kernel false is left out, so the
    result compares with the kernel's table."""
    table = Table()
    for vs in status.get("virtual_servers", []):
        if not vs.get("in_kernel"):
            continue
        s = Service(vs["scheduler"], None)
        for d in vs.get("dests", []):
            if not d.get("in_kernel"):
                continue
            s.dests[norm_endpoint(d["address"])] = Dest(d["forwarding"], int(d["weight"]),
                                                         int(d.get("active_conns", 0)),
                                                         int(d.get("inactive_conns", 0)))
        table[norm_service(vs["service"])] = s
    return table


def status_configured(status):
    """What tandem's status says the config wants (configured_weight)."""
    table = Table()
    for vs in status.get("virtual_servers", []):
        s = Service(vs["scheduler"], None)
        for d in vs.get("dests", []):
            s.dests[norm_endpoint(d["address"])] = Dest(d["forwarding"], int(d["configured_weight"]))
        table[norm_service(vs["service"])] = s
    return table


def wait_table(lab, node, want, timeout, step=0.1, ignore=()):
    """Waits until the node's kernel table (less the services in `ignore`)
    equals `want`; returns (ok, elapsed, last table seen)."""
    seen = {}

    def same():
        t = kernel_table(lab, node)
        seen["t"] = t
        return not differences(want, t.without(ignore))

    ok, elapsed = labmod.wait_until(same, timeout, step=step)
    return bool(ok), elapsed, seen.get("t")


def sync_daemons(lab, node):
    """`ipvsadm -L --daemon` -> [(state, interface, syncid)]."""
    out = ipvsadm(lab, node, "-L", "--daemon").stdout
    found = []
    for line in out.splitlines():
        m = re.match(r"^(master|backup) sync daemon \(mcast=(\S+?), syncid=(\d+)", line.strip())
        if m:
            found.append((m.group(1), m.group(2), int(m.group(3))))
    return sorted(found)


# ---- tandemd's log -------------------------------------------------------------

_OP = re.compile(r"ipvs: ((?:NEW|SET|DEL) (?:service|dest) .*)$")


class LogMark:
    """A position in a daemon's log; ops() lists the IPVS operations logged
    after it ("NEW dest 10.77.0.13:80 dr weight 1 in TCP 10.77.0.100:80")."""

    def __init__(self, lab, node):
        self.path = lab.log_path(node)
        try:
            self.offset = os.path.getsize(self.path)
        except OSError:
            self.offset = 0

    def text(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.offset)
                return f.read()
        except OSError:
            return ""

    def ops(self):
        out = []
        for line in self.text().splitlines():
            m = _OP.search(line)
            if m:
                out.append(m.group(1).strip())
        return out

    def lines_with(self, pattern):
        return [line for line in self.text().splitlines() if re.search(pattern, line)]


# ---- real servers ----------------------------------------------------------------

def add_real_servers(lab, names, port=VS_PORT, vips=(VIP,), v6=False):
    """Real server namespaces on br0 for direct routing, each running the
    tcpmsg.py echo server on `port` (answers carry the real server's name).

    Each gets 10.77.0.(10+n)/24 on eth0 (and fd77::(10+n)/64 with v6), the
    VIPs on lo as /32 (/128), arp_ignore=1 and arp_announce=2. The namespaces
    are removed with the lab."""
    for name in names:
        add_real_host(lab, name, vips=vips, v6=v6)
        start_echo_server(lab, name, port)


def start_echo_server(lab, name, port):
    """tcpmsg.py's line echo server on `port` in the namespace `name`
    (answers carry its name); stopped with the lab."""
    proc = lab.ns_exec(name, [labmod.PYTHON, os.path.join(HERE, "tcpmsg.py"), "serve", "--port", str(port),
                              "--name", name], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lab.helpers.append(proc)
    line = proc.stdout.readline()
    if "listening" not in line:
        raise labmod.LabError("echo server on %s did not start: %r" % (name, line))


def hold_connections(lab, address, port, count, timeout=10.0):
    """Opens `count` idle TCP connections from the client; returns
    (process, [real server of each]). Closing the process's stdin (or
    SIGTERM) closes them."""
    proc = lab.ns_exec("client", [labmod.PYTHON, os.path.join(HERE, "tcpmsg.py"), "hold", "--addr", address,
                                  "--port", str(port), "--count", str(count), "--timeout", str(timeout)],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lab.helpers.append(proc)
    line = proc.stdout.readline()
    try:
        info = json.loads(line)
    except ValueError:
        raise labmod.LabError("hold: unexpected output %r" % line)
    if "error" in info:
        raise labmod.LabError("hold: %s (connections so far went to %s)" % (info["error"], info["nodes"]))
    return proc, info["nodes"]


class Chat:
    """tcpmsg.py chat in the client namespace: `count` connections; stop()
    returns their results (a list, see tcpmsg.py)."""

    def __init__(self, lab, address, port, every=0.1, count=1):
        self.out = os.path.join(lab.dir, "chat-%d.json" % len(lab.helpers))
        self.proc = lab.ns_exec("client", [labmod.PYTHON, os.path.join(HERE, "tcpmsg.py"), "chat", "--addr",
                                           address, "--port", str(port), "--count", str(count), "--every",
                                           str(every), "--out", self.out],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lab.helpers.append(self.proc)
        line = self.proc.stdout.readline()
        if "chatting" not in line:
            raise labmod.LabError("chat did not connect: %r" % line)
        self.result = None

    def stop(self, timeout=10):
        if self.result is not None:
            return self.result
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        with open(self.out) as f:
            self.result = json.load(f)
        return self.result


def gaps(times):
    """Longest interval between consecutive times: (gap, from, to)."""
    best = (0.0, None, None)
    for a, b in zip(times, times[1:]):
        if b - a > best[0]:
            best = (b - a, a, b)
    return best


# ---- a lab for IPVS cases --------------------------------------------------------

def ipvs_lab(case, **kw):
    """A netns lab inside the guest with the vm tier's timings."""
    if not os.environ.get("TANDEM_VM") and not os.path.exists("/proc/net/ip_vs"):
        raise labmod.LabError("this kernel has no IPVS: run through tests/vm/run.sh")
    timings = dict(VM_TIMINGS)
    timings.update(kw.pop("timings", {}) or {})
    return case.lab(timings=timings, **kw)


def both_settled(lab, want, timeout=30.0):
    """Waits for the pair to settle and both kernel tables to equal `want`.
    Returns the active node; raises runner.Failure with the differences."""
    for node in labmod.NODES:
        ok, _, seen = wait_table(lab, node, want, timeout)
        if not ok:
            raise runner.Failure("%s's table never matched the config within %.0fs: %s"
                                 % (node, timeout, "; ".join(differences(want, seen or Table()))))
    return lab.wait_stable(timeout=timeout)


def monotonic():
    return time.monotonic()


# ---- health checks: HTTP real servers, check configs, fast table reads -----------

def add_real_host(lab, name, vips=(VIP,), v6=False):
    """A real server namespace for direct routing with nothing running in it
    (add_real_servers starts the echo server; or start an HttpServer there):
    10.77.0.(10+n)/24 on eth0
    (and fd77::(10+n)/64 with v6), the VIPs on lo, arp_ignore=1 and
    arp_announce=2, in one `ip -batch`. Removed with the lab."""
    ns = lab.prefix + name
    labmod.run(["ip", "netns", "del", ns], check=False)
    lab.ns[name] = ns
    labmod.run(["ip", "netns", "add", ns])
    lab._created.append(ns)  # the lab deletes it on close()
    sysctls = ["net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
               "net.ipv4.conf.default.arp_ignore=1", "net.ipv4.conf.default.arp_announce=2"]
    if not v6:
        sysctls += ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]
    labmod.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w"] + sysctls)
    port = lab.lan_port(name, "eth0")
    labmod.run(["ip", "-n", lab.ns["lan"], "-batch", "-"], input="\n".join([
        "link add %s type veth peer name eth0 netns %s" % (port, ns),
        "link set %s master br0" % port,
        "link set %s up" % port,
    ]) + "\n")
    cmds = ["link set lo up", "addr add %s.%d/24 dev eth0" % (labmod.PUBLIC_NET, real_octet(name)),
            "link set eth0 up"]
    if v6:
        cmds.append("addr add %s/64 dev eth0 nodad" % real_ip(name, v6=True))
    for vip in vips:
        cmds.append("addr add %s/%d dev lo" % (vip, 128 if ":" in vip else 32))
    lab.ip_batch(name, cmds)


# A minimal HTTP/1.0 server, quick to start under emulation (no imports
# beyond the basics): answers every request with 200 and BODY (a line).
# SIGUSR1 makes it hang (accept connections, never read or answer them),
# SIGUSR2 makes it answer again. Mode "flap:P" answers 200 for P seconds,
# then 503 "Out of order" for P seconds, and so on, from the moment it
# prints "listening START" (START: its time.monotonic()).
# argv: port body mode(ok|hang|flap:P).
HTTP_SERVER = r'''
import signal, socket, sys, threading, time
port, text, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
state = {"mode": mode}
period = float(mode.split(":")[1]) if mode.startswith("flap:") else 0.0
held = []
def hang(*_):
    state["mode"] = "hang"
def answer(*_):
    state["mode"] = "ok"
    while held:
        held.pop().close()
signal.signal(signal.SIGUSR1, hang)
signal.signal(signal.SIGUSR2, answer)
def response(status, line):
    body = (line + "\n").encode()
    return (("HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
             % (status, len(body))).encode() + body)
up = response("200 OK", text)
down = response("503 Service Unavailable", "Out of order")
def handle(c):
    try:
        c.settimeout(10)
        buf = b""
        while b"\r\n\r\n" not in buf and len(buf) < 65536:
            data = c.recv(4096)
            if not data:
                break
            buf += data
        flapped_down = period > 0 and int((time.monotonic() - start) / period) % 2 == 1
        c.sendall(down if flapped_down else up)
    except OSError:
        pass
    finally:
        c.close()
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", port))
srv.listen(128)
start = time.monotonic()
print("listening %.6f" % start, flush=True)
while True:
    c, _ = srv.accept()
    if state["mode"] == "hang":
        held.append(c)
        if len(held) > 500:
            held.pop(0).close()
        continue
    threading.Thread(target=handle, args=(c,), daemon=True).start()
'''


class HttpServer:
    """HTTP_SERVER in a real server's namespace, to start, kill, hang and
    restart. `since` is the monotonic time of the last change (ready after a
    start, the moment of a kill or of the signal)."""

    def __init__(self, lab, name, port=VS_PORT, body=None):
        self.lab = lab
        self.name = name
        self.port = port
        self.body = body if body is not None else "Working Fine %s" % name
        self.proc = None
        self.since = None

    def _spawn(self, mode):
        self.proc = self.lab.ns_exec(self.name, [labmod.PYTHON, "-I", "-S", "-c", HTTP_SERVER, str(self.port),
                                                 self.body, mode],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lab.helpers.append(self.proc)

    def _ready(self):
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            raise labmod.LabError("the HTTP server on %s did not start: %r %s" % (self.name, line, err.strip()))
        self.started_at = float(line.split()[1])  # the server's own clock: a flap's phase
        self.since = time.monotonic()
        return self.since

    def start(self, mode="ok"):
        if self.running():
            raise labmod.LabError("the HTTP server on %s is already running" % self.name)
        self._spawn(mode)
        return self._ready()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: from then on a connection is refused."""
        self.proc.kill()
        self.since = time.monotonic()
        self.proc.wait()
        return self.since

    def hang(self):
        self.proc.send_signal(signal.SIGUSR1)
        self.since = time.monotonic()
        return self.since

    def answer(self):
        self.proc.send_signal(signal.SIGUSR2)
        self.since = time.monotonic()
        return self.since


def start_http_servers(lab, names, port=VS_PORT, body_of=None):
    """{name: HttpServer} started in each of the real server namespaces
    (body_of(name): the page, default "Working Fine NAME"); started together
    so the interpreters' start-up overlaps."""
    servers = {name: HttpServer(lab, name, port, body_of(name) if body_of else None) for name in names}
    for s in servers.values():
        s._spawn("ok")
    for s in servers.values():
        s._ready()
    return servers


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(toml_value(v) for v in value)
    return json.dumps(str(value))


def checked_vs_toml(vs, check, **keys):
    """VirtualServer.toml() with more virtual server keys (fallback,
    on_failure, ...) and a [virtual_server.check] table (a dict) before its
    first real server."""
    text = vs.toml()
    head, sep, reals = text.partition("\n\n[[virtual_server.real]]")
    lines = [head] + ["%s = %s" % (k, toml_value(v)) for k, v in keys.items()]
    lines += ["", "[virtual_server.check]"] + ["%s = %s" % (k, toml_value(v)) for k, v in check.items()]
    return "\n".join(lines) + "\n" + (sep + reals if sep else "")


def dest_weight(lab, node, service, dest):
    """The weight `ipvsadm -Ln` shows in the node's namespace for one
    destination ("TCP 10.77.0.100:80", "10.77.0.11:80"), None when the
    service or the destination is not in the table."""
    s = kernel_table(lab, node).get(norm_service(service))
    d = s.dests.get(norm_endpoint(dest)) if s else None
    return d.weight if d else None


def _proc_endpoint(text):
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    else:
        raw, _, port = text.partition(":")
        addr = str(ipaddress.IPv4Address(int(raw, 16)))
    return endpoint(addr, int(port, 16))


_PFWM = re.compile(r"^FWM\s+([0-9A-Fa-f]+)\s+(\S+)(.*)$")


def proc_table(lab, node):
    """The node's IPVS table read from /proc/PID/net/ip_vs of its tandemd
    (same kernel table as `ipvsadm -Ln`, without starting a process: a
    poll costs microseconds instead of the 0.1-0.5 s of an ipvsadm under
    emulation). Falls back to ipvsadm when the daemon is not running."""
    d = lab.daemons.get(node)
    if d is not None and d.running():
        try:
            with open("/proc/%d/net/ip_vs" % d.pid) as f:
                return parse_ipvsadm(f.read(), proc=True)
        except OSError:
            pass
    return kernel_table(lab, node)


def wait_nodes(lab, predicate, timeout, since=None, nodes=labmod.NODES, step=0.02):
    """Polls predicate(node, proc_table(node)) on every node until it has
    held once on each, or `timeout` seconds after `since` (a monotonic time;
    default now). Returns ({node: seconds from `since` until it first held,
    or None}, {node: the last table seen})."""
    since = time.monotonic() if since is None else since
    first = {n: None for n in nodes}
    seen = {}
    while True:
        for n in nodes:
            if first[n] is not None:
                continue
            try:
                t = proc_table(lab, n)
            except Exception:  # noqa: BLE001 - a read racing a daemon's exit counts as not yet
                continue
            seen[n] = t
            if predicate(n, t):
                first[n] = time.monotonic() - since
        if all(v is not None for v in first.values()) or time.monotonic() - since >= timeout:
            return first, seen
        time.sleep(step)


class StallMeter:
    """How long the guest kept this process from running on time.

    A thread sleeps `tick` seconds at a time and records how late each
    wake-up was beyond `slack`. Under emulation on a loaded host the guest's
    vCPUs lose whole time slices, and every timer in the guest (a daemon's
    check schedule too) is late by about as much; stalled(t0, t1) adds up
    that lateness between two monotonic times, so a bound on a reaction time
    can allow for it and a report can show it."""

    def __init__(self, tick=0.02, slack=0.03):
        self.tick = tick
        self.slack = slack
        self.events = []  # (woke at, seconds late beyond slack)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            before = time.monotonic()
            time.sleep(self.tick)
            now = time.monotonic()
            late = now - before - self.tick - self.slack
            if late > 0:
                self.events.append((now, late))

    def stalled(self, t0, t1=None):
        t1 = time.monotonic() if t1 is None else t1
        return sum(late for at, late in list(self.events) if t0 <= at <= t1)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=1)
