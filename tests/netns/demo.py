#!/usr/bin/env python3
"""The tandem demo (run by scripts/demo.sh): two directors in network
namespaces, a client, a floating address, and a failover you can watch.

    python3 tests/netns/demo.py --build build
"""

import argparse
import sys
import textwrap
import time

import lab as L

STEP = [0]


def heading(title):
    STEP[0] += 1
    print()
    print("=== %d. %s" % (STEP[0], title))


def say(text):
    print(textwrap.fill(text, width=78))


def show(label, text):
    print("--- %s" % label)
    for line in text.rstrip().splitlines():
        print("    " + line)


def status(lab, node):
    p = lab.ctl(node, "status")
    show("tandemctl status on %s" % node, p.stdout if p.returncode == 0 else "error: " + p.stderr.strip())


def neighbour(lab):
    mac, state = lab.neigh("client")
    owner = lab.node_of_mac(mac) if mac else None
    return "%s is at %s (%s's eth0)" % (L.VIP, mac, owner) if mac else "%s: no entry" % L.VIP


def ask_client(lab, times=3):
    answers = []
    for _ in range(times):
        ok, text = lab.get()
        answers.append(text if ok else "no answer (%s)" % text)
    return answers


def demo(build):
    lab = L.Lab(build)
    try:
        heading("The setup")
        say("Two load-balancer directors, d1 and d2, and a client, each in its own "
            "network namespace on this machine. The directors share two links: a "
            "public one (10.77.0.0/24, where the client is too) and a private one "
            "(10.78.0.0/24). Whichever director is active holds the floating "
            "address %s (the VIP) that clients use. Both run tandemd, which "
            "sends a signed heartbeat on both links every %s." % (L.VIP, L.duration(lab.timings["interval"])))
        lab.setup()
        show("d1's config (%s)" % lab.config_path("d1"), open(lab.config_path("d1")).read())

        heading("Start tandemd on both directors")
        say("They hear each other and elect one active director (the preferred "
            "one, d1); the other waits as backup.")
        lab.start_pair()
        active = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
        backup = lab.peer_of(active)
        status(lab, active)
        status(lab, backup)

        heading("The client uses the VIP")
        say("A small TCP service on port %d runs on both directors and answers with "
            "its name. The client connects to the VIP:" % L.SERVICE_PORT)
        lab.start_services()
        for answer in ask_client(lab):
            print("    client -> %s:%d answered by %s" % (L.VIP, L.SERVICE_PORT, answer))
        print("    client's ARP table: %s" % neighbour(lab))

        heading("Pull the plug on %s" % active)
        say("Both of %s's network interfaces go down at once, as if it lost power. "
            "%s stops hearing heartbeats; after deadtime (%s) of silence on both "
            "links it declares %s dead, adds the VIP to its own eth0, and sends "
            "gratuitous ARP so the client's ARP table points at it."
            % (active, backup, L.duration(lab.timings["deadtime"]), active))
        t0 = time.monotonic()
        lab.power_off(active)
        moved, took = L.wait_until(lambda: lab.has_address(backup), 5.0, step=0.005)
        if not moved:
            print("    %s did not take the VIP within 5 s" % backup)
            return 1
        print("    %s holds %s %.0f ms after the plug was pulled" % (backup, L.VIP, took * 1000))
        switched, _ = L.wait_until(lambda: lab.neigh("client")[0] == lab.mac(backup), 3.0)
        print("    client's ARP table: %s%s" % (neighbour(lab), "" if switched else "  (not updated!)"))
        say("The client sent nothing in between: the gratuitous ARP alone moved its entry.")
        for answer in ask_client(lab):
            print("    client -> %s:%d answered by %s" % (L.VIP, L.SERVICE_PORT, answer))
        status(lab, backup)
        status(lab, active)
        say("%s's tandemd is still running: with every link down it went to fault and "
            "dropped the VIP, so it cannot answer for the address from behind a dead link." % active)

        heading("Power comes back")
        say("%s's links return. It listens first, hears that %s is active, and "
            "becomes backup: the VIP stays where it is (auto_failback = false)." % (active, backup))
        lab.power_on(active)
        settled, _ = L.wait_until(lambda: lab.stable(), 5.0, step=0.05)
        status(lab, backup)
        status(lab, active)
        for answer in ask_client(lab, 1):
            print("    client -> %s:%d answered by %s" % (L.VIP, L.SERVICE_PORT, answer))

        heading("Clean up")
        now_active = lab.stable() or backup
        for node in (lab.peer_of(now_active), now_active):  # the backup first: nothing to hand over
            rc = lab.stop(node)
            print("    tandemd on %s stopped (exit status %s)" % (node, rc))
        print("    removing the namespaces")
        return 0
    finally:
        lab.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    return demo(args.build)


if __name__ == "__main__":
    sys.exit(main())
