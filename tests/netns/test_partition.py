#!/usr/bin/env python3
"""netns: link cuts and a partition.

A cut detaches a director's bridge-side veth end from its bridge: carrier
stays up on both ends, packets stop.

Cases:
  one_link_cut     cutting the private link, then (after restoring it) the
                   public link, causes no failover; while a link is cut, both
                   nodes show it down (peer.links[i].up false), the other link
                   up, and the peer alive. A restored link comes back up.
  partition_heals  both links of the active director cut: both become active.
                   After both are restored, exactly one node is active (status
                   roles, and the VIP in exactly one kernel) within 3 intervals.
"""

import sys
import time

import lab as L
from runner import main, ms


def link_view(status, name):
    for link in status["peer"]["links"]:
        if link["name"] == name:
            return link
    raise AssertionError("status has no link %r: %s" % (name, status["peer"]["links"]))


def case_one_link_cut(case):
    lab = case.lab()
    t = lab.timings
    lab.start_pair()
    a = lab.wait_stable(timeout=t["initdead"] + 5)
    iface_of = {"private": "eth1", "public": "eth0"}
    for cut_name, other in (("private", "public"), ("public", "private")):
        t0 = time.monotonic()
        lab.cut("d1", iface_of[cut_name])

        def seen_down():
            st = {n: lab.status(n) for n in L.NODES}
            return all(not link_view(st[n], cut_name)["up"] for n in L.NODES) and st

        st, took = L.wait_until(seen_down, t["warntime"] + 1.0)
        case.check(st, "%s link cut, but not both nodes report it down within %s: %s" % (
            cut_name, ms(t["warntime"] + 1.0),
            {n: (lab.try_status(n) or {}).get("peer", {}).get("links") for n in L.NODES}))
        case.note("%s cut: both nodes report it down after %s (warntime %s)"
                  % (cut_name, ms(took), ms(t["warntime"])))
        # Hold the cut well past deadtime; nothing may move.
        end = t0 + 3 * t["deadtime"] + 0.5
        samples = 0
        while time.monotonic() < end:
            snap = lab.snapshot()
            case.check(snap["roles"][a] == "active" and snap["roles"][lab.peer_of(a)] == "backup",
                       "%s link cut: roles changed to %s" % (cut_name, snap["roles"]))
            case.check(snap["kernel"] == [a], "%s link cut: VIP now on %s" % (cut_name, snap["kernel"]))
            for n in L.NODES:
                s = snap["status"][n]
                case.check(s["peer"]["alive"] is True, "%s link cut: %s reports the peer dead" % (cut_name, n))
                case.check(link_view(s, cut_name)["up"] is False,
                           "%s link cut: %s reports it up: %s" % (cut_name, n, link_view(s, cut_name)))
                case.check(link_view(s, other)["up"] is True,
                           "%s link cut: %s reports the %s link down: %s" % (cut_name, n, other, link_view(s, other)))
                case.check(link_view(s, cut_name)["local_up"] is True,
                           "%s link cut: %s reports its own interface down (carrier stays up on a cut)"
                           % (cut_name, n))
            samples += 1
            time.sleep(0.05)
        case.note("%s cut held %s: no failover, peer alive, %s link up (%d samples)"
                  % (cut_name, ms(time.monotonic() - t0), other, samples))
        lab.restore("d1", iface_of[cut_name])

        def seen_up():
            return all(link_view(lab.status(n), cut_name)["up"] for n in L.NODES)

        ok, took = L.wait_until(seen_up, 2.0)
        case.check(ok, "%s restored, but a node still reports it down after 2 s" % cut_name)
        case.note("%s restored: up again after %s" % (cut_name, ms(took)))
        case.check(lab.stable() == a, "after restoring %s, the pair is not settled with %s active" % (cut_name, a))


def case_partition_heals(case):
    lab = case.lab()
    t = lab.timings
    lab.start_pair()
    a = lab.wait_stable(timeout=t["initdead"] + 5)
    b = lab.peer_of(a)
    t0 = time.monotonic()
    lab.cut(a, "eth0", "eth1")
    both, took = L.wait_until(
        lambda: all(r == "active" for r in lab.roles().values()) and len(lab.vip_holders()) == 2, 5.0)
    case.check(both, "partition: not both active within 5 s: roles %s, VIP on %s" % (lab.roles(), lab.vip_holders()))
    case.note("partition: %s became active too after %s" % (b, ms(took)))
    time.sleep(0.5)

    limit = 3 * t["interval"]
    t1 = time.monotonic()
    lab.restore(a, "eth0", "eth1")
    t_roles = t_kernel = None
    last = None
    while time.monotonic() < t1 + 5.0:
        roles = lab.roles()
        holders = lab.vip_holders()
        now = time.monotonic()
        actives = [n for n in L.NODES if roles[n] == "active"]
        last = (roles, holders)
        if len(actives) == 1:
            t_roles = t_roles or now
        else:
            t_roles = None
        if len(holders) == 1:
            t_kernel = t_kernel or now
        else:
            t_kernel = None
        if t_roles and t_kernel and now - max(t_roles, t_kernel) > 0.3:
            break  # converged and has stayed so for a moment
        time.sleep(0.005)
    case.check(t_roles and t_kernel, "after healing, no single active node within 5 s: roles %s, VIP on %s" % last)
    winner = [n for n in L.NODES if last[0][n] == "active"][0]
    case.check(last[1] == [winner], "active is %s but the VIP is on %s" % (winner, last[1]))
    case.note("healed: one active (%s) by status after %s, VIP only on %s after %s (limit %s)"
              % (winner, ms(t_roles - t1), last[1][0], ms(t_kernel - t1), ms(limit)))
    case.check(t_roles - t1 <= limit, "status showed one active node only %s after healing, limit %s"
               % (ms(t_roles - t1), ms(limit)))
    case.check(t_kernel - t1 <= limit, "the VIP was on one node only %s after healing, limit %s"
               % (ms(t_kernel - t1), ms(limit)))
    active = lab.wait_stable(timeout=3.0)
    case.check(active == winner, "settled with %s active, %s won at first" % (active, winner))


if __name__ == "__main__":
    sys.exit(main([case_one_link_cut, case_partition_heals], "netns partition"))
