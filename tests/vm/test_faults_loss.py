#!/usr/bin/env python3
"""vm tier: lossy heartbeat links cause no false failover.

One lab with the default heartbeat timings (tandem.toml(5): interval 200ms,
deadtime 1s, warntime 600ms, initdead 3s), DR real servers r1 and r2 behind
the VIP, and the pair settled. Then, each for 60 s:

- public_loss: tc netem drops 20% of the packets leaving d1's and d2's
  public interface (eth0), both directions of the public link; the private
  link is clean.
- both_lossy: 5% on both links (eth0 and eth1) of both directors.

Each phase passes when no role changes: neither log has a "role X -> Y"
line after the phase began, the status of both, sampled about every 2 s,
stays active/backup with the peer alive, and the VIP stays on the holder
only. The netem drop counters show the loss was real.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_faults_loss.py --build BUILD
"""

import json
import re
import sys
import time

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODES = labmod.NODES
DEFAULT_TIMINGS = {"interval": 0.2, "deadtime": 1.0, "warntime": 0.6, "initdead": 3.0}
PHASE = 60.0


def indent(text):
    return "\n".join("  | " + line for line in text.rstrip("\n").splitlines())


def diagnostics(lab):
    out = []
    for node in NODES:
        st = lab.try_status(node)
        out.append("  ---- %s: status --json\n%s" % (node, indent(json.dumps(st, indent=1) if st else "(none)")))
        p = vmlab.ipvsadm(lab, node, "-Ln", check=False)
        out.append("  ---- %s: ipvsadm -Ln\n%s" % (node, indent(p.stdout + p.stderr)))
        p = labmod.run(["tc", "-n", lab.ns[node], "-s", "qdisc", "show"], check=False)
        out.append("  ---- %s: tc -s qdisc show\n%s" % (node, indent(p.stdout + p.stderr)))
    return "\n".join(out)


def check(lab, condition, message):
    if not condition:
        raise runner.Failure(message + "\n" + diagnostics(lab))


def netem(lab, node, iface, loss):
    """Sets (or replaces) a netem qdisc dropping `loss` percent on egress."""
    labmod.run(["tc", "-n", lab.ns[node], "qdisc", "replace", "dev", iface, "root", "netem",
                "loss", "%g%%" % loss])


def netem_drops(lab, node, iface):
    p = labmod.run(["tc", "-n", lab.ns[node], "-s", "qdisc", "show", "dev", iface], check=False)
    m = re.search(r"qdisc netem .*?Sent (\d+) bytes (\d+) pkt \(dropped (\d+)", p.stdout, re.S)
    return (int(m.group(2)), int(m.group(3))) if m else (0, 0)


def hold(case, lab, active, what, links):
    """Watches the pair for PHASE seconds; returns the figures."""
    standby = lab.peer_of(active)
    marks = {n: vmlab.LogMark(lab, n) for n in NODES}
    before = {(n, i): netem_drops(lab, n, i) for n in NODES for i in links}
    beats = {n: lab.status(n)["heartbeats"].get("accepted", 0) for n in NODES}
    t0 = time.monotonic()
    samples, worst_age, link_down = 0, {}, {}
    while time.monotonic() - t0 < PHASE:
        snap = lab.snapshot()
        samples += 1
        roles = snap["roles"]
        check(lab, roles == {active: "active", standby: "backup"} and snap["kernel"] == [active],
              "%s, %.1f s in: roles %s, VIP in the kernel on %s (expected %s active, %s backup)"
              % (what, time.monotonic() - t0, roles, snap["kernel"], active, standby))
        for n in NODES:
            st = snap["status"][n]
            check(lab, st["peer"]["alive"], "%s, %.1f s in: %s says its peer is dead" % (what, time.monotonic() - t0,
                                                                                        n))
            for link in st["peer"].get("links", []):
                key = link["name"]
                if link.get("last_heard_ms") is not None:
                    worst_age[key] = max(worst_age.get(key, 0.0), link["last_heard_ms"])
                if not link.get("up"):
                    link_down[key] = link_down.get(key, 0) + 1
        time.sleep(max(0.0, 2.0 - (time.monotonic() - t0) % 2.0))
    for n in NODES:
        changed = marks[n].lines_with(r"role \w+ -> \w+")
        check(lab, not changed, "%s: %s logged role changes: %s" % (what, n, changed))
    drops = []
    for (n, i), (sent0, drop0) in before.items():
        sent1, drop1 = netem_drops(lab, n, i)
        sent, dropped = sent1 - sent0, drop1 - drop0
        check(lab, dropped > 0, "%s: netem on %s %s dropped nothing (%d packets sent)" % (what, n, i, sent))
        drops.append("%s %s %d/%d (%.1f%%)" % (n, i, dropped, sent + dropped,
                                               100.0 * dropped / max(1, sent + dropped)))
    accepted = {n: lab.status(n)["heartbeats"].get("accepted", 0) - beats[n] for n in NODES}
    warnings = {n: len([x for x in marks[n].text().splitlines() if x.startswith("<4>")]) for n in NODES}
    case.note("%s: %.0f s, 0 role changes, %d status samples all %s active/%s backup; netem dropped %s; heartbeats "
              "accepted %s; longest silence seen per link %s; link-down samples %s; warnings logged %s"
              % (what, time.monotonic() - t0, samples, active, standby, ", ".join(drops), accepted,
                 {k: ms(v / 1000.0) for k, v in sorted(worst_age.items())}, link_down or "none", warnings))


def case_lossy_links(case):
    lab = vmlab.ipvs_lab(case, timings=DEFAULT_TIMINGS)
    for r in ("r1", "r2"):
        vmlab.add_real_host(lab, r)
    for r in ("r1", "r2"):
        lab.start_service(r, port=80)
    vss = [VirtualServer(VIP, 80, reals=[Real(vmlab.real_ip("r1"), 1), Real(vmlab.real_ip("r2"), 1)])]
    vmlab.write_ipvs_configs(lab, vss)
    lab.start_pair()
    active = vmlab.both_settled(lab, vmlab.expected_table(vss))
    ok, who = lab.get(VIP, port=80, timeout=2.0)
    check(lab, ok, "no answer through the VIP: %s" % who)

    for n in NODES:
        netem(lab, n, "eth0", 20)
    hold(case, lab, active, "20% loss on the public link", ["eth0"])
    for n in NODES:
        netem(lab, n, "eth0", 5)
        netem(lab, n, "eth1", 5)
    hold(case, lab, active, "5% loss on both links", ["eth0", "eth1"])
    ok, who = lab.get(VIP, port=80, timeout=2.0)
    check(lab, ok, "no answer through the VIP after the lossy minutes: %s" % who)


if __name__ == "__main__":
    sys.exit(runner.main([case_lossy_links], "vm: lossy heartbeat links"))
