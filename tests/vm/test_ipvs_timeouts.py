#!/usr/bin/env python3
"""vm tier: the [ipvs] connection timeouts (ipvsadm --set TCP TCPFIN UDP).

- timeouts: one director started with [ipvs] tcp/tcpfin/udp timeouts that
  differ from a fresh kernel's has them in its namespace (`ipvsadm -L
  --timeout`) and in `tandemctl status`; the other director's namespace,
  without tandemd, keeps the kernel's. One changed by hand with `ipvsadm
  --set` is put back within a full pass (period plus a margin), and only
  that one is set. A reload with a changed value sets it; a reload that
  removes a key leaves the kernel's value as it is, also when it is then
  changed by hand and a full pass goes by.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_ipvs_timeouts.py --build BUILD
"""

import re
import sys
import time

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODE = "d1"
MARGIN = 3.0    # seconds beyond the reconcile period (the guest is emulated)
FRESH = (900, 120, 300)  # a fresh kernel's (seconds)


def kernel_timeouts(lab, node):
    """`ipvsadm -L --timeout` in the node's namespace -> (tcp, tcpfin, udp)."""
    out = vmlab.ipvsadm(lab, node, "-L", "--timeout").stdout
    m = re.search(r"Timeout \(tcp tcpfin udp\):\s+(\d+)\s+(\d+)\s+(\d+)", out)
    if not m:
        raise runner.Failure("%s: unexpected ipvsadm -L --timeout output %r" % (node, out))
    return tuple(int(g) for g in m.groups())


def write_config(lab, vss, timeouts):
    keys = "".join('%s = "%ds"\n' % (k, v) for k, v in timeouts.items())
    lab.write_config(NODE, lab.config_text(NODE) + "\n" + vmlab.ipvs_config_text(vss) + "\n[ipvs]\n" + keys)


def wait_timeouts(lab, want, timeout):
    seen = {}

    def same():
        seen["t"] = kernel_timeouts(lab, NODE)
        return seen["t"] == want

    ok, elapsed = labmod.wait_until(same, timeout, step=0.2)
    return bool(ok), elapsed, seen.get("t")


def reload(case, lab):
    p = lab.ctl(NODE, "reload", timeout=20)
    case.check(p.returncode == 0, "tandemctl reload failed (%d): %s" % (p.returncode, (p.stdout + p.stderr).strip()))


def case_timeouts(case):
    lab = vmlab.ipvs_lab(case)
    vss = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1)])]
    for node in labmod.NODES:
        case.check(kernel_timeouts(lab, node) == FRESH, "%s: not a fresh kernel's timeouts before start" % node)
    limit = vmlab.RECONCILE_PERIOD + MARGIN

    # Start: all three set, in one SET, logged with the kernel's values.
    write_config(lab, vss, {"tcp_timeout": 3600, "tcpfin_timeout": 30, "udp_timeout": 60})
    mark = whole = vmlab.LogMark(lab, NODE)  # the whole log: it starts now
    t0 = vmlab.monotonic()
    lab.start(NODE)
    ok, _, seen = wait_timeouts(lab, (3600, 30, 60), 20.0)
    case.check(ok, "after start the timeouts are %s, not 3600 30 60" % (seen,))
    case.note("set %s after start" % ms(vmlab.monotonic() - t0))
    sets = mark.lines_with(r"ipvs: SET timeouts")
    case.check(len(sets) == 1 and sets[0].endswith("tcp 3600s (was 900s) tcpfin 30s (was 120s) udp 60s (was 300s)"),
               "the start's SET timeouts log lines: %s" % sets)
    case.check(kernel_timeouts(lab, "d2") == FRESH, "d2's namespace (no tandemd) changed: %s"
               % (kernel_timeouts(lab, "d2"),))
    st = lab.status(NODE)
    kernel = st.get("ipvs_timeouts", {}).get("kernel")
    case.check(kernel == {"tcp_timeout": 3600, "tcpfin_timeout": 30, "udp_timeout": 60},
               "status --json ipvs_timeouts: %s" % st.get("ipvs_timeouts"))
    text = lab.ctl(NODE, "status").stdout
    case.check("ipvs timeouts: tcp 3600s tcpfin 30s udp 60s\n" in text, "status text: %s" % text)

    # By hand: ipvsadm --set 100 0 0 changes tcp alone; the next full pass
    # puts it back, and sets nothing else.
    mark = vmlab.LogMark(lab, NODE)
    vmlab.ipvsadm(lab, NODE, "--set", "100", "0", "0")
    case.check(kernel_timeouts(lab, NODE) == (100, 30, 60), "ipvsadm --set 100 0 0 did not change tcp")
    t0 = vmlab.monotonic()
    ok, elapsed, seen = wait_timeouts(lab, (3600, 30, 60), limit)
    case.check(ok, "tcp 100 by hand not repaired within %.0fs: %s" % (limit, seen))
    case.note("tcp changed by hand repaired %s later" % ms(vmlab.monotonic() - t0))
    sets = mark.lines_with(r"ipvs: SET timeouts")
    case.check(len(sets) == 1 and sets[0].endswith("ipvs: SET timeouts tcp 3600s (was 100s)"),
               "the repair's SET timeouts log lines: %s" % sets)

    # Reload with tcp_timeout changed: set by the reload's own pass.
    write_config(lab, vss, {"tcp_timeout": 1800, "tcpfin_timeout": 30, "udp_timeout": 60})
    t0 = vmlab.monotonic()
    reload(case, lab)
    ok, _, seen = wait_timeouts(lab, (1800, 30, 60), limit)
    case.check(ok, "after a reload with tcp_timeout 1800s the timeouts are %s" % (seen,))
    case.note("reload with a changed tcp_timeout applied %s after tandemctl reload" % ms(vmlab.monotonic() - t0))

    # Reload without udp_timeout: the kernel keeps 60, and keeps a value
    # set by hand through a full pass.
    write_config(lab, vss, {"tcp_timeout": 1800, "tcpfin_timeout": 30})
    mark = vmlab.LogMark(lab, NODE)
    reload(case, lab)
    vmlab.ipvsadm(lab, NODE, "--set", "0", "0", "77")
    time.sleep(limit)
    now = kernel_timeouts(lab, NODE)
    case.check(now == (1800, 30, 77), "after a reload removing udp_timeout and ipvsadm --set 0 0 77, "
               "a full pass later: %s" % (now,))
    case.check(not mark.lines_with(r"ipvs: SET timeouts"), "timeouts set after udp_timeout was removed: %s"
               % mark.lines_with(r"ipvs: SET timeouts"))
    bad = whole.lines_with(r"reading the IPVS timeouts|setting the IPVS timeouts|reports no \w+_timeout")
    case.check(not bad, "errors about the timeouts in the log: %s" % bad)
    case.note("udp_timeout removed: the kernel's 60 stayed, 77 set by hand stayed through a full pass")


if __name__ == "__main__":
    sys.exit(runner.main([case_timeouts], "vm: the [ipvs] connection timeouts"))
