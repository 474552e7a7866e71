#!/usr/bin/env python3
"""The tandem demo (run by scripts/demo.sh inside the vm): two directors
balancing HTTP over two real servers with IPVS, a real server failing, the
active director losing power while a client keeps asking, and a planned
switchover back to it; then (not with --nat) the same network with the
active/active example (examples/lab-active-active/): each director serving
one failover group's VIP, one of them losing power, and `tandemctl takeover`
moving its group back.

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
import vmlab
from livelab import labmod, NODES, REALS, VIP, VIP2

STEP = [0]
# The active/active example: two failover groups on the same network.
AA_EXAMPLES = os.path.join(livelab.REPO, "examples", "lab-active-active")
GROUPS = (("web", VIP, "d1"), ("mail", VIP2, "d2"))  # name, VIP, preferred director


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


def requests(live, count=10, vip=VIP, each=True, label=""):
    """Makes `count` requests to `vip` and prints who answered each (or with
    `each` false only the tally, after `label`); returns {page text: count}."""
    answers = live.get(count, vip=vip)
    tally = {}
    for i, a in enumerate(answers, 1):
        text = a["server"] if a["ok"] else "no answer (%s)" % a["error"]
        tally[text] = tally.get(text, 0) + 1
        if each:
            print("    request %2d: %s" % (i, text))
    print("    " + label + ", ".join("%d x %s" % (n, t) for t, n in sorted(tally.items())), flush=True)
    return tally


def group_roles(status):
    """{group: role} from a status JSON (None: no status)."""
    return {g["name"]: g["role"] for g in (status or {}).get("groups", [])}


def split(live):
    """The active/active lab as its configuration wants it: each director
    active for its own group and holding its VIP alone, backup (or standby)
    for the other's, both hearing each other."""
    st = {n: live.lab.try_status(n) for n in NODES}
    for node in NODES:
        if not st[node] or not st[node]["peer"]["alive"]:
            return False
        for name, _, preferred in GROUPS:
            wanted = ("active",) if node == preferred else ("backup", "standby")
            if group_roles(st[node]).get(name) not in wanted:
                return False
    return all(live.holders(vip) == [preferred] for _, vip, preferred in GROUPS)


def groups_part(text):
    """The [[group]] sections of a config, with the comment right above the
    first one."""
    lines = text[:text.index("\n[garp]")].splitlines()
    first = next(i for i, line in enumerate(lines) if line == "[[group]]")
    while first > 0 and lines[first - 1].startswith("#"):
        first -= 1
    return "\n".join(lines[first:])


def scrape(live, node, path="/metrics"):
    """GET http://127.0.0.1:9694PATH inside the director's namespace, or None."""
    code = ("import sys, urllib.request\n"
            "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:9694%s', timeout=5).read().decode())" % path)
    p = labmod.run(["ip", "netns", "exec", live.lab.ns[node], labmod.PYTHON, "-c", code], check=False, timeout=20)
    return p.stdout if p.returncode == 0 else None


def metrics(live, node):
    """The demo's look at what Prometheus sees: some lines of NODE's scrape."""
    heading("What Prometheus sees")
    say("Both directors serve /metrics (Prometheus text) and a status page at / on "
        "127.0.0.1:9694 in their namespaces ([metrics] in the lab's files); the checker "
        "serves them, so a scrape never delays a heartbeat. Some lines of %s's scrape:" % node)
    text = scrape(live, node)
    if text is None:
        return False
    for line in text.splitlines():
        if (line.startswith(("tandem_role{", "tandem_peer_role{")) and line.endswith(" 1")) or \
                line.startswith(("tandem_peer_alive", "tandem_link_up", "tandem_real_server_healthy",
                                 "tandem_real_server_weight", "tandem_heartbeats_sent_total",
                                 "tandem_heartbeats_accepted_total", "tandem_probe_duration_seconds_count")):
            print("    " + line)
    print("    (%d bytes, %d samples in all; docs/metrics.md lists the families)"
          % (len(text), sum(1 for l in text.splitlines() if l and not l.startswith("#"))))
    return True


def maintenance(live, active, backup):
    """The demo's real server maintenance: r1 drained on the active director,
    seen on both, then back in service."""
    heading("Maintenance of r1 without a reload")
    vs, real = "%s:%d" % (VIP, livelab.PORT), vmlab.real_ip("r1")
    say("`tandemctl drain %s %s` on %s gives r1 weight 0 on both directors: no new "
        "connections, while its established ones finish (the command counts them down). "
        "The backup learns it from the heartbeats." % (vs, real, active))
    p = live.lab.ctl(active, "drain", vs, real, "--timeout", "30s", timeout=60)
    for line in (p.stdout + p.stderr).strip().splitlines():
        print("    " + line)
    if p.returncode != 0:
        return False
    ok, _ = labmod.wait_until(lambda: all(live.weights(n).get("r1") == 0 for n in NODES), 10.0, step=0.1)
    if not ok:
        return False
    for line in live.status_text(backup).splitlines():
        if real + ":" in line:
            print("    %s: %s" % (backup, line.strip()))
    say("The client asks ten times; only r2 answers:")
    requests(live, each=False, label="answers: ")
    p = live.lab.ctl(active, "enable", vs, real, timeout=20)
    print("    " + (p.stdout + p.stderr).strip())
    ok, _ = labmod.wait_until(lambda: all(live.weights(n).get("r1") == 1 for n in NODES), 10.0, step=0.1)
    if ok:
        print("    r1 has weight 1 again on both directors")
    return ok


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

        if not nat:
            if not maintenance(live, active, backup):
                return fail("the maintenance of r1 did not go through on both directors")
            if not metrics(live, active):
                return fail("no /metrics from %s" % active)

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
        switchover_step = STEP[0]
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

        stop_order = (backup, active)  # the backup first: nothing to hand over
        if not nat:
            roles = live.lab.roles()
            for node in sorted(NODES, key=lambda n: roles.get(n) == "active"):
                live.lab.stop(node)
            live.close()
            live = None
            live = livelab.LiveLab(build, examples=AA_EXAMPLES, vips=(VIP, VIP2))
            rc = active_active(live, switchover_step)
            if rc:
                return rc
            stop_order = ("d2", "d1")  # d2 hands mail over to d1 before it exits

        heading("Clean up")
        for node in stop_order:
            print("    tandemd on %s stopped (exit status %s)" % (node, live.lab.stop(node)))
        print("    removing the namespaces; the demo took %.0f s" % (time.monotonic() - t0))
        return 0
    finally:
        if live is not None:
            live.close()


def active_active(live, switchover_step):
    """The active/active part on `live`, a LiveLab of examples/lab-active-active/
    (nothing running yet; `switchover_step`: the number of the step that showed
    the staged handover); returns 0, or fail()'s status."""
    timings = live.timings()
    services = tuple(livelab.service_of(vip) for _, vip, _ in GROUPS)
    heading("Both directors carry traffic (active/active)")
    say("The same network once more, now with the configuration in examples/lab-active-active/ "
        "(d1.toml, d2.toml): two failover groups, each with its own VIP and its own preferred "
        "director. Group web (%s) prefers d1, group mail (%s) prefers d2, and each has a "
        "virtual server like the one above over r1 and r2, which carry both VIPs. One heartbeat "
        "carries the roles of both groups: each director is active for its own group and backup "
        "for the other's." % (VIP, VIP2))
    show("the groups in examples/lab-active-active/d1.toml", groups_part(live.config_text("d1")))
    live.lab.start_pair()
    ok, _ = labmod.wait_until(lambda: split(live), timings["initdead"] + 30, step=0.1)
    if not ok:
        return fail("d1 did not become active for web and d2 for mail within %.0f s" % (timings["initdead"] + 30))
    live.wait_reals(40.0, services)
    for node in NODES:
        print("    %s: %s" % (node, live.lab.status(node)["status_line"]))
    for node in NODES:
        show("ipvsadm -Ln on %s" % node, live.ipvsadm(node))
    say("The client asks each VIP ten times. Both web servers answer on both, and each VIP "
        "is reached through its own director (the client's ARP entry for it is that director's "
        "MAC address):")
    for name, vip, _ in GROUPS:
        tally = requests(live, vip=vip, each=False, label="http://%s/ (%s): " % (vip, name))
        if len([t for t in tally if t.startswith("I am")]) != 2:
            return fail("expected answers from both web servers on %s" % vip)
        mac, _ = live.lab.neigh("client", vip)
        print("      through %s (the client's ARP entry for %s is %s)" % (live.lab.node_of_mac(mac), vip, mac))

    heading("Pull the plug on d1, active for web")
    say("The client sends a request every 10 ms to each VIP (each one waits at most 0.25 s for "
        "its answer). Both of d1's links go down at once. After %gs of silence d2 declares d1 "
        "dead and takes web's VIP as well; mail's VIP stays where it was, on d2." % timings["deadtime"])
    probes = live.start_probes([VIP, VIP2], every=0.01, timeout=0.25)
    time.sleep(1.5)
    live.lab.power_off("d1")
    cut = time.monotonic()
    moved, took = labmod.wait_until(lambda: live.holders(VIP) == ["d2"], 10.0, step=0.01)
    if not moved:
        for p in probes:
            p.stop()
        return fail("d2 did not take web's VIP within 10 s")
    mail_on = live.holders(VIP2)
    print("    d2 holds %s (web) %.2f s after d1's links went down; %s (mail) is %s"
          % (VIP, took, VIP2, "still on d2" if mail_on == ["d2"] else "on %s" % (" and ".join(mail_on) or "no director")))
    time.sleep(2.5)
    web, mail = [livelab.outage(p.stop(), t_from=cut - 1.5) for p in probes]
    print("    web: the client made %d requests in the last %.1f s: %d answered, %d failed"
          % (web["requests"], time.monotonic() - cut + 1.5, web["ok"], web["failed"]))
    if web["gap_to"] is None or web["gap_to"] < cut:
        return fail("the client got no answer on %s after d1's links went down" % VIP)
    print("      longest time without an answer: %.2f s (answers resumed %.2f s after the links went down)"
          % (web["longest_gap"], web["gap_to"] - cut))
    print("    mail: %d requests meanwhile: %d answered, %d failed; longest time without an answer %.0f ms"
          % (mail["requests"], mail["ok"], mail["failed"], mail["longest_gap"] * 1000))
    for r in (web, mail):
        if r["errors"]:
            print("    the failures on %s: %s" % ("web" if r is web else "mail", "; ".join(r["errors"])))
    print("    d2: %s" % live.lab.status("d2")["status_line"])

    heading("Power comes back to d1; it takes web back")
    say("Its links return and it becomes backup for both groups (auto_failback = false in "
        "each). Once its checks have r1 and r2 up again, `tandemctl takeover web` on d1 asks d2 "
        "for web alone while the client keeps sending to both VIPs every 10 ms (each request "
        "waits at most 0.5 s now: with two clients running, the emulated machine stalls now "
        "and then). It goes in stages as in step %d, for web's VIP and service only; mail "
        "stays on d2." % switchover_step)
    live.lab.power_on("d1")
    since = time.monotonic()

    def back():
        st = live.lab.try_status("d1")
        return (st is not None and st["peer"]["alive"] and set(group_roles(st).values()) == {"backup"}
                and live.holders(VIP) == ["d2"] and live.holders(VIP2) == ["d2"])

    ok, took = labmod.wait_until(back, 15.0, step=0.1)
    if not ok:
        return fail("d1 did not come back as backup for both groups within 15 s")
    print("    d1 is backup for both groups %.1f s after its links came back" % took)
    try:
        live.wait_reals(20.0, services, nodes=("d1",))
    except labmod.LabError:
        return fail("r1 and r2 did not come back up on d1 within 20 s")
    print("    r1 and r2 are up on d1 in both services %.1f s after its links came back" % (time.monotonic() - since))
    print("    d1: %s" % live.lab.status("d1")["status_line"])
    probes = live.start_probes([VIP, VIP2], every=0.01, timeout=0.5)
    time.sleep(1.0)
    begun = time.monotonic()
    p = live.lab.ctl("d1", "takeover", "web", timeout=15)
    print("    tandemctl takeover web on d1: %s" % (p.stdout + p.stderr).strip())
    moved, _ = labmod.wait_until(lambda: live.holders(VIP) == ["d1"], 15.0, step=0.01)
    if not moved:
        for p in probes:
            p.stop()
        return fail("d1 did not take web's VIP back within 15 s")
    print("    d1 holds %s alone %.2f s after the command; %s stays on %s"
          % (VIP, time.monotonic() - begun, VIP2, " and ".join(live.holders(VIP2)) or "no director"))
    time.sleep(1.0)
    for (name, _, _), probe in zip(GROUPS, probes):
        r = livelab.outage(probe.stop(), t_from=begun - 1.0)
        print("    %s: the client made %d requests meanwhile: %d answered, %d failed; longest time without an "
              "answer %.0f ms" % (name, r["requests"], r["ok"], r["failed"], r["longest_gap"] * 1000))
        if r["errors"]:
            print("      the failures: %s" % "; ".join(r["errors"]))
    labmod.wait_until(lambda: split(live), 5.0, step=0.1)
    for node in NODES:
        print("    %s: %s" % (node, live.lab.status(node)["status_line"]))
    return 0


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
