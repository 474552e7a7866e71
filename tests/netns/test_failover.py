#!/usr/bin/env python3
"""netns: failover when the active director dies or stops.

Cases:
  power_off   the active director's eth0 and eth1 go down at once. The backup
              must hold the VIP within deadtime + 2 x interval, and the
              client's neighbour entry for the VIP (made by one ping before,
              no traffic since) must switch to the backup's MAC within 1 s
              of the takeover: the gratuitous ARP did it. Then power comes
              back and the pair settles to one active node again.
  sigterm     SIGTERM on the active tandemd: it hands the VIP to the peer,
              releases it, and exits 0.
"""

import signal
import sys
import time

import lab as L
from runner import main, ms


def case_power_off(case):
    lab = case.lab()
    t = lab.timings
    lab.start_pair()
    a = lab.wait_stable(timeout=t["initdead"] + 5)
    b = lab.peer_of(a)
    mac_a, mac_b = lab.mac(a), lab.mac(b)

    case.check(lab.ping("client", L.VIP), "the client cannot ping the VIP %s" % L.VIP)
    lladdr, state = lab.neigh("client")
    case.check(lladdr == mac_a, "client neighbour entry for the VIP is %s %s, want %s's MAC %s"
               % (lladdr, state, a, mac_a))
    time.sleep(1.0)  # let the entry age past the ARP locktime; the client stays silent from here on

    limit = t["deadtime"] + 2 * t["interval"]
    t0 = time.monotonic()
    lab.power_off(a)
    t_take = t_neigh = None
    deadline = t0 + limit + 3.0
    while time.monotonic() < deadline and (t_take is None or t_neigh is None):
        now = time.monotonic()
        if t_take is None and lab.has_address(b):
            t_take = now
        if t_neigh is None and lab.neigh("client")[0] == mac_b:
            t_neigh = now
        time.sleep(0.005)
    case.check(t_take is not None, "%s never got the VIP within %s of the power-off" % (b, ms(limit + 3.0)))
    case.note("%s took the VIP %s after %s lost power (limit %s)" % (b, ms(t_take - t0), a, ms(limit)))
    case.check(t_take - t0 <= limit, "takeover took %s, more than deadtime + 2 x interval = %s"
               % (ms(t_take - t0), ms(limit)))
    st = lab.status(b)
    case.check(st["role"] == "active" and lab.held_in_status(st),
               "%s has the VIP but reports role %s, held %s" % (b, st["role"], lab.held_in_status(st)))
    case.check(st["peer"]["alive"] is False, "%s still reports the peer alive" % b)

    case.check(t_neigh is not None, "the client's neighbour entry never moved to %s's MAC %s: now %s"
               % (b, mac_b, lab.neigh("client")))
    # Both are polled in one loop (about every 5 ms): the entry can be seen to
    # move in the round before the address is seen, so clamp at zero.
    case.note("client neighbour entry moved to %s's MAC %s after the takeover"
              % (b, ms(max(0.0, t_neigh - t_take))))
    case.check(t_neigh - t_take <= 1.0, "neighbour entry moved %s after the takeover, limit 1000 ms"
               % ms(t_neigh - t_take))
    case.check(lab.ping("client", L.VIP), "the client cannot ping the VIP after the takeover")

    # Power returns: the pair must settle on one active node again.
    lab.power_on(a)
    t1 = time.monotonic()
    active = lab.wait_stable(timeout=5.0)
    case.note("power back on %s: settled with %s active after %s" % (a, active, ms(time.monotonic() - t1)))


def case_sigterm(case):
    lab = case.lab()
    t = lab.timings
    lab.start_pair()
    a = lab.wait_stable(timeout=t["initdead"] + 5)
    b = lab.peer_of(a)
    lab.start_services()
    probe = lab.start_probe()
    time.sleep(1.0)

    t0 = time.monotonic()
    lab.send_signal(a, signal.SIGTERM)
    _, took = L.wait_until(lambda: lab.has_address(b), 5.0, step=0.005)
    case.check(lab.has_address(b), "%s did not get the VIP within 5 s of SIGTERM to %s" % (b, a))
    case.note("VIP on %s %s after SIGTERM to %s" % (b, ms(took), a))
    try:
        rc = lab.daemons[a].proc.wait(timeout=10)
    except Exception:
        rc = None
    exit_after = time.monotonic() - t0
    time.sleep(1.0)
    r = L.analyse_probes(probe.stop())

    case.check(rc == 0, "tandemd %s exit status %s after SIGTERM (want 0)" % (a, rc))
    case.note("%s exited 0 after %s" % (a, ms(exit_after)))
    case.check(not lab.has_address(a), "%s still has the VIP after exiting" % a)
    st = lab.status(b)
    case.check(st["role"] == "active" and lab.held_in_status(st),
               "%s reports role %s, held %s" % (b, st["role"], lab.held_in_status(st)))
    case.note("client: %d probes, %d failed, longest gap %s, answered by %s"
              % (r["attempts"], r["failed"], ms(r["longest_gap"]), "->".join(r["nodes"])))
    case.check(r["nodes"] and r["nodes"][-1] == b, "the client is not reaching %s at the end: %s" % (b, r["nodes"]))


if __name__ == "__main__":
    sys.exit(main([case_power_off, case_sigterm], "netns failover"))
