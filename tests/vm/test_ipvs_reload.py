#!/usr/bin/env python3
"""vm tier: reloads and services tandem does not own.

- reload_minimal_ops: with long-lived TCP connections open through the VIP
  (direct routing to real server namespaces), a reload that adds one real
  server and changes one weight makes tandemd issue exactly those two
  operations (its "ipvs: NEW dest" / "ipvs: SET dest" log lines, also through
  the next periodic reconcile), and the existing destinations keep their
  ActiveConn counters.
- foreign_service: services added with ipvsadm before tandemd starts survive
  its start, a periodic reconcile, a reload that adds a virtual server, a
  reload that removes it again (tandem deletes only its own) and its stop.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_ipvs_reload.py --build BUILD
"""

import collections
import sys
import time

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODES = labmod.NODES
SERVICE = "TCP %s:80" % VIP


def active_conns(lab, node):
    t = vmlab.kernel_table(lab, node)
    s = t.get(SERVICE)
    return {d: (v.active, v.inactive) for d, v in (s.dests.items() if s else [])}


def reload(case, lab, node):
    p = lab.ctl(node, "reload", timeout=20)
    case.check(p.returncode == 0, "%s: tandemctl reload failed (%d): %s" % (node, p.returncode,
                                                                          (p.stdout + p.stderr).strip()))


def case_reload_minimal_ops(case):
    lab = vmlab.ipvs_lab(case)
    vmlab.add_real_servers(lab, ["r1", "r2", "r3"])
    before = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1)])]
    after = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 3), Real("10.77.0.13", 1)])]
    vmlab.write_ipvs_configs(lab, before)
    lab.start_pair()
    active = vmlab.both_settled(lab, vmlab.expected_table(before))

    conns, behind = vmlab.hold_connections(lab, VIP, 80, 6)
    per_real = collections.Counter(behind)
    case.note("6 connections held via %s: %s" % (active, dict(sorted(per_real.items()))))
    case.check(set(per_real) == {"r1", "r2"}, "connections went to %s, expected r1 and r2" % dict(per_real))
    want_counts = {"10.77.0.11:80": per_real["r1"], "10.77.0.12:80": per_real["r2"]}

    def counted():
        c = active_conns(lab, active)
        return all(c.get(d, (0, 0))[0] == n for d, n in want_counts.items()) and c

    counts, _ = labmod.wait_until(counted, 5.0, step=0.1)
    case.check(counts, "ActiveConn on %s is %s, expected %s" % (active, active_conns(lab, active), want_counts))
    case.note("ActiveConn before %s" % {d: a for d, (a, _) in sorted(counts.items())})

    marks = {node: vmlab.LogMark(lab, node) for node in NODES}
    vmlab.write_ipvs_configs(lab, after)
    t0 = vmlab.monotonic()
    for node in NODES:
        reload(case, lab, node)
    want = vmlab.expected_table(after)
    for node in NODES:
        ok, _, seen = vmlab.wait_table(lab, node, want, 10.0)
        case.check(ok, "%s: after the reload the table is not the new config: %s" % (
            node, "; ".join(vmlab.differences(want, seen or vmlab.Table()))))
    case.note("both tables updated %s after the reload" % ms(vmlab.monotonic() - t0))

    expected_ops = sorted([
        "NEW dest 10.77.0.13:80 dr weight 1 in %s" % SERVICE,
        "SET dest 10.77.0.12:80 dr weight 3 in %s" % SERVICE,
    ])
    for node in NODES:
        ops, _ = labmod.wait_until(lambda: len(marks[node].ops()) >= 2 and marks[node].ops(), 5.0, step=0.1)
        case.check(sorted(marks[node].ops()) == expected_ops, "%s: operations after the reload %s, expected %s"
                   % (node, marks[node].ops(), expected_ops))
    counts_after = active_conns(lab, active)
    case.check(all(counts_after.get(d, (0, 0))[0] == n for d, n in want_counts.items()),
               "ActiveConn on %s changed across the reload: %s before, %s after"
               % (active, counts, counts_after))

    # The next periodic reconcile finds nothing to do, and the counters stay.
    time.sleep(max(0.0, vmlab.RECONCILE_PERIOD + 1.5 - (vmlab.monotonic() - t0)))
    for node in NODES:
        case.check(sorted(marks[node].ops()) == expected_ops,
                   "%s: operations since the reload, through a periodic reconcile: %s, expected %s"
                   % (node, marks[node].ops(), expected_ops))
    counts_later = active_conns(lab, active)
    case.check(all(counts_later.get(d, (0, 0))[0] == n for d, n in want_counts.items()),
               "ActiveConn on %s changed after a periodic reconcile: %s" % (active, counts_later))
    case.note("ActiveConn after %s" % {d: a for d, (a, _) in sorted(counts_later.items())})
    case.note("operations on each node: %s" % "; ".join(expected_ops))
    # Close the held connections.
    conns.stdin.close()
    conns.wait(timeout=10)


FOREIGN = [
    ["-A", "-t", "10.77.0.200:8080", "-s", "rr"],
    ["-a", "-t", "10.77.0.200:8080", "-r", "10.77.0.11:8080", "-g", "-w", "2"],
    ["-a", "-t", "10.77.0.200:8080", "-r", "10.77.0.12:8080", "-g", "-w", "0"],
    ["-A", "-f", "99", "-s", "lc"],
    ["-a", "-f", "99", "-r", "10.77.0.13", "-g", "-w", "7"],
    # Same address as tandem's virtual server, another port and protocol.
    ["-A", "-u", "%s:80" % VIP, "-s", "wlc"],
    ["-a", "-u", "%s:80" % VIP, "-r", "10.77.0.11:80", "-i", "-w", "1"],
]


def case_foreign_service(case):
    lab = vmlab.ipvs_lab(case)
    for node in NODES:
        for c in FOREIGN:
            vmlab.ipvsadm(lab, node, *c)
    foreign = {node: vmlab.kernel_table(lab, node) for node in NODES}
    case.check(all(len(foreign[n]) == 3 for n in NODES), "foreign services not set up: %s" % foreign)
    names = sorted(foreign["d1"])

    def check_foreign(stage):
        for node in NODES:
            now = vmlab.kernel_table(lab, node)
            present = vmlab.Table({k: v for k, v in now.items() if k in foreign[node]})
            diff = vmlab.differences(foreign[node], present, want_label="before", have_label="now")
            case.check(not diff, "%s: the foreign services changed at %s: %s" % (node, stage, "; ".join(diff)))
        for node in NODES:
            touched = [o for o in marks[node].ops() if any(n in o for n in ("10.77.0.200", "FWM 99", "UDP "))]
            case.check(not touched, "%s: tandemd touched a foreign service: %s" % (node, touched))

    marks = {node: vmlab.LogMark(lab, node) for node in NODES}
    v1 = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1)])]
    vmlab.write_ipvs_configs(lab, v1)
    lab.start_pair()
    for node in NODES:
        ok, _, seen = vmlab.wait_table(lab, node, vmlab.expected_table(v1), 20.0, ignore=names)
        case.check(ok, "%s: tandem's services never matched the config: %s" % (node, seen))
    check_foreign("start")
    lab.wait_stable(timeout=20)
    time.sleep(vmlab.RECONCILE_PERIOD + 1.0)
    check_foreign("a periodic reconcile")
    case.note("foreign %s kept through start and a periodic reconcile" % ", ".join(names))

    v2 = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 2), Real("10.77.0.12", 1)]),
          VirtualServer(VIP, 443, scheduler="rr", reals=[Real("10.77.0.13", 1)])]
    vmlab.write_ipvs_configs(lab, v2)
    for node in NODES:
        reload(case, lab, node)
        ok, _, seen = vmlab.wait_table(lab, node, vmlab.expected_table(v2), 10.0, ignore=names)
        case.check(ok, "%s: after a reload tandem's services are not the config: %s" % (node, seen))
    check_foreign("a reload adding a virtual server")

    # Dropping the virtual server again: tandem deletes what it created.
    vmlab.write_ipvs_configs(lab, v1)
    for node in NODES:
        reload(case, lab, node)
        ok, _, seen = vmlab.wait_table(lab, node, vmlab.expected_table(v1), 10.0, ignore=names)
        case.check(ok, "%s: after a reload removing TCP %s:443 the table is %s" % (node, VIP, seen))
        dels = [o for o in marks[node].ops() if o.startswith("DEL ")]
        case.check(dels == ["DEL service TCP %s:443" % VIP], "%s: deletions %s" % (node, dels))
    check_foreign("a reload removing a virtual server")
    case.note("kept through reloads (one added TCP %s:443, one removed it)" % VIP)

    for node in NODES:
        code = lab.stop(node)
        case.check(code == 0, "%s: tandemd exited with %s on SIGTERM" % (node, code))
    check_foreign("stop")
    left = {node: sorted(set(vmlab.kernel_table(lab, node)) - set(names)) for node in NODES}
    case.note("kept through stop; tandem's services left after stop: %s" % left)


if __name__ == "__main__":
    sys.exit(runner.main([case_reload_minimal_ops, case_foreign_service], "vm: reloads and foreign IPVS services"))
