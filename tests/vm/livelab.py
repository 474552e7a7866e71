"""The live lab: the example pair of directors (examples/lab/) with two DR
real servers and a client, inside the vm. scripts/demo.sh shows it
(tests/vm/demo_lab.py) and tests/vm/test_lab.py tests it.

    client 10.77.0.50 ---+--- br0, public 10.77.0.0/24 ---+--- r1 10.77.0.11
                         |                                 +--- r2 10.77.0.12
           d1 eth0 10.77.0.1                   d2 eth0 10.77.0.2
           d1 eth1 10.78.0.1 --- br1, private --- d2 eth1 10.78.0.2

The directors run tandemd with examples/lab/d1.toml and d2.toml unchanged
but for the authkeys path (a mode-600 copy of examples/lab/authkeys in the
lab's directory). The real servers hold the VIP on lo (direct routing) and
run a small HTTP server on port 80 whose page names it: "I am real server 1".
The client's requests go to http://10.77.0.100/.

    live = LiveLab("build")   # namespaces, real servers, configs; nothing runs yet
    live.start()              # tandemd on both directors; returns the active one
    live.get(10)              # ten requests from the client
    live.stop_server("r1"); live.start_server("r1")
    probe = live.start_probe(); ...; probe.stop()  # a request every 10 ms
    live.close()

Another example with the same network (examples/lab-active-active/, two
VIPs): LiveLab("build", examples=DIR, vips=(VIP, VIP2)) puts every VIP on
the real servers' lo; get(), start_probe(), weights(), health() and
wait_reals() take the VIP or service to use.

Every process start is slow under emulation (the first python3 takes
seconds), so requests are made in batches by one client process.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import vmlab  # noqa: E402
from vmlab import labmod, runner  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(REPO, "examples", "lab")
VIP = labmod.VIP
VIP2 = labmod.VIP2  # examples/lab-active-active's second VIP (group mail)
PORT = 80
SERVICE = "TCP %s:%d" % (VIP, PORT)
REALS = ("r1", "r2")
NODES = labmod.NODES


def dest(real, ip_of=vmlab.real_ip):
    """"r1" -> "10.77.0.11:80", the destination as the IPVS table names it."""
    return "%s:%d" % (ip_of(real), PORT)


def real_of(address, ip_of=vmlab.real_ip):
    """"10.77.0.11:80" or "10.77.0.11" -> "r1" (None if not a real server);
    ip_of: the real servers' addresses (the NAT lab's differ)."""
    ip = address.rsplit(":", 1)[0] if address.count(".") == 3 and ":" in address else address
    for r in REALS:
        if ip_of(r) == ip:
            return r
    return None


def service_of(vip):
    """"10.77.0.101" -> "TCP 10.77.0.101:80", a VIP's service in the examples."""
    return "TCP %s:%d" % (vip, PORT)


def table_dests(table, field="weight", ip_of=vmlab.real_ip, service=SERVICE):
    """{real: the destination's `field`} of the example's service (or
    `service`) in a vmlab.Table."""
    s = table.get(service)
    return {real_of(d, ip_of): getattr(v, field) for d, v in s.dests.items()} if s else {}


def table_weights(table, ip_of=vmlab.real_ip, service=SERVICE):
    """{real: weight} of the example's service (or `service`) in a vmlab.Table."""
    return table_dests(table, "weight", ip_of, service)


def example_config(node, examples=EXAMPLES):
    with open(os.path.join(examples, "%s.toml" % node)) as f:
        return f.read()


def _seconds(text, key, default=None):
    """A `key = "Nms"|"Ns"` value in seconds; `default` when the key is not
    there (an imported configuration may leave tandem's defaults out)."""
    m = re.search(r'^%s\s*=\s*"(\d+)(ms|s)"' % key, text, re.M)
    if not m:
        if default is None:
            raise KeyError("%s is not in the configuration" % key)
        return default
    return int(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)


# tandem's defaults (tandem.toml(5)) for what an example may leave out.
CHECK_DEFAULTS = {"interval": 1.0, "timeout": 0.5, "rise": 2, "fall": 2}
TIMING_DEFAULTS = {"interval": 0.2, "deadtime": 1.0, "warntime": 0.6, "initdead": 3.0}


def example_check(examples=EXAMPLES):
    """The [virtual_server.check] numbers of the example: {"interval",
    "timeout", "rise", "fall"} in seconds and counts."""
    section = example_config("d1", examples).split("[virtual_server.check]", 1)[1].split("\n[", 1)[0]
    out = {key: _seconds(section, key, CHECK_DEFAULTS[key]) for key in ("interval", "timeout")}
    for key in ("rise", "fall"):
        m = re.search(r"^%s\s*=\s*(\d+)" % key, section, re.M)
        out[key] = int(m.group(1)) if m else CHECK_DEFAULTS[key]
    return out


def example_timings(examples=EXAMPLES):
    """The [cluster] heartbeat timings of the example, in seconds."""
    text = example_config("d1", examples)
    return {key: _seconds(text, key, TIMING_DEFAULTS[key]) for key in TIMING_DEFAULTS}


# The client: `get ADDR PORT COUNT TIMEOUT` makes COUNT requests one after
# the other and prints them as one JSON list; `probe ADDR PORT EVERY TIMEOUT
# OUT` starts a request every EVERY seconds until SIGTERM, then writes them
# to OUT. The probe's requests run side by side: each is a new connection,
# started on time whether or not the earlier ones have been answered (a
# request waiting for a dead director does not hold up the next), and each
# fails after TIMEOUT seconds. A request is {"start", "end"
# (time.monotonic()), "ok", "server" (the page's text), "error"}.
CLIENT = r'''
import errno, json, os, select, selectors, signal, socket, struct, sys, time
REQUEST = b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n"
def verdict(data):
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise OSError("bad answer %r" % data[:60])
    return body.decode().strip()
def once(addr, port, timeout):
    start = time.monotonic()
    deadline = start + timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    stage = "connect"
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.settimeout(timeout)
        s.connect((addr, port))
        stage = "request"
        s.sendall(REQUEST % addr.encode())
        data = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out")
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return {"start": start, "end": time.monotonic(), "ok": True, "server": verdict(data), "error": None}
    except (OSError, socket.timeout) as e:
        return {"start": start, "end": time.monotonic(), "ok": False, "server": None,
                "error": "%s: %s" % (stage, e.strerror or str(e) or type(e).__name__)}
    finally:
        s.close()
class Request:
    """One probe request on a non-blocking socket: connect, send, read to EOF."""
    def __init__(self, sel, addr, port, timeout):
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.stage, self.data, self.result, self.sel = "connect", b"", None, sel
        self.request = REQUEST % addr.encode()
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.s.setblocking(False)
        rc = self.s.connect_ex((addr, port))
        try:
            self.port = self.s.getsockname()[1]  # the client's port, to find the request in a capture
        except OSError:
            self.port = 0
        if rc not in (0, errno.EINPROGRESS):
            self.finish(os.strerror(rc))
        else:
            sel.register(self.s, selectors.EVENT_WRITE, self)
    lag = 0.0  # the longest the client's own loop did not run while this request was open
    def finish(self, error=None, server=None):
        self.result = {"start": self.start, "end": time.monotonic(), "ok": error is None, "server": server,
                       "error": None if error is None else "%s: %s" % (self.stage, error), "lag": self.lag,
                       "port": self.port}
        try:
            self.sel.unregister(self.s)
        except (KeyError, ValueError):
            pass
        self.s.close()
    def ready(self):
        try:
            if self.stage == "connect":
                rc = self.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if rc:
                    return self.finish(os.strerror(rc))
                self.stage = "request"
                self.s.send(self.request)  # a few dozen bytes: the send buffer takes them
                self.sel.modify(self.s, selectors.EVENT_READ, self)
                return
            chunk = self.s.recv(4096)
            if chunk:
                self.data += chunk
                return
            self.finish(server=verdict(self.data))
        except BlockingIOError:
            pass
        except OSError as e:
            self.finish(e.strerror or str(e))
    def expire(self):
        """At the deadline: what has arrived but not been read yet (the
        client's loop may have been kept from running) is read first, so a
        request is not called timed out when its whole answer is there."""
        for _ in range(64):
            if self.result is not None:
                return
            before = (self.stage, len(self.data))
            if self.stage == "connect" and not select.select([], [self.s], [], 0)[1]:
                break
            self.ready()
            if self.result is None and (self.stage, len(self.data)) == before:
                break
        if self.result is None:
            self.finish("timed out")
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "get":
    count, timeout = int(sys.argv[4]), float(sys.argv[5])
    print(json.dumps([once(addr, port, timeout) for _ in range(count)]), flush=True)
else:
    every, timeout, out = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    done, running = [], []
    print("probing", flush=True)
    nxt = time.monotonic()
    last = nxt
    while not stop or running:
        now = time.monotonic()
        # A loop normally comes round within 5-10 ms; more is the client
        # process not running (the guest busy elsewhere): every open
        # request notes it, so that its timeout can be told from the service's.
        for r in running:
            r.lag = max(r.lag, now - last)
        last = now
        if not stop and now >= nxt:
            running.append(Request(sel, addr, port, timeout))
            nxt = max(nxt + every, now)
        wait = max(0.0, min([nxt - now] + [r.deadline - now for r in running]))
        for key, _ in sel.select(min(wait, 0.005) if stop else wait):
            key.data.ready()
        now = time.monotonic()
        for r in running:
            r.lag = max(r.lag, now - last)
            if r.result is None and now >= r.deadline:
                r.expire()
        last = now
        done += [r.result for r in running if r.result is not None]
        running = [r for r in running if r.result is None]
    done.sort(key=lambda p: p["start"])
    with open(out, "w") as f:
        json.dump({"probes": done, "every": every, "timeout": timeout}, f)
'''


class Probe(labmod.Probe):
    """A client process sending a request every `every` seconds; stop()
    returns the requests made (list of dicts)."""

    def stop(self, timeout=15):
        if self.result is None:
            self.result = super().stop(timeout)["probes"]
        return self.result


LATE = 0.020  # an answer this much after the end of a gap was held up by the service


def outage(probes, t_from=None):
    """Summary of a probe's requests from `t_from` on: {"requests", "ok",
    "failed", "longest_gap" (seconds between two consecutive successful
    answers, by the time they arrived), "gap_from", "gap_to", "outage" (the
    longest such gap in which a request was started that was not answered
    within it, or only more than LATE after it: a gap in which the client
    itself paused, whose requests are all answered as it resumes, is not the
    service's), "client_pause"
    (the longest time between two request starts), "servers" (answering
    servers in order, runs collapsed), "errors" (a few)}."""
    if t_from is not None:
        probes = [p for p in probes if p["end"] >= t_from]
    ok = sorted((p for p in probes if p["ok"]), key=lambda p: p["end"])
    failed = [p for p in probes if not p["ok"]]
    longest, gap_from, gap_to, worst = 0.0, None, None, 0.0
    starts = sorted(p["start"] for p in probes)
    for a, b in zip(ok, ok[1:]):
        gap = b["end"] - a["end"]
        if gap > longest:
            longest, gap_from, gap_to = gap, a["end"], b["end"]
        if gap > worst and any(a["end"] < p["start"] < b["end"] and (not p["ok"] or p["end"] > b["end"] + LATE)
                               for p in probes):
            worst = gap
    pause = max((y - x for x, y in zip(starts, starts[1:])), default=0.0)
    servers = []
    for p in ok:
        if not servers or servers[-1] != p["server"]:
            servers.append(p["server"])
    errors = sorted(set(p["error"] for p in failed))[:5]
    return {"requests": len(probes), "ok": len(ok), "failed": len(failed), "longest_gap": longest,
            "gap_from": gap_from, "gap_to": gap_to, "outage": worst, "client_pause": pause,
            "servers": servers, "errors": errors}


class LiveLab:
    """The namespaces, the example configs, the real servers' HTTP servers
    and the client. `lab` is the underlying tests/netns/lab.py Lab (its
    daemons, status(), power_off()/power_on(), ...). A variant (natlab)
    overrides EXAMPLES, real_ip, NetLab and add_real_host. `examples`: the
    directory of another example on the same network (its d1.toml and
    d2.toml; the authkeys are examples/lab/authkeys); `vips`: the addresses
    the real servers carry on lo (default VIP)."""

    EXAMPLES = EXAMPLES
    NetLab = labmod.Lab
    real_ip = staticmethod(vmlab.real_ip)

    def __init__(self, build, verbose=False, examples=None, vips=(VIP,)):
        if not os.environ.get("TANDEM_VM") and not os.path.exists("/proc/net/ip_vs"):
            raise labmod.LabError("this kernel has no IPVS: run through tests/vm/run.sh")
        self.examples = examples or self.EXAMPLES
        self.vips = tuple(vips)
        self.lab = self.NetLab(build, timings=example_timings(self.examples), verbose=verbose)
        self.servers = {}
        try:
            self.lab.setup()
            for r in REALS:
                self.add_real_host(r)
            with open(os.path.join(EXAMPLES, "authkeys")) as f:
                keys = [k for k in f.read().splitlines() if k.strip() and not k.startswith("#")]
            for node in NODES:
                self.lab.write_authkeys(node, keys)
                self.lab.write_config(node, self.config_text(node))
            self.start_servers(REALS)
        except BaseException:
            self.lab.close()
            raise

    def add_real_host(self, name):
        vmlab.add_real_host(self.lab, name, vips=self.vips)

    def config_text(self, node):
        """The example config with the lab's authkeys path (added to
        [cluster] when the file has no authkeys key)."""
        text = example_config(node, self.examples)
        line = 'authkeys = "%s"' % self.lab.authkeys_path(node)
        if re.search(r'^authkeys\s*=', text, re.M):
            return re.sub(r'^authkeys\s*=.*$', line, text, count=1, flags=re.M)
        # An imported configuration may leave the default path out.
        return re.sub(r'^\[cluster\][^\n]*\n', lambda m: m.group(0) + line + "\n", text, count=1, flags=re.M)

    def dest(self, real):
        """"r1" -> its destination in the IPVS table ("10.77.0.11:80")."""
        return dest(real, self.real_ip)

    def check(self):
        """example_check() of this lab's example."""
        return example_check(self.examples)

    def timings(self):
        """example_timings() of this lab's example."""
        return example_timings(self.examples)

    def close(self):
        self.lab.close()

    # ---- real servers ----------------------------------------------------------

    def start_servers(self, names):
        """Starts the HTTP server ("I am real server N") on each of the real
        servers (together, so the interpreters' start-up overlaps)."""
        for name in names:
            if self.server_running(name):
                raise labmod.LabError("the HTTP server on %s is already running" % name)
        self.servers.update(vmlab.start_http_servers(self.lab, names, PORT,
                                                     body_of=lambda name: "I am real server %s" % name[1:]))
        return time.monotonic()

    def start_server(self, name):
        return self.start_servers([name])

    def stop_server(self, name):
        """Kills the real server's HTTP server (connections are refused from
        then on); returns the monotonic time of the kill."""
        return self.servers.pop(name).kill()

    def server_running(self, name):
        s = self.servers.get(name)
        return s is not None and s.running()

    # ---- directors -------------------------------------------------------------

    def start(self, timeout=40.0):
        """tandemd on both directors; waits until the pair has settled, both
        IPVS tables hold the example's service and every real server is up
        with its weight on both. Returns the active director."""
        self.lab.start_pair()
        active = self.lab.wait_stable(timeout=timeout)
        self.wait_reals(timeout)
        return active

    def reals_up(self, node, services=(SERVICE,)):
        """Every real server up, with weight 1, in each of `services` on the node."""
        return all(self.weights(node, s) == {r: 1 for r in REALS} and self.health(node, s) == {r: "up" for r in REALS}
                   for s in services)

    def wait_reals(self, timeout, services=(SERVICE,), nodes=NODES):
        """Waits until reals_up() on each of `nodes`; raises LabError after
        `timeout` seconds. Returns the seconds it took."""
        ok, took = labmod.wait_until(lambda: all(self.reals_up(n, services) for n in nodes), timeout, step=0.2)
        if not ok:
            raise labmod.LabError("the real servers did not come up on %s within %.0fs: weights %s, health %s"
                                  % (" and ".join(nodes), timeout,
                                     {n: {s: self.weights(n, s) for s in services} for n in nodes},
                                     {n: {s: self.health(n, s) for s in services} for n in nodes}))
        return took

    def weights(self, node, service=SERVICE):
        """{real: weight} in the node's IPVS table (read from /proc)."""
        return table_weights(vmlab.proc_table(self.lab, node), self.real_ip, service)

    def wait_weights(self, predicate, since, timeout):
        """Waits until predicate({real: weight}) holds on both directors or
        `timeout` seconds after `since` (monotonic) pass; returns {node:
        seconds from `since` until it first held, or None}."""
        first, _ = vmlab.wait_nodes(self.lab, lambda node, t: predicate(table_weights(t, self.real_ip)), timeout,
                                    since=since)
        return first

    def health(self, node, service=SERVICE):
        """{real: "up"/"down"/...} from the node's tandemctl status --json."""
        st = self.lab.try_status(node)
        out = {}
        for vs in (st or {}).get("virtual_servers", []):
            if vmlab.norm_service(vs["service"]) == service:
                for d in vs["dests"]:
                    out[real_of(vmlab.norm_endpoint(d["address"]), self.real_ip)] = d.get("health")
        return out

    def ipvsadm(self, node):
        p = vmlab.ipvsadm(self.lab, node, "-Ln", check=False)
        return (p.stdout + p.stderr).rstrip()

    def status_text(self, node):
        p = self.lab.ctl(node, "status")
        return p.stdout.rstrip() if p.returncode == 0 else "error: " + p.stderr.strip()

    def holders(self, address=VIP, interface="eth0"):
        """Directors that have `address` (the VIP), read from
        /proc/PID/net/fib_trie of their tandemd (microseconds, where `ip
        addr` costs 0.1-0.5 s under emulation); `ip addr` for a director
        whose daemon is not running. A director whose links are down has no
        local route for its addresses, so it holds none."""
        out = []
        for node in NODES:
            d = self.lab.daemons.get(node)
            text = None
            if d is not None and d.running():
                try:
                    with open("/proc/%d/net/fib_trie" % d.pid) as f:
                        text = f.read()
                except OSError:
                    pass
            if text is None:
                held = self.lab.has_address(node, address, interface)
            else:
                held = re.search(r"\|-- %s\n\s+/32 host LOCAL" % re.escape(address), text) is not None
            if held:
                out.append(node)
        return out

    # ---- the client --------------------------------------------------------------

    def get(self, count=1, timeout=2.0, vip=VIP):
        """`count` requests from the client to `vip`, one after the other."""
        p = labmod.run(["ip", "netns", "exec", self.lab.ns["client"], labmod.PYTHON, "-I", "-S", "-c", CLIENT, "get",
                        vip, str(PORT), str(count), str(timeout)], timeout=60 + count * timeout)
        return json.loads(p.stdout)

    def start_probe(self, every=0.01, timeout=0.5, vip=VIP):
        """A client process starting a request to `vip` every `every` seconds."""
        return self.start_probes([vip], every, timeout)[0]

    def start_probes(self, vips, every=0.01, timeout=0.5):
        """start_probe() on each of `vips`, started together (the
        interpreters' start-up overlaps); [Probe] in the order of `vips`."""
        started = []
        for vip in vips:
            out = os.path.join(self.lab.dir, "probe-%d.json" % len(self.lab.helpers))
            proc = self.lab.ns_exec("client", [labmod.PYTHON, "-I", "-S", "-c", CLIENT, "probe", vip, str(PORT),
                                               str(every), str(timeout), out],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            self.lab.helpers.append(proc)
            started.append((proc, out))
        probes = []
        for proc, out in started:
            line = proc.stdout.readline()
            if "probing" not in line:
                raise labmod.LabError("the client's probe did not start: %r" % line)
            probes.append(Probe(proc, out))
        return probes


def answered(answers):
    """The page text of each answer, or "failed: <why>"."""
    return [a["server"] if a["ok"] else "failed: %s" % a["error"] for a in answers]


def tally(got):
    """"5 from r1, 5 from r2" for a list from answered()."""
    return "%d from r1, %d from r2" % (got.count("I am real server 1"), got.count("I am real server 2"))


def real_server_outage(live, meter, require, note, allowance):
    """The tests' real server failure: r1's web server killed, its weight
    0 in both directors' tables within interval*fall + timeout + allowance
    (plus the time `meter` saw the guest stalled), r2 keeping weight 1 and
    every request going to r2; restarted, its weight back within
    interval*rise + timeout + allowance. `require(condition, message)`
    fails the test, `note(text)` reports."""
    check = live.check()

    def r1_weight(weight, changed, checks, what):
        """r1's weight `weight` on both directors within interval*checks +
        timeout + allowance of `changed` (monotonic); {node: seconds}."""
        bound = check["interval"] * checks + check["timeout"] + allowance
        first = live.wait_weights(lambda w: w.get("r1") == weight, changed, bound + 15)
        stalled = meter.stalled(changed)
        require(None not in first.values(), "r1's weight did not %s on both directors: %s" % (what, first))
        for node, took in first.items():
            require(took <= bound + stalled, "r1's weight did %s on %s after %s, bound %s (+ %s stalled)"
                    % (what, node, runner.ms(took), runner.ms(bound), runner.ms(stalled)))
        return first, bound, stalled

    first, bound, stalled = r1_weight(0, live.stop_server("r1"), check["fall"], "reach 0")
    for node in first:
        require(live.weights(node) == {"r1": 0, "r2": 1}, "%s's weights %s, expected r1 0, r2 1"
                % (node, live.weights(node)))
    got = answered(live.get(10))
    require(set(got) == {"I am real server 2"}, "with r1 down every request should reach r2: %s" % got)
    note("r1 weight 0 after d1 %s, d2 %s (bound %s, stalled %s); 10 requests: %s"
         % (runner.ms(first["d1"]), runner.ms(first["d2"]), runner.ms(bound), runner.ms(stalled), tally(got)))

    first, _, _ = r1_weight(1, live.start_server("r1"), check["rise"], "return to 1")
    note("r1 weight 1 again after d1 %s, d2 %s" % (runner.ms(first["d1"]), runner.ms(first["d2"])))
