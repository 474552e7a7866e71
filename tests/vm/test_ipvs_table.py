#!/usr/bin/env python3
"""vm tier: the IPVS table that tandemd programs.

- table_after_start: after start, each director's kernel table (`ipvsadm -Ln`
  in its namespace) equals the configuration exactly (services, scheduler,
  persistence, destinations, forwarding, weights), and so does what
  `tandemctl status --json` reports, on both directors.
- drift_repair: a destination deleted and a weight changed with ipvsadm, then
  a service deleted and a scheduler changed, are put back by the periodic
  reconcile within its period plus a margin, on both directors.
- ipv6_and_fwmark: an IPv6 virtual server and IPv4/IPv6 fwmark virtual
  servers appear as configured, in the kernel and in the status.
- In table_after_start and ipv6_and_fwmark, the import round trip:
  `ipvsadm-save -n` of the table tandemd programmed, imported with
  `tandemctl import ipvsadm --services-only`, gives the configured virtual
  servers back (services, scheduler, persistence, destinations, forwarding,
  weights).

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_ipvs_table.py --build BUILD
"""

import sys

import vmlab
from vmlab import Real, VirtualServer, VIP, VIP6, labmod, runner
from runner import ms

NODES = labmod.NODES
MARGIN = 3.0  # seconds beyond the reconcile period (the guest is emulated)


def check_status(case, lab, node, want):
    st = lab.status(node)
    diff = vmlab.differences(want, vmlab.status_configured(st), have_label="status (configured)")
    case.check(not diff, "%s: status --json configured view differs from the config: %s" % (node, "; ".join(diff)))
    diff = vmlab.differences(want, vmlab.status_table(st), have_label="status (kernel)")
    case.check(not diff, "%s: status --json kernel view differs from the config: %s" % (node, "; ".join(diff)))
    kernel = vmlab.kernel_table(lab, node)
    diff = vmlab.differences(kernel, vmlab.status_table(st), want_label="ipvsadm", have_label="status")
    case.check(not diff, "%s: status --json and ipvsadm -Ln differ: %s" % (node, "; ".join(diff)))
    case.check("ipvs_error" not in st, "%s: status reports ipvs_error %r" % (node, st.get("ipvs_error")))


def check_round_trip(case, lab, node, want):
    imported, code, err = vmlab.imported_table(lab, node)
    case.check(imported is not None, "%s: tandemctl import ipvsadm of ipvsadm-save -n failed (exit %s): %s"
               % (node, code, err))
    if imported is None:
        return
    diff = vmlab.differences(want, imported, want_label="config", have_label="imported")
    case.check(not diff, "%s: ipvsadm-save -n imported differs from the config: %s" % (node, "; ".join(diff)))
    case.check(code == 3, "%s: the import exit code is %d, expected 3 (no health checks)" % (node, code))
    if not diff:
        case.note("%s: ipvsadm-save -n imported back identical (%d services)" % (node, len(imported)))


def case_table_after_start(case):
    lab = vmlab.ipvs_lab(case)
    vss = [
        VirtualServer(VIP, 80, scheduler="wlc", forwarding="dr",
                      reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 2), Real("10.77.0.13", 3)]),
        VirtualServer(VIP, 443, scheduler="rr", forwarding="nat", persistence=300,
                      reals=[Real("10.77.0.11", 2, port=8443), Real("10.77.0.12", 0, port=8443)]),
        VirtualServer(VIP, 53, protocol="udp", scheduler="sh", forwarding="tun",
                      reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1, forwarding="dr")]),
    ]
    want = vmlab.expected_table(vss)
    vmlab.write_ipvs_configs(lab, vss)
    for node in NODES:
        case.check(vmlab.kernel_table(lab, node) == {}, "%s's table is not empty before start" % node)
    t0 = vmlab.monotonic()
    lab.start_pair()
    for node in NODES:
        ok, elapsed, seen = vmlab.wait_table(lab, node, want, 20.0)
        case.check(ok, "%s: the table never matched the config: %s" % (
            node, "; ".join(vmlab.differences(want, seen or vmlab.Table()))))
        case.note("%s table complete %s after start" % (node, ms(vmlab.monotonic() - t0)))
    active = lab.wait_stable(timeout=20)
    case.note("active %s" % active)
    for node in NODES:
        check_status(case, lab, node, want)
        # Exactly the config: nothing more in the kernel either.
        kernel = vmlab.kernel_table(lab, node)
        case.check(set(kernel) == set(want), "%s: kernel services %s, config %s" % (node, sorted(kernel), sorted(want)))
        check_round_trip(case, lab, node, want)
    case.note("%d services, %d destinations, identical in config, ipvsadm -Ln and status on both"
              % (len(want), sum(len(s.dests) for s in want.values())))


def case_drift_repair(case):
    lab = vmlab.ipvs_lab(case)
    vss = [
        VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1), Real("10.77.0.13", 2)]),
        VirtualServer(VIP, 443, scheduler="wrr", reals=[Real("10.77.0.11", 4), Real("10.77.0.12", 4)]),
    ]
    want = vmlab.expected_table(vss)
    vmlab.write_ipvs_configs(lab, vss)
    lab.start_pair()
    vmlab.both_settled(lab, want)
    limit = vmlab.RECONCILE_PERIOD + MARGIN

    steps = [
        ("dest deleted + weight 5", [
            ["-d", "-t", "%s:80" % VIP, "-r", "10.77.0.12:80"],
            ["-e", "-t", "%s:80" % VIP, "-r", "10.77.0.11:80", "-g", "-w", "5"],
        ], {"NEW dest 10.77.0.12:80", "SET dest 10.77.0.11:80"}),
        ("service deleted + scheduler rr", [
            ["-D", "-t", "%s:443" % VIP],
            ["-E", "-t", "%s:80" % VIP, "-s", "rr"],
        ], {"NEW service TCP %s:443" % VIP, "NEW dest 10.77.0.11:443", "NEW dest 10.77.0.12:443",
            "SET service TCP %s:80" % VIP}),
    ]
    for label, commands, expect_ops in steps:
        marks = {node: vmlab.LogMark(lab, node) for node in NODES}
        for node in NODES:
            for c in commands:
                vmlab.ipvsadm(lab, node, *c)
            drifted = vmlab.kernel_table(lab, node)
            case.check(vmlab.differences(want, drifted), "%s: ipvsadm %s changed nothing" % (node, label))
        t0 = vmlab.monotonic()
        for node in NODES:
            ok, _, seen = vmlab.wait_table(lab, node, want, limit - (vmlab.monotonic() - t0), step=0.1)
            took = vmlab.monotonic() - t0
            case.check(ok, "%s: after %s the table was not repaired within %.1fs: %s" % (
                node, label, limit, "; ".join(vmlab.differences(want, seen or vmlab.Table()))))
            case.note("%s: %s repaired in %s" % (node, label, ms(took)))
        for node in NODES:
            ops = marks[node].ops()
            # Each expected operation appears once; nothing else was needed.
            prefixes = sorted(expect_ops)
            matched = {p: [o for o in ops if o.startswith(p + " ") or o == p] for p in prefixes}
            missing = [p for p in prefixes if len(matched[p]) != 1]
            extra = [o for o in ops if not any(o.startswith(p + " ") or o == p for p in prefixes)]
            case.check(not missing and not extra, "%s: after %s the log shows operations %s; expected one each of %s"
                       % (node, label, ops, prefixes))
        for node in NODES:
            check_status(case, lab, node, want)


def case_ipv6_and_fwmark(case):
    lab = vmlab.ipvs_lab(case)
    vss = [
        VirtualServer(VIP6, 80, scheduler="wlc",
                      reals=[Real("fd77::11", 1, port=80), Real("fd77::12", 2, port=80)]),
        VirtualServer(fwmark=7, scheduler="wlc", reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 3)]),
        VirtualServer(fwmark=8, v6=True, scheduler="rr", reals=[Real("fd77::11", 1), Real("fd77::13", 2)]),
        VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1)]),
    ]
    want = vmlab.expected_table(vss)
    vmlab.write_ipvs_configs(lab, vss)
    lab.start_pair()
    for node in NODES:
        ok, _, seen = vmlab.wait_table(lab, node, want, 20.0)
        case.check(ok, "%s: the table never matched the config: %s" % (
            node, "; ".join(vmlab.differences(want, seen or vmlab.Table()))))
    lab.wait_stable(timeout=20)
    for node in NODES:
        check_status(case, lab, node, want)
        raw = vmlab.ipvsadm(lab, node, "-Ln").stdout
        case.check("[fd77::100]:80" in raw and "FWM  7" in raw and "FWM  8 IPv6" in raw,
                   "%s: ipvsadm -Ln lacks the IPv6 or fwmark services:\n%s" % (node, raw))
        check_round_trip(case, lab, node, want)
    case.note("services %s" % ", ".join(sorted(want)))


if __name__ == "__main__":
    sys.exit(runner.main([case_table_after_start, case_drift_repair, case_ipv6_and_fwmark],
                         "vm: the IPVS table tandemd programs"))
