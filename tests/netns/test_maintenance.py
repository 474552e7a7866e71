#!/usr/bin/env python3
"""netns: real server maintenance (tandemctl drain|disable|enable) on both
directors, in an in-memory IPVS table (this kernel has no IPVS; the vm tier
drains real connections, tests/vm/test_maintenance.py).

One virtual server on the VIP with two real servers and no health check,
so both are in service at weight 1 until an operator says otherwise.

Cases:
  peers     drain on the active director: weight 0 there at once, and on
            the backup within a few heartbeats (the state crosses in
            heartbeats); disable on the backup: the server leaves both
            tables; status shows the mode, who set it and when; enable
            puts both back on both; bad names are refused with the reason
            and change nothing.
  restart   the state survives a restart of one director (its file), of
            both, and a director that lost its file learns the state from
            its peer.
"""

import os
import time

import lab as L
from runner import main, ms

REAL1 = "10.77.0.51"
REAL2 = "10.77.0.52"
VS = "%s:%d" % (L.VIP, L.SERVICE_PORT)
SERVICE = "TCP %s:%d" % (L.VIP, L.SERVICE_PORT)


def extra():
    return """
[[virtual_server]]
address = "%s"

[[virtual_server.real]]
address = "%s"

[[virtual_server.real]]
address = "%s"
""" % (VS, REAL1, REAL2)


def start(case):
    lab = case.lab()
    for node in L.NODES:
        lab.extra_config[node] = extra()
        lab.write_config(node)
        lab.start(node, extra_args=["--ipvs-in-memory"])
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    return lab, a, lab.peer_of(a)


def dests(lab, node):
    """{address: dest} of the virtual server in node's status, or None."""
    s = lab.try_status(node)
    if not s:
        return None
    for v in s.get("virtual_servers", []):
        if v["service"] == SERVICE:
            return {d["address"]: d for d in v["dests"]}
    return None


def mode_of(d):
    return d["maintenance"]["mode"] if d and d.get("maintenance") else None


def state_is(lab, node, want):
    """want: {real: (weight or None when out of the table, mode)}."""
    ds = dests(lab, node)
    if ds is None:
        return False
    for real, (weight, mode) in want.items():
        d = ds.get("%s:%d" % (real, L.SERVICE_PORT))
        if d is None:
            return False
        if weight is None and d["in_kernel"]:
            return False
        if weight is not None and (not d["in_kernel"] or d["weight"] != weight):
            return False
        if mode_of(d) != mode:
            return False
    return True


def wait_state(case, lab, nodes, want, timeout, what):
    t0 = time.monotonic()
    ok, _ = L.wait_until(lambda: all(state_is(lab, n, want) for n in nodes), timeout)
    case.check(ok, "%s: not reached on %s within %.0f s: %r" % (
        what, ",".join(nodes), timeout, {n: dests(lab, n) for n in nodes}))
    return time.monotonic() - t0


def ctl_ok(case, lab, node, *args):
    p = lab.ctl(node, *args, timeout=20)
    case.check(p.returncode == 0, "tandemctl %s on %s: exit %d: %s" % (" ".join(args), node, p.returncode,
                                                                      p.stderr.strip()))
    return p.stdout


IN_SERVICE = {REAL1: (1, None), REAL2: (1, None)}


def case_peers(case):
    lab, a, b = start(case)
    wait_state(case, lab, (a, b), IN_SERVICE, 10, "both in service")

    out = ctl_ok(case, lab, a, "drain", VS, REAL1, "--timeout", "0")
    case.check("tcp:%s %s:%d: draining" % (VS, REAL1, L.SERVICE_PORT) in out, "drain said: %r" % out)
    here = wait_state(case, lab, (a,), {REAL1: (0, "drain"), REAL2: (1, None)}, 5, "drain on %s" % a)
    there = wait_state(case, lab, (b,), {REAL1: (0, "drain"), REAL2: (1, None)}, 10, "drain on the peer %s" % b)
    case.note("drain: %s at weight 0 on %s after %s, on its peer after %s more" % (REAL1, a, ms(here), ms(there)))
    d = dests(lab, b)["%s:%d" % (REAL1, L.SERVICE_PORT)]
    case.check(d["maintenance"]["by"] == "root@%s" % a, "who set it, on %s: %r" % (b, d["maintenance"]))
    case.check(d["maintenance"]["at"].endswith("Z"), "when: %r" % d["maintenance"])
    text = lab.ctl(b, "status").stdout
    case.check("draining by root@%s since" % a in text, "tandemctl status on %s:\n%s" % (b, text))

    # A drain waits for the connections: the in-memory table has none.
    out = ctl_ok(case, lab, a, "drain", VS, REAL1 + ":%d" % L.SERVICE_PORT, "--timeout", "5s")
    case.check("drained, no active or persistent connections left" in out, "drain --timeout said: %r" % out)

    out = ctl_ok(case, lab, b, "disable", VS, REAL2)
    case.check("disabled" in out, "disable said: %r" % out)
    both_out = {REAL1: (0, "drain"), REAL2: (None, "disable")}
    t = wait_state(case, lab, (a, b), both_out, 10, "disable on %s" % b)
    case.note("disable on the backup: out of both tables after %s" % ms(t))

    # Bad names: refused with the reason, nothing changes.
    for args, words in ((("drain", "10.0.0.1:80", REAL1), "no virtual server 10.0.0.1:80"),
                        (("disable", VS, "10.77.0.99"), "no real server 10.77.0.99"),
                        (("enable", "web", REAL1), "is not a virtual server")):
        p = lab.ctl(a, *args)
        case.check(p.returncode == 1 and words in p.stderr,
                   "tandemctl %s: exit %d, %r" % (" ".join(args), p.returncode, p.stderr))
    p = lab.ctl(a, "drain", VS)
    case.check(p.returncode == 2 and "needs a virtual server and a real server" in p.stderr,
               "drain without REAL: exit %d, %r" % (p.returncode, p.stderr))
    case.check(state_is(lab, a, both_out) and state_is(lab, b, both_out), "a refused command changed the state")

    ctl_ok(case, lab, b, "enable", VS, REAL1)
    ctl_ok(case, lab, a, "enable", VS, REAL2)
    t = wait_state(case, lab, (a, b), IN_SERVICE, 10, "enable")
    case.note("enable on both: in service on both after %s" % ms(t))
    case.check("maintenance: drain tcp:%s %s:%d by root@%s" % (VS, REAL1, L.SERVICE_PORT, a) in lab.log_text(a),
               "%s's log does not record the drain" % a)


def case_restart(case):
    lab, a, b = start(case)
    wait_state(case, lab, (a, b), IN_SERVICE, 10, "both in service")
    ctl_ok(case, lab, a, "drain", VS, REAL1, "--timeout", "0")
    ctl_ok(case, lab, a, "disable", VS, REAL2)
    held = {REAL1: (0, "drain"), REAL2: (None, "disable")}
    wait_state(case, lab, (a, b), held, 10, "the state on both")
    state_file = os.path.join(os.path.dirname(lab.socket_path(b)), "maintenance")
    case.check(os.path.exists(state_file), "no state file %s" % state_file)

    # One director restarts: its file keeps the state.
    lab.stop(b)
    lab.start(b, extra_args=["--ipvs-in-memory"])
    wait_state(case, lab, (b,), held, 15, "after %s restarted" % b)
    case.check("2 real server(s) kept from" in lab.log_text(b), "%s did not say it kept the state" % b)

    # Both restart.
    for node in (a, b):
        lab.stop(node)
    for node in (a, b):
        lab.start(node, extra_args=["--ipvs-in-memory"])
    wait_state(case, lab, (a, b), held, lab.timings["initdead"] + 10, "after both restarted")

    # A director that lost its file (a reboot empties /run) learns it from its peer.
    lab.stop(b)
    os.unlink(state_file)
    lab.start(b, extra_args=["--ipvs-in-memory"])
    t = wait_state(case, lab, (b,), held, 15, "%s without its file" % b)
    case.check("maintenance: merged the state of %s" % a in lab.log_text(b), "%s did not say it took the state from %s" % (b, a))
    case.note("a director without its file has the peer's state %s after its start" % ms(t))
    case.check(os.path.exists(state_file), "%s did not write the state it learnt" % b)


if __name__ == "__main__":
    main([case_peers, case_restart], "real server maintenance on both directors")
