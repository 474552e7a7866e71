#!/usr/bin/env python3
"""netns: tandemd with exactly the capabilities tandem.service keeps.

The capabilities are read from CapabilityBoundingSet= in
packaging/tandem.service, and each daemon runs under setpriv(1) with that
bounding set, no inheritable or ambient capabilities and no_new_privs, as
systemd runs the unit (as root).

  bounding_set   the pair with a ping track each (the client plays the
                 gateway): one holds the VIP; when it stops, the client's
                 ARP entry for the VIP moves to the other by its gratuitous
                 ARP; both ping tracks are up, and no log line says a
                 permission was refused.
  each_needed    d1 alone, once without each of the kept capabilities: the
                 one it lacks shows as the refusal it causes (the heartbeat
                 port without CAP_NET_BIND_SERVICE, the announcement's
                 packet socket and the ping track's raw socket without
                 CAP_NET_RAW, adding the VIP without CAP_NET_ADMIN), so
                 none of them is kept for nothing.
"""

import os
import re
import subprocess
import sys
import time

import lab as L
from runner import main

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = os.path.join(HERE, "..", "..", "packaging", "tandem.service")
TIMINGS = {"interval": 0.100, "deadtime": 0.400, "warntime": 0.250, "initdead": 1.0}
GATEWAY = "%s.%d" % (L.PUBLIC_NET, L.HOST_OCTET["client"])
REFUSED = re.compile(r"Operation not permitted|Permission denied")


def unit_capabilities():
    """The capabilities of CapabilityBoundingSet= in the unit, e.g. ["CAP_NET_ADMIN", ...]."""
    caps = []
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if line.startswith("CapabilityBoundingSet="):
                value = line.split("=", 1)[1].split()
                caps = value if value else []  # an empty assignment resets the list
    return caps


def start_confined(lab, node, caps):
    """Starts tandemd in node's namespace under setpriv with bounding set `caps`."""
    sock = lab.socket_path(node)
    if os.path.exists(sock):
        os.unlink(sock)
    bounding = ",".join(["-all"] + ["+" + c.lower().removeprefix("cap_") for c in caps])
    log = open(lab.log_path(node), "a")
    cmd = ["ip", "netns", "exec", lab.ns[node], "setpriv", "--bounding-set", bounding, "--inh-caps", "-all",
           "--ambient-caps", "-all", "--no-new-privs", lab.tandemd, "-c", lab.config_path(node),
           "--socket", sock, "--log-level", "debug"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=L._die_with_parent)
    log.close()
    lab.daemons[node] = L.Daemon(node, proc, lab.log_path(node), sock, 0.0)


def ping_track():
    return ('[[track]]\nname = "gateway"\ntype = "ping"\naddress = "%s"\ninterface = "eth0"\n'
            'interval = "100ms"\ntimeout = "80ms"\nfall = 2\nrise = 2\n' % GATEWAY)


def setup(case):
    caps = unit_capabilities()
    case.check(set(caps) == {"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE"},
               "the unit keeps %s; this test knows what refusal each of the three causes" % caps)
    case.check(subprocess.run(["setpriv", "--version"], capture_output=True).returncode == 0,
               "setpriv (util-linux) is missing")
    lab = case.lab(timings=TIMINGS)
    for node in L.NODES:
        lab.write_config(node, lab.config_text(node) + "\n" + ping_track())
    return lab, caps


def case_bounding_set(case):
    lab, caps = setup(case)
    for node in L.NODES:
        start_confined(lab, node, caps)
    active = lab.wait_stable(timeout=TIMINGS["initdead"] + 6)
    case.note("%s active with %s" % (active, " ".join(caps)))
    # The announcement: after the holder stops, the client's entry for the
    # VIP moves to the new holder's MAC only by its gratuitous ARP.
    case.check(lab.ping("client", L.VIP), "the client cannot ping the VIP")
    backup = lab.peer_of(active)
    case.check(lab.neigh("client")[0] == lab.mac(active), "the client's entry is not %s's MAC" % active)
    time.sleep(1.0)  # past the ARP locktime
    lab.stop(active)
    moved, took = L.wait_until(lambda: lab.neigh("client")[0] == lab.mac(backup), 3)
    case.check(moved, "the client's ARP entry for the VIP is %s, not %s's %s: no gratuitous ARP" %
               (lab.neigh("client")[0], backup, lab.mac(backup)))
    case.note("%s stopped: the client's ARP entry moved to %s after %.0f ms" % (active, backup, took * 1000))
    start_confined(lab, active, caps)
    for node in L.NODES:
        tracks, _ = L.wait_until(lambda: all(t.get("up") for t in lab.status(node).get("tracks", [])) and
                                 lab.status(node)["tracks"], 3)
        case.check(tracks, "%s: the ping track is not up: %s" % (node, lab.status(node).get("tracks")))
    for node in L.NODES:
        refused = [l for l in lab.log_text(node).splitlines() if REFUSED.search(l)]
        case.check(not refused, "%s logged a refusal: %s" % (node, refused[:3]))
    case.note("GARP seen by the client, ping tracks up, no refusal")


# What each capability's absence must cause, in d1's log.
NEEDED = {
    "CAP_NET_BIND_SERVICE": [r"bind to port 694: Permission denied"],
    "CAP_NET_RAW": [r"packet socket: Operation not permitted", r"raw ICMP socket: Operation not permitted"],
    "CAP_NET_ADMIN": [r"could not add VIPs: .*Operation not permitted"],
}


def case_each_needed(case):
    lab, caps = setup(case)
    for missing in caps:
        open(lab.log_path("d1"), "w").close()
        start_confined(lab, "d1", [c for c in caps if c != missing])
        patterns = [re.compile(p) for p in NEEDED[missing]]
        seen, took = L.wait_until(lambda: all(p.search(lab.log_text("d1")) for p in patterns), 6, step=0.05)
        lab.stop("d1")
        case.check(seen, "without %s, d1 logged none of %s" %
                   (missing, [p.pattern for p in patterns if not p.search(lab.log_text("d1"))]))
        case.note("without %s: refused after %.1f s" % (missing.lower(), took))


if __name__ == "__main__":
    sys.exit(main([case_bounding_set, case_each_needed], "netns tandem.service capabilities"))
