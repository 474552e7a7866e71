#!/usr/bin/env python3
"""netns: a multicast heartbeat link and an IPv6 VIP announced with an
unsolicited neighbour advertisement.

Cases:
  multicast_link  the private link uses group 239.78.0.1 instead of unicast.
                  With the public link cut, the peer stays alive through the
                  multicast link alone: no failover, both report public down
                  and private up.
  ipv6_vip        an IPv6 VIP (fd77::100/64, NODAD) next to the IPv4 one. The
                  client has a neighbour entry for it; after the active node
                  loses power the backup holds it within deadtime + 2 x
                  interval and the client's entry moves to the backup's MAC
                  within 1 s, with no traffic from the client (the NA works).
"""

import sys
import time

import lab as L
from runner import main, ms

VIP6 = "fd77::100"
GROUP = "239.78.0.1"


def enable_ipv6(lab, roles):
    for role in roles:
        L.run(["ip", "netns", "exec", lab.ns[role], "sysctl", "-q", "-w",
               "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
               "net.ipv6.conf.eth0.disable_ipv6=0"])


def neigh6(lab, ns):
    p = lab.ip(ns, "-6", "-j", "neigh", "show", VIP6, "dev", "eth0", check=False)
    import json
    entries = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else []
    return entries[0].get("lladdr") if entries else None


def has_vip6(lab, node):
    p = lab.ip(node, "-6", "-o", "addr", "show", "dev", "eth0", check=False)
    return (VIP6 + "/64") in p.stdout


def case_multicast_link(case):
    lab = case.lab()
    for node in L.NODES:
        text = lab.config_text(node).replace('peer = "%s.%d"' % (L.PRIVATE_NET, L.HOST_OCTET[lab.peer_of(node)]),
                                             'group = "%s"' % GROUP)
        case.check('group = "%s"' % GROUP in text, "config rewrite failed")
        lab.write_config(node, text)
    lab.start_pair()
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    b = lab.peer_of(a)
    for node in L.NODES:
        links = {l["name"]: l for l in lab.status(node)["peer"]["links"]}
        case.check(links["private"]["up"] and links["private"]["peer"] == GROUP,
                   "%s: private multicast link not up: %s" % (node, links["private"]))
    lab.cut(a, "eth0")
    lab.cut(b, "eth0")
    time.sleep(4 * lab.timings["deadtime"])
    for node in L.NODES:
        st = lab.status(node)
        links = {l["name"]: l for l in st["peer"]["links"]}
        case.check(st["peer"]["alive"], "%s lost the peer with only the public link cut" % node)
        case.check(not links["public"]["up"] and links["private"]["up"],
                   "%s: want public down, private up: %s" % (node, links))
    case.check(lab.stable() == a, "roles changed with only the public link cut: %s" % lab.snapshot()["roles"])
    case.note("peer alive over multicast %s alone for %s; %s stayed active" % (GROUP, ms(4 * lab.timings["deadtime"]), a))


def case_ipv6_vip(case):
    lab = case.lab()
    enable_ipv6(lab, ("d1", "d2", "client"))
    lab.ip("client", "-6", "addr", "add", "fd77::50/64", "dev", "eth0", "nodad")
    lab.extra_vips = [(VIP6 + "/64", "eth0")]
    for node in L.NODES:
        lab.write_config(node)
    lab.start_pair()
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    b = lab.peer_of(a)
    case.check(L.wait_until(lambda: has_vip6(lab, a), 2)[0], "%s does not hold %s" % (a, VIP6))
    case.check(not has_vip6(lab, b), "%s holds %s too" % (b, VIP6))
    line = [l for l in lab.ip(a, "-6", "-o", "addr", "show", "dev", "eth0").stdout.splitlines() if VIP6 + "/" in l]
    case.check(line and "nodad" in line[0] and "tentative" not in line[0], "VIP6 not NODAD/usable: %s" % line)

    ping = L.run(["ip", "netns", "exec", lab.ns["client"], "ping", "-6", "-c", "1", "-W", "2", VIP6], check=False)
    case.check(ping.returncode == 0, "client cannot ping %s: %s" % (VIP6, ping.stdout + ping.stderr))
    mac_a, mac_b = lab.mac(a), lab.mac(b)
    case.check(neigh6(lab, "client") == mac_a, "client entry for %s is %s, want %s" % (VIP6, neigh6(lab, "client"), mac_a))
    time.sleep(1.0)

    limit = lab.timings["deadtime"] + 2 * lab.timings["interval"]
    t0 = time.monotonic()
    lab.power_off(a)
    t_take = t_neigh = None
    while time.monotonic() < t0 + limit + 3 and (t_take is None or t_neigh is None):
        now = time.monotonic()
        if t_take is None and has_vip6(lab, b):
            t_take = now
        if t_neigh is None and neigh6(lab, "client") == mac_b:
            t_neigh = now
        time.sleep(0.005)
    case.check(t_take is not None, "%s never took %s" % (b, VIP6))
    case.check(t_take - t0 <= limit, "IPv6 takeover took %s, limit %s" % (ms(t_take - t0), ms(limit)))
    case.check(t_neigh is not None, "client's entry for %s never moved to %s (%s)" % (VIP6, mac_b, neigh6(lab, "client")))
    case.check(t_neigh - t_take <= 1.0, "entry moved %s after takeover, limit 1 s" % ms(t_neigh - t_take))
    case.note("%s took %s after %s; client entry moved %s after the takeover"
              % (b, VIP6, ms(t_take - t0), ms(max(0.0, t_neigh - t_take))))


if __name__ == "__main__":
    sys.exit(main([case_multicast_link, case_ipv6_vip], "netns multicast link and IPv6 VIP"))
