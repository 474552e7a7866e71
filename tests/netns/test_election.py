#!/usr/bin/env python3
"""netns: exactly one director holds the VIP.

Cases:
  one_holder      both started together: one active, one backup, and only
                  the active one has the VIP (kernel addresses and status
                  agree), sampled for 3 seconds.
  staggered_start d1 alone becomes active after initdead; d2 started later
                  joins as backup and the VIP stays where it is.
"""

import sys
import time

import lab as L
from runner import main, ms


def sample_one_holder(case, lab, seconds):
    """Samples for `seconds`: exactly one active (status), the other backup,
    VIP held by it alone in status and in the kernel. Returns (samples, active)."""
    end = time.monotonic() + seconds
    samples = 0
    first_active = None
    while time.monotonic() < end:
        snap = lab.snapshot()
        roles, held, kernel = snap["roles"], snap["held"], snap["kernel"]
        actives = [n for n in L.NODES if roles[n] == "active"]
        case.check(len(actives) == 1, "sample %d: roles %s (want exactly one active)" % (samples, roles))
        a = actives[0]
        first_active = first_active or a
        case.check(a == first_active, "sample %d: active moved from %s to %s" % (samples, first_active, a))
        b = lab.peer_of(a)
        case.check(roles[b] == "backup", "sample %d: roles %s (want the other one backup)" % (samples, roles))
        case.check(kernel == [a], "sample %d: VIP %s in the kernel on %s, active is %s" % (samples, L.VIP, kernel, a))
        case.check(held[a] is True and held[b] is False,
                   "sample %d: status vips[].held %s, active is %s" % (samples, held, a))
        for n in L.NODES:
            st = snap["status"][n]
            case.check(st["peer"]["alive"] is True, "sample %d: %s reports peer not alive" % (samples, n))
            case.check(st["peer"]["role"] == roles[lab.peer_of(n)],
                       "sample %d: %s sees peer role %r, peer reports %r"
                       % (samples, n, st["peer"]["role"], roles[lab.peer_of(n)]))
        samples += 1
        time.sleep(0.05)
    return samples, first_active


def case_one_holder(case):
    lab = case.lab()
    t0 = time.monotonic()
    lab.start_pair()
    active = lab.wait_stable(timeout=lab.timings["initdead"] + 5, passive=("backup",))
    case.note("settled with %s active after %s" % (active, ms(time.monotonic() - t0)))
    samples, _ = sample_one_holder(case, lab, 3.0)
    case.note("%d samples over 3 s: one active, one backup, VIP only on %s" % (samples, active))
    case.check(active == "d1", "the preferred node d1 should win a simultaneous start, %s did" % active)


def case_staggered_start(case):
    lab = case.lab()
    t0 = time.monotonic()
    lab.start("d1")
    st, took = L.wait_until(lambda: (s := lab.status("d1"))["role"] == "active" and s, 5.0)
    case.check(st, "d1 alone did not become active within 5 s (role %s)"
               % (lab.try_status("d1") or {}).get("role"))
    case.note("d1 alone active after %s (initdead %s)" % (ms(took), ms(lab.timings["initdead"])))
    case.check(took >= lab.timings["initdead"] - 0.05,
               "d1 became active after %s, before initdead %s" % (ms(took), ms(lab.timings["initdead"])))
    case.check(lab.vip_holders() == ["d1"], "VIP on %s, expected d1" % lab.vip_holders())
    lab.start("d2")
    active = lab.wait_stable(timeout=lab.timings["initdead"] + 5, passive=("backup",))
    case.check(active == "d1", "after d2 joined, %s is active (want d1 to keep the VIP)" % active)
    samples, _ = sample_one_holder(case, lab, 2.0)
    case.note("d2 joined as backup; %d samples over 2 s with the VIP only on d1" % samples)


if __name__ == "__main__":
    sys.exit(main([case_one_holder, case_staggered_start], "netns election"))
