#!/usr/bin/env python3
"""vm tier: tandemctl drain with connections held open through the VIP.

Two real servers (r1, r2; direct routing, echo servers that keep idle
connections) behind the VIP, no health check.

- drain: eight idle TCP connections are held through the active director in
  two groups; `tandemctl drain VIP:80 r1 --timeout 120s` sets r1's weight
  to 0 in both kernel tables while r1 keeps its connections (ActiveConn
  unchanged), new connections all go to r2, and the command prints r1's
  active connections counting down as the groups close, then reports it
  drained and exits 0. Meanwhile the backup director is restarted: its
  table and its status still say r1 is drained. `tandemctl enable` puts
  r1 back at weight 1 on both.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_maintenance.py --build BUILD
"""

import collections
import re
import subprocess
import threading
import time

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODES = labmod.NODES
SERVICE = "TCP %s:80" % VIP
R1 = "10.77.0.11:80"
R2 = "10.77.0.12:80"


def dest(lab, node, address):
    t = vmlab.proc_table(lab, node)
    s = t.get(SERVICE)
    return s.dests.get(address) if s else None


class Drain:
    """`tandemctl drain` running, its lines with the time each came."""

    def __init__(self, lab, node, *args):
        self.proc = subprocess.Popen([lab.tandemctl, "--socket", lab.socket_path(node), "drain"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))

    def actives(self):
        return [int(m.group(1)) for _, l in self.lines for m in [re.search(r"active (\d+), persistent", l)] if m]

    def wait(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=5)
        return self.proc.returncode


def case_drain(case):
    lab = vmlab.ipvs_lab(case)
    vmlab.add_real_servers(lab, ["r1", "r2"])
    vss = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1)])]
    vmlab.write_ipvs_configs(lab, vss)
    lab.start_pair()
    active = vmlab.both_settled(lab, vmlab.expected_table(vss))
    backup = lab.peer_of(active)

    first, first_on = vmlab.hold_connections(lab, VIP, 80, 4, timeout=30)
    second, second_on = vmlab.hold_connections(lab, VIP, 80, 4, timeout=30)
    on_r1 = collections.Counter(first_on)["r1"] + collections.Counter(second_on)["r1"]
    case.check(on_r1 >= 2, "only %d of 8 connections went to r1 (%s, %s)" % (on_r1, first_on, second_on))
    ok, _ = labmod.wait_until(lambda: (dest(lab, active, R1) or vmlab.Dest("", 0)).active == on_r1, 10, step=0.1)
    case.check(ok, "ActiveConn of r1 on %s is not %d: %r" % (active, on_r1, vars(dest(lab, active, R1) or vmlab.Dest("", 0))))
    case.note("%d of 8 held connections on r1 via %s" % (on_r1, active))

    t0 = time.monotonic()
    drain = Drain(lab, active, "%s:80" % VIP, "10.77.0.11", "--timeout", "120s")
    first_weights, _ = vmlab.wait_nodes(lab, lambda node, t: (t.get(SERVICE).dests.get(R1).weight == 0
                                                               if t.get(SERVICE) and t.get(SERVICE).dests.get(R1)
                                                               else False), 15, since=t0)
    case.check(all(v is not None for v in first_weights.values()), "r1's weight is not 0 on both: %s" % first_weights)
    case.note("r1 at weight 0 on %s after %s, on %s after %s" % (active, ms(first_weights[active]), backup,
                                                                ms(first_weights[backup])))
    d = dest(lab, active, R1)
    case.check(d.active == on_r1, "draining dropped r1's connections: ActiveConn %d, was %d" % (d.active, on_r1))

    # New connections go to r2 only.
    third, third_on = vmlab.hold_connections(lab, VIP, 80, 4, timeout=30)
    case.check(set(third_on) == {"r2"}, "new connections while draining went to %s" % third_on)
    third.stdin.close()
    third.wait(timeout=10)

    # The backup restarts: the drain is still in force there.
    lab.stop(backup)
    lab.start(backup)
    ok, _ = labmod.wait_until(lambda: any(
        dd.get("maintenance") and dd["maintenance"]["mode"] == "drain" and dd["address"] == R1
        for v in (lab.try_status(backup) or {}).get("virtual_servers", []) for dd in v["dests"]), 30, step=0.2)
    case.check(ok, "%s restarted does not show r1 draining:\n%s" % (backup, lab.ctl(backup, "status").stdout))
    case.check(dest(lab, backup, R1).weight == 0, "r1's weight on the restarted %s: %d" % (backup, dest(lab, backup, R1).weight))

    # The connections close in two groups; the drain counts them down.
    time.sleep(6)  # a full kernel read (every 5 s) shows the first count
    first.stdin.close()
    first.wait(timeout=10)
    t_first = time.monotonic()
    time.sleep(7)
    second.stdin.close()
    second.wait(timeout=10)
    t_second = time.monotonic()
    code = drain.wait(60)
    out = "\n".join(l for _, l in drain.lines)
    err = drain.proc.stderr.read()
    case.check(code == 0, "tandemctl drain exited %s:\n%s\n%s" % (code, out, err))
    actives = drain.actives()
    case.check(actives and actives[0] == on_r1 and actives[-1] == 0, "the countdown %s does not go from %d to 0:\n%s"
               % (actives, on_r1, out))
    case.check(all(a >= b for a, b in zip(actives, actives[1:])), "the countdown goes up: %s" % actives)
    done_at = [t for t, l in drain.lines if "drained, no active or persistent connections left" in l]
    case.check(done_at and done_at[0] >= t_second - 0.5, "drained reported before the last connection closed:\n%s" % out)
    case.note("countdown %s; drained %s after the last connection closed (%s after the first group)"
              % (" ".join(map(str, actives)), ms(done_at[0] - t_second), ms(t_second - t_first)))

    p = lab.ctl(active, "enable", "%s:80" % VIP, "10.77.0.11", timeout=20)
    case.check(p.returncode == 0, "enable: %s" % p.stderr)
    back, _ = vmlab.wait_nodes(lab, lambda node, t: t.get(SERVICE).dests.get(R1).weight == 1, 15)
    case.check(all(v is not None for v in back.values()), "r1 not back at weight 1 on both: %s" % back)


if __name__ == "__main__":
    runner.main([case_drain], "tandemctl drain with connections held open")
