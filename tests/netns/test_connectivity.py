#!/usr/bin/env python3
"""netns: the director that can serve holds the VIP ([[track]], carrier).

Both directors run at interval 50 ms and deadtime 200 ms, the client
answers pings (it plays the gateway of the public LAN).

  carrier      the active director's public NIC loses carrier (the switch
               side of its veth goes down) while the private heartbeat link
               stays up: the backup takes the VIP at once, long before any
               deadtime, and the client reaches it again within 100 ms.
               When the NIC comes back nothing moves (auto_failback off).
  gateway      both track the gateway with ping (interval 100 ms, fall 2);
               the active director's public port leaves the bridge, so its
               NIC keeps carrier: the backup takes over within fall x
               interval + timeout, plus one interval.
  both_lose_gateway  the gateway leaves the bridge: both lose it, the VIP
               stays where it is.
  lossy_gateway  the gateway drops 20% of the pings (nftables in its
               namespace); both track it with fall 6 at 100 ms: no handover
               in 60 s.
  script       a track script (execve, no shell) starts failing on the
               active director: it hands over, make-before-break.
  peer_dies    the backup's own track is down, then the active director
               loses power (both links): the backup takes the VIP all the
               same.
"""

import os
import re
import sys
import time

import lab as L
from runner import main, ms

TIMINGS = {"interval": 0.050, "deadtime": 0.200, "warntime": 0.150, "initdead": 1.0}
GATEWAY = "%s.%d" % (L.PUBLIC_NET, L.HOST_OCTET["client"])


def ping_track(interval="100ms", timeout="80ms", fall=2, rise=2):
    return ('[[track]]\nname = "gateway"\ntype = "ping"\naddress = "%s"\ninterface = "eth0"\n'
            'interval = "%s"\ntimeout = "%s"\nfall = %d\nrise = %d\n' % (GATEWAY, interval, timeout, fall, rise))


def script_track(flag):
    # Fails while the flag file exists: /usr/bin/test ! -e FLAG.
    return ('[[track]]\nname = "uplink"\ntype = "script"\ncommand = ["/usr/bin/test", "!", "-e", "%s"]\n'
            'interval = "100ms"\ntimeout = "90ms"\nfall = 2\nrise = 2\n' % flag)


def setup(case, tracks=lambda lab, node: ""):
    lab = case.lab(timings=TIMINGS)
    for node in L.NODES:
        lab.write_config(node, lab.config_text(node) + "\n" + tracks(lab, node))
    lab.start_pair()
    a = lab.wait_stable(timeout=TIMINGS["initdead"] + 5)
    return lab, a, lab.peer_of(a)


def setup_script(case):
    """A pair with a script track each; the flag file that makes a node's
    script fail, by node."""
    flags = {}

    def tracks(lab, node):
        flags[node] = os.path.join(lab.node_dir(node), "track-fails")
        return script_track(flags[node])

    lab, a, b = setup(case, tracks)
    return lab, a, b, flags


def wait_vip(case, lab, node, timeout, what):
    t0 = time.monotonic()
    ok, took = L.wait_until(lambda: lab.has_address(node), timeout, step=0.002)
    case.check(ok, "%s did not take the VIP within %s of %s" % (node, ms(timeout), what))
    return took


def steady(case, lab, active, seconds):
    """`active` keeps the VIP alone for `seconds`."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        holders = lab.vip_holders()
        case.check(holders == [active], "the VIP moved: held by %s, expected %s" % (holders, active))
        time.sleep(0.02)


def case_carrier(case):
    lab, a, b = setup(case)
    lab.start_services()
    probe = lab.start_probe()
    time.sleep(1.0)
    t_cut = time.monotonic()
    lab.ip("lan", "link", "set", lab.lan_port(a, "eth0"), "down")
    took = wait_vip(case, lab, b, 2.0, "the carrier loss on %s" % a)
    case.note("VIP on %s %s after %s lost carrier" % (b, ms(took), a))
    case.check(took < TIMINGS["deadtime"], "the takeover took %s, not under deadtime %s"
               % (ms(took), ms(TIMINGS["deadtime"])))
    time.sleep(1.0)
    r = L.analyse_probes(probe.stop(), t_from=t_cut - 0.5)
    case.note("client: %d probes, %d failed, longest gap %s, answered by %s"
              % (r["attempts"], r["failed"], ms(r["longest_gap"]), "->".join(r["nodes"])))
    case.check(r["longest_gap"] < 0.100, "the client's longest gap was %s (bound 100 ms)" % ms(r["longest_gap"]))
    case.check(r["nodes"] and r["nodes"][-1] == b, "the client does not reach %s: %s" % (b, r["nodes"]))
    case.check("hands over to %s" % b in lab.log_text(a), "%s did not log why it handed over" % a)
    st = lab.status(a)
    case.check(not st["carrier"], "%s's status does not show the lost carrier" % a)
    # The NIC comes back: no flap.
    lab.ip("lan", "link", "set", lab.lan_port(a, "eth0"), "up")
    steady(case, lab, b, 3.0)
    case.check(lab.status(a)["carrier"], "%s's carrier did not come back in its status" % a)


def case_gateway(case):
    lab, a, b = setup(case, lambda lab, node: ping_track())
    st = lab.status(a)
    case.check(st["tracks"] and st["tracks"][0]["up"], "the gateway track is not up: %s" % st["tracks"])
    case.check(st["fitness"] == 1 and st["peer_fitness"] == 1, "fitness %s / peer %s, want 1 / 1"
               % (st["fitness"], st["peer_fitness"]))
    lab.cut(a, "eth0")
    bound = 2 * 0.100 + 0.080 + 0.100
    took = wait_vip(case, lab, b, 3.0, "cutting %s's public port" % a)
    case.note("VIP on %s %s after %s's public port left the bridge (bound %s)" % (b, ms(took), a, ms(bound)))
    case.check(took <= bound + 0.05, "took %s, bound fall x interval + timeout + interval = %s" % (ms(took), ms(bound)))
    # Make-before-break: it lets go once the peer has announced itself.
    ok, _ = L.wait_until(lambda: not lab.has_address(a), 2.0)
    case.check(ok, "%s still holds the VIP 2 s after %s took it" % (a, b))
    log = lab.log_text(a)
    case.check("%s hands over to %s: track gateway (ping %s from eth0) down after 2 failures" % (a, b, GATEWAY)
               in log, "the handover reason is not logged: %s" % lab.log_tail(a, 8))
    st = lab.status(a)
    case.check(st["role"] == "backup" and "track gateway" in st["status_line"],
               "the status line does not say why: %s" % st["status_line"])


def case_both_lose_gateway(case):
    lab, a, b = setup(case, lambda lab, node: ping_track())
    lab.cut("client", "eth0")
    time.sleep(0.5)
    for n in (a, b):
        st = lab.status(n)
        case.check(st["fitness"] == 0, "%s fitness %s after the gateway left" % (n, st["fitness"]))
    steady(case, lab, a, 3.0)


def case_lossy_gateway(case):
    lab, a, b = setup(case, lambda lab, node: ping_track(fall=6))
    ns = lab.ns["client"]
    for rule in (["add", "table", "inet", "loss"],
                 ["add", "chain", "inet", "loss", "in", "{ type filter hook input priority 0; }"],
                 ["add", "rule", "inet", "loss", "in", "meta", "l4proto", "icmp", "numgen", "random", "mod", "5",
                  "==", "0", "counter", "drop"]):
        L.run(["ip", "netns", "exec", ns, "nft"] + rule)
    steady(case, lab, a, 60.0)
    out = L.run(["ip", "netns", "exec", ns, "nft", "list", "chain", "inet", "loss", "in"]).stdout
    dropped = re.search(r"counter packets (\d+)", out)
    case.note("60 s behind 20%% loss: %s echo requests dropped, no handover" % (dropped.group(1) if dropped else "?"))
    for n in (a, b):
        case.check(lab.status(n)["tracks"][0]["up"], "%s's gateway track is down" % n)


def case_script(case):
    lab, a, b, flags = setup_script(case)
    lab.start_services()
    probe = lab.start_probe()
    time.sleep(0.5)
    open(flags[a], "w").close()
    took = wait_vip(case, lab, b, 3.0, "the track script failing on %s" % a)
    case.note("VIP on %s %s after %s's track script began failing" % (b, ms(took), a))
    time.sleep(0.5)
    r = L.analyse_probes(probe.stop())
    case.note("client: %d probes, %d failed, longest gap %s" % (r["attempts"], r["failed"], ms(r["longest_gap"])))
    case.check(r["failed"] == 0, "%d requests failed during a make-before-break handover"
               " (%d of them reset at the client's move to the new holder): %s"
               % (r["failed"], r["at_switch"], r["failures"]))
    ok, _ = L.wait_until(lambda: not lab.has_address(a), 2.0)
    case.check(ok, "%s still holds the VIP" % a)
    st = lab.status(a)
    case.check(st["fitness"] == 0 and not st["tracks"][0]["up"], "status: fitness %s, tracks %s"
               % (st["fitness"], st["tracks"]))


def case_peer_dies(case):
    lab, a, b, flags = setup_script(case)
    open(flags[b], "w").close()
    ok, _ = L.wait_until(lambda: lab.status(b)["fitness"] == 0, 3.0)
    case.check(ok, "%s's track did not go down" % b)
    steady(case, lab, a, 0.5)
    lab.power_off(a)
    took = wait_vip(case, lab, b, 3.0, "%s losing power" % a)
    case.note("%s took the VIP %s after %s died, with its own track down" % (b, ms(took), a))


if __name__ == "__main__":
    sys.exit(main([case_carrier, case_gateway, case_both_lose_gateway, case_lossy_gateway, case_script,
                   case_peer_dies],
                  "netns connectivity"))
