#!/usr/bin/env python3
"""The tandem demo (run by scripts/demo.sh inside the vm): two directors
balancing HTTP over two real servers with IPVS, a real server failing, the
active director losing power while a client keeps asking, and a planned
switchover back to it.

    tests/vm/run.sh -- python3 tests/vm/demo_lab.py --build build
    tests/vm/run.sh -- python3 tests/vm/demo_lab.py --build build --nat

By default the real servers answer the client themselves (direct routing,
examples/lab/, tests/vm/livelab.py); with --nat they sit on a network of
their own behind the directors, whose floating gateway carries their answers
back (examples/lab-nat/, tests/vm/natlab.py).
"""

import argparse
import os
import sys
import textwrap
import time

import livelab
import natlab
from livelab import labmod, REALS, VIP

STEP = [0]


def heading(title):
    STEP[0] += 1
    print()
    print("=== %d. %s" % (STEP[0], title), flush=True)


def say(text):
    print(textwrap.fill(text, width=78), flush=True)


def show(label, text):
    print("--- %s" % label)
    for line in text.rstrip().splitlines():
        print("    " + line)
    sys.stdout.flush()


def requests(live, count=10):
    """Makes `count` requests and prints who answered each; returns
    {page text: count}."""
    answers = live.get(count)
    tally = {}
    for i, a in enumerate(answers, 1):
        text = a["server"] if a["ok"] else "no answer (%s)" % a["error"]
        tally[text] = tally.get(text, 0) + 1
        print("    request %2d: %s" % (i, text))
    print("    " + ", ".join("%d x %s" % (n, t) for t, n in sorted(tally.items())), flush=True)
    return tally


def fail(text):
    print()
    print("demo: " + text, flush=True)
    return 1


def demo(build, nat=False):
    """The scenario on the DR lab (livelab), or with `nat` on the NAT lab
    (natlab)."""
    lab = natlab if nat else livelab
    check = lab.example_check()
    timings = lab.example_timings()
    vips = "the VIP and the gateway" if nat else "the VIP"
    heading("The setup")
    if nat:
        say("Two load-balancer directors, d1 and d2, two web servers, r1 and r2, and "
            "a client, each in its own network namespace inside this virtual machine "
            "(its kernel has IPVS, the Linux load balancer). The client and the "
            "directors share the public network 10.77.0.0/24; the directors also "
            "share a private link (10.78.0.0/24) for their heartbeats and the server "
            "network 10.79.0.0/24, where r1 and r2 are, and nowhere else. The active "
            "director holds two addresses: %s (the VIP) that the client uses, and "
            "%s, the web servers' default gateway. IPVS on it spreads the requests "
            "over r1 and r2 by NAT: it rewrites each request's destination to a web "
            "server, whose answer comes back through the gateway and is rewritten on "
            "its way to the client. Both directors run tandemd with the configuration "
            "in examples/lab-nat/ (d1.toml, d2.toml; the key in examples/lab/authkeys)."
            % (VIP, natlab.GATEWAY))
    else:
        say("Two load-balancer directors, d1 and d2, two web servers, r1 and r2, and "
            "a client, each in its own network namespace inside this virtual machine "
            "(its kernel has IPVS, the Linux load balancer). Everyone shares the public "
            "network 10.77.0.0/24; the directors also share a private link "
            "(10.78.0.0/24) for their heartbeats. The active director holds the "
            "address %s (the VIP) that the client uses, and IPVS on it spreads "
            "the requests over r1 and r2 by direct routing: r1 and r2 answer the "
            "client themselves. Both directors run tandemd with the configuration in "
            "examples/lab/ (d1.toml, d2.toml, authkeys)." % VIP)
    t0 = time.monotonic()
    live = natlab.NatLab(build) if nat else livelab.LiveLab(build)
    try:
        text = live.config_text("d1")
        if nat:
            show("the addresses that move, in examples/lab-nat/d1.toml",
                 text[text.index("[[vip]]"):text.index("[garp]")])
            show("ip route on r1", labmod.run(["ip", "-n", live.lab.ns["r1"], "route"]).stdout)
        show("the load-balancing part of examples/%s/d1.toml" % ("lab-nat" if nat else "lab"),
             text[text.index("[[virtual_server]]"):])

        heading("Start tandemd on both directors")
        say("They hear each other on both links and elect one active director (the "
            "preferred one, d1)%s; the other waits as backup. Both program the same "
            "IPVS table and both check the web servers every %gs."
            % (", which takes the VIP and the gateway" if nat else "", check["interval"]))
        active = live.start()
        backup = live.lab.peer_of(active)
        for node in (active, backup):
            show("tandemctl status on %s" % node, live.status_text(node))
        for node in (active, backup):
            show("ipvsadm -Ln on %s" % node, live.ipvsadm(node))

        heading("The client asks http://%s/ ten times" % VIP)
        say("Each request is a new connection; the wlc scheduler sends each to the "
            "server with the fewest connections, so they take turns:")
        tally = requests(live)
        if len([t for t in tally if t.startswith("I am")]) != 2:
            return fail("expected answers from both web servers")

        heading("Web server r1 fails")
        say("Its web server is killed. Both directors' checks fail on it; after "
            "%d failures in a row (one check every %gs, each allowed %gs) its weight "
            "goes to 0, so IPVS sends it no new connections."
            % (check["fall"], check["interval"], check["timeout"]))
        since = live.stop_server("r1")
        first = live.wait_weights(lambda w: w.get("r1") == 0, since, 20.0)
        if None in first.values():
            return fail("r1's weight did not drop to 0 on both directors within 20 s")
        print("    r1's weight is 0 on d1 after %.1f s and on d2 after %.1f s" % (first["d1"], first["d2"]))
        show("ipvsadm -Ln on %s" % active, live.ipvsadm(active))
        say("The client asks ten times again; r2 answers every request:")
        tally = requests(live)
        if set(tally) != {"I am real server 2"}:
            return fail("expected every answer from r2")

        heading("The checker process on %s dies" % active)
        st = live.lab.status(active)
        pid = st["checker"]["pid"]
        say("tandemd is two processes: the HA engine (heartbeats, VIPs, the state "
            "machine) and a checker child (health checks, the IPVS table), so that "
            "no check or table read delays a heartbeat. %s's checker is pid %d; it "
            "is killed with SIGKILL. The engine restarts it; the new one takes the "
            "weights from the kernel table, so r1 stays at 0 and the VIP stays." % (active, pid))
        os.kill(pid, 9)
        t_kill = time.monotonic()
        while time.monotonic() - t_kill < 3.0:
            w = live.weights(active)
            if w.get("r1") != 0 or w.get("r2") != 1:
                return fail("a weight changed after the checker was killed: %s" % w)
            time.sleep(0.05)
        st = live.lab.status(active)
        print("    3 s later: r1 and r2 still at weights 0 and 1 on %s, role %s, checker pid %s, restarted %d "
              "time(s) (%s)" % (active, st["role"], st["checker"]["pid"], st["checker"]["restarts"],
                                st["checker"]["last_exit"]))
        hb = st["engine"]["heartbeat_interval_ms"]
        print("    %s's heartbeats over the last minute: every %.0f ms (p99 %.0f ms, max %.0f ms)"
              % (active, hb["p50"], hb["p99"], hb["max"]))

        heading("Web server r1 comes back")
        say("After %d good checks in a row its weight returns to 1." % check["rise"])
        since = live.start_server("r1")
        first = live.wait_weights(lambda w: w.get("r1") == 1, since, 20.0)
        if None in first.values():
            return fail("r1's weight did not return to 1 on both directors within 20 s")
        print("    r1's weight is 1 on d1 after %.1f s and on d2 after %.1f s" % (first["d1"], first["d2"]))

        heading("Pull the plug on %s, the active director" % active)
        if nat:
            say("The client now sends a request every 10 ms (each one waits at most "
                "0.25 s for its answer). Then all three of %s's network "
                "links go down at once, as if it lost power. %s stops hearing "
                "heartbeats; after %gs of silence on both heartbeat links it declares "
                "%s dead, takes the VIP and the gateway and sends gratuitous ARP on "
                "both networks, so the client and the web servers send to it. Its "
                "IPVS table is already programmed, so it serves at once."
                % (active, backup, timings["deadtime"], active))
        else:
            say("The client now sends a request every 10 ms (each one waits at most "
                "0.25 s for its answer). Then both of %s's network "
                "links go down at once, as if it lost power. %s stops hearing "
                "heartbeats; after %gs of silence on both links it declares %s dead, "
                "takes the VIP and sends gratuitous ARP so the client sends to it. Its "
                "IPVS table is already programmed, so it serves at once."
                % (active, backup, timings["deadtime"], active))
        addresses = (VIP, natlab.GATEWAY) if nat else (VIP,)
        probe = live.start_probe(every=0.01, timeout=0.25)
        time.sleep(1.5)
        live.lab.power_off(active)
        cut = time.monotonic()  # every link is down
        moved, took = labmod.wait_until(lambda: all(live.holders(a) == [backup] for a in addresses)
                                        if nat else live.holders() == [backup], 10.0, step=0.01)
        if not moved:
            probe.stop()
            return fail("%s did not take %s within 10 s" % (backup, vips))
        print("    %s holds %s %.2f s after %s's links went down" % (backup, " and ".join(addresses), took, active))
        time.sleep(2.5)
        result = livelab.outage(probe.stop(), t_from=cut - 1.5)
        print("    the client made %d requests in the last %.1f s: %d answered, %d failed"
              % (result["requests"], time.monotonic() - cut + 1.5, result["ok"], result["failed"]))
        if result["gap_to"] is None or result["gap_to"] < cut:
            return fail("the client got no answer after %s's links went down" % active)
        print("    longest time without an answer: %.2f s (answers resumed %.2f s after the links went down)"
              % (result["longest_gap"], result["gap_to"] - cut))
        if result["errors"]:
            print("    the failures: %s" % "; ".join(result["errors"]))
        show("tandemctl status on %s" % backup, live.status_text(backup))
        show("ipvsadm -Ln on %s" % backup, live.ipvsadm(backup))
        if nat:
            say("The client asks ten times; the answers come back through %s, the web "
                "servers' gateway now (wlc also counts the connections cut short by the "
                "power loss, so one web server may take every request for a while):" % backup)
        else:
            say("The client asks ten times; both web servers answer through %s:" % backup)
        requests(live)

        heading("Power comes back to %s" % active)
        say("Its links return. It hears that %s is active and becomes backup: %s "
            "where %s (auto_failback = false)." % (backup, "the VIP and the gateway stay" if nat
                                                   else "the VIP stays", "they are" if nat else "it is"))
        live.lab.power_on(active)
        since = time.monotonic()
        settled, took = labmod.wait_until(lambda: live.lab.stable(), 15.0, step=0.1)
        if settled != backup:
            return fail("the pair did not settle with %s active within 15 s" % backup)
        print("    %s is backup %.1f s after its links came back" % (active, took))
        if nat:
            held = live.all_holders()
            if any(nodes != [backup] for nodes in held.values()):
                return fail("the addresses are not all on %s alone: %s" % (backup, held))
            print("    %s and %s are on %s alone" % (VIP, natlab.GATEWAY, backup))
        say("Its checks of r1 and r2 failed while its links were down; after %d good "
            "checks in a row each is up again:" % check["rise"])
        first = live.wait_weights(lambda w: w == {"r1": 1, "r2": 1}, since, 20.0)
        if first[active] is None:
            return fail("r1 and r2 did not come back up on %s within 20 s" % active)
        print("    r1 and r2 have weight 1 on %s %.1f s after its links came back" % (active, first[active]))
        for node in (backup, active):
            show("tandemctl status on %s" % node, live.status_text(node))

        heading("A planned switchover back to %s" % active)
        if nat:
            say("`tandemctl standby` on %s hands the addresses back to %s while the client "
                "keeps sending a request every 10 ms: %s adds and announces them, then %s "
                "removes its own (NAT services go over at once; a request in flight at "
                "that moment may be cut)." % (backup, active, active, backup))
        else:
            say("`tandemctl standby` on %s hands the VIP back to %s while the client keeps "
                "sending a request every 10 ms. It goes in stages: %s adds the VIP without "
                "announcing it, %s sends its new connections to %s for 3 s (so none is "
                "opened on one director and continued on the other), then %s announces the "
                "VIP and %s lets go." % (backup, active, active, backup, active, active, backup))
        probe = live.start_probe(every=0.01, timeout=0.25)
        time.sleep(1.0)
        begun = time.monotonic()
        p = live.lab.ctl(backup, "standby", timeout=10)
        print("    tandemctl standby on %s: %s" % (backup, (p.stdout + p.stderr).strip()))
        moved, took = labmod.wait_until(lambda: all(live.holders(a) == [active] for a in addresses), 15.0,
                                        step=0.01)
        if not moved:
            probe.stop()
            return fail("%s did not take the VIP back within 15 s" % active)
        print("    %s holds %s alone %.2f s after the command" % (active, " and ".join(addresses),
                                                                  time.monotonic() - begun))
        time.sleep(1.0)
        result = livelab.outage(probe.stop(), t_from=begun - 1.0)
        print("    the client made %d requests meanwhile: %d answered, %d failed; longest time without an "
              "answer %.0f ms" % (result["requests"], result["ok"], result["failed"], result["longest_gap"] * 1000))
        if result["errors"]:
            print("    the failures: %s" % "; ".join(result["errors"]))
        for node in (active, backup):
            print("    %s: %s" % (node, live.lab.status(node)["status_line"]))

        if not nat:
            heading("%s's public NIC loses carrier" % active)
            say("The switch side of %s's public NIC goes down while its private link "
                "stays up, so %s keeps hearing its heartbeats. %s learns of the lost "
                "carrier from the kernel at once, gives up the VIP and says so in its "
                "next heartbeat over the private link; %s takes over without waiting "
                "for deadtime." % (active, backup, active, backup))
            probe = live.start_probe(every=0.01, timeout=0.25)
            time.sleep(1.0)
            port = live.lab.lan_port(active, "eth0")
            live.lab.ip("lan", "link", "set", port, "down")
            cut = time.monotonic()
            moved, took = labmod.wait_until(lambda: live.holders() == [backup], 10.0, step=0.005)
            if not moved:
                probe.stop()
                return fail("%s did not take the VIP within 10 s of %s's carrier loss" % (backup, active))
            print("    %s holds the VIP %.0f ms after %s lost carrier" % (backup, took * 1000, active))
            time.sleep(1.0)
            result = livelab.outage(probe.stop(), t_from=cut - 1.0)
            print("    the client made %d requests meanwhile: %d answered, %d failed; longest time without an "
                  "answer %.0f ms" % (result["requests"], result["ok"], result["failed"],
                                      result["longest_gap"] * 1000))
            for line in live.lab.log_text(active).splitlines():
                if "hands over to" in line:
                    print("    %s logged: %s" % (active, line.lstrip("<0123456789>")))
            for node in (active, backup):
                print("    %s: %s" % (node, live.lab.status(node)["status_line"]))
            live.lab.ip("lan", "link", "set", port, "up")
            say("The carrier comes back: nothing moves (auto_failback = false).")
            time.sleep(2.0)
            for node in (active, backup):
                print("    %s: %s" % (node, live.lab.status(node)["status_line"]))

        heading("Clean up")
        for node in (backup, active):  # the backup first: nothing to hand over
            print("    tandemd on %s stopped (exit status %s)" % (node, live.lab.stop(node)))
        print("    removing the namespaces; the demo took %.0f s" % (time.monotonic() - t0))
        return 0
    finally:
        live.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--nat", action="store_true",
                    help="the NAT variant (examples/lab-nat/): real servers behind the directors' floating gateway")
    args = ap.parse_args()
    if not os.environ.get("TANDEM_VM"):
        print("demo_lab.py runs inside the vm: tests/vm/run.sh -- python3 tests/vm/demo_lab.py --build %s%s"
              % (args.build, " --nat" if args.nat else ""), file=sys.stderr)
        return 2
    return demo(args.build, nat=args.nat)


if __name__ == "__main__":
    sys.exit(main())
