#!/usr/bin/env python3
"""netns: planned handovers lose no client request.

The client probes the TCP service on the VIP every 10 ms (a new connection
each time, which the answering director's name comes back on) for about 2 s
before and 2 s after the handover.

Cases:
  standby   `tandemctl standby` on the active node: the peer gets the VIP,
            the client sees zero failed requests and ends on the peer.
  takeover  `tandemctl takeover` on the backup: the same in the other
            direction.
"""

import sys
import time

import lab as L
from runner import main, ms

PROBE_TIMEOUT = 0.1  # seconds per request; a request to a node without the VIP never answers


def handover(case, command):
    lab = case.lab()
    lab.start_pair()
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    b = lab.peer_of(a)
    lab.start_services()
    probe = lab.start_probe(timeout=PROBE_TIMEOUT)
    time.sleep(2.0)
    on = a if command == "standby" else b
    t0 = time.monotonic()
    p = lab.ctl(on, command)
    t_cmd = time.monotonic() - t0
    moved, took = L.wait_until(lambda: lab.stable() == b, 5.0, step=0.01)
    time.sleep(2.0)
    r = L.analyse_probes(probe.stop())

    case.check(p.returncode == 0, "tandemctl %s on %s exited %d: %s" % (command, on, p.returncode, p.stderr.strip()))
    case.check(moved, "after tandemctl %s on %s the pair did not settle with %s active within 5 s: %s"
               % (command, on, b, lab.snapshot()["roles"]))
    case.note("tandemctl %s on %s returned after %s; settled with %s active after %s"
              % (command, on, ms(t_cmd), b, ms(took)))
    case.note("client: %d requests, %d failed, longest gap %s, answered by %s"
              % (r["attempts"], r["failed"], ms(r["longest_gap"]), "->".join(r["nodes"])))
    case.check(r["attempts"] >= 200, "the prober made only %d requests in ~4 s" % r["attempts"])
    case.check(r["failed"] == 0, "%d of %d client requests failed during the handover (first reasons: %s)"
               % (r["failed"], r["attempts"], r["failures"]))
    case.check(r["nodes"] == [a, b], "the client was answered by %s, want %s then %s" % (r["nodes"], a, b))


def case_standby(case):
    handover(case, "standby")


def case_takeover(case):
    handover(case, "takeover")


if __name__ == "__main__":
    sys.exit(main([case_standby, case_takeover], "netns standby"))
