#!/usr/bin/env python3
"""vm tier: the IPVS sync daemon follows the role.

- sync_roles: with [sync] configured, `ipvsadm -L --daemon` shows a master
  sync daemon on the active director and a backup one on the other; when the
  active one is powered off (its links down: it goes to fault) they swap, and
  they stay swapped once it comes back.
- connection_survives_failover: a long-lived TCP connection through the VIP
  (direct routing to a real server), exchanging a message every 100 ms, goes
  on after the active director is powered off: the backup learnt the
  connection from the sync daemon (seen in its `ipvsadm -Lnc`) and forwards
  it to the same real server.
- control_without_sync: the same without [sync] breaks the connection (the
  new director has no entry for it and its own stack resets it), which shows
  that the case above depends on the sync daemon.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_ipvs_sync.py --build BUILD
"""

import re
import sys
import time

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODES = labmod.NODES
SYNCID = 7
CLIENT = "%s.%d" % (labmod.PUBLIC_NET, labmod.HOST_OCTET["client"])


def daemons_are(lab, roles):
    """roles: {node: "master"|"backup"} -> True when each node runs exactly that daemon on eth1."""
    for node, state in roles.items():
        if vmlab.sync_daemons(lab, node) != [(state, "eth1", SYNCID)]:
            return False
    return True


def wait_daemons(case, lab, roles, timeout, stage):
    ok, elapsed = labmod.wait_until(lambda: daemons_are(lab, roles), timeout, step=0.1)
    case.check(ok, "%s: sync daemons %s, expected %s" % (
        stage, {n: vmlab.sync_daemons(lab, n) for n in roles}, roles))
    return elapsed


def wait_role(case, lab, node, role, timeout):
    ok, elapsed = labmod.wait_until(lambda: (lab.try_status(node) or {}).get("role") == role, timeout, step=0.1)
    case.check(ok, "%s never became %s (roles %s)" % (node, role, lab.roles()))
    return elapsed


def connections(lab, node):
    """`ipvsadm -Lnc` -> [(state, source, virtual, destination)]."""
    out = vmlab.ipvsadm(lab, node, "-Lnc").stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^TCP\s+\S+\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", line)
        if m:
            rows.append(m.groups())
    return rows


def case_sync_roles(case):
    lab = vmlab.ipvs_lab(case)
    vss = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1)])]
    vmlab.write_ipvs_configs(lab, vss, sync=vmlab.sync_toml("eth1", SYNCID))
    lab.start_pair()
    a = vmlab.both_settled(lab, vmlab.expected_table(vss))
    b = lab.peer_of(a)
    wait_daemons(case, lab, {a: "master", b: "backup"}, 10.0, "after start")
    case.note("after start: %s master, %s backup" % (a, b))

    t0 = vmlab.monotonic()
    lab.power_off(a)
    took = wait_role(case, lab, b, "active", 15.0)
    wait_daemons(case, lab, {b: "master"}, 10.0, "after %s was powered off" % a)
    t_master = vmlab.monotonic() - t0
    wait_daemons(case, lab, {a: "backup"}, 10.0, "after %s was powered off" % a)
    t_backup = vmlab.monotonic() - t0
    case.note("%s powered off: %s active after %s, %s master after %s, %s backup after %s"
              % (a, b, ms(took), b, ms(t_master), a, ms(t_backup)))
    case.note("%s is %s" % (a, (lab.try_status(a) or {}).get("role")))

    lab.power_on(a)
    now_active = lab.wait_stable(timeout=20)
    case.check(now_active == b, "after %s came back %s is active (no auto_failback: expected %s)" % (a, now_active, b))
    wait_daemons(case, lab, {b: "master", a: "backup"}, 10.0, "after %s came back" % a)
    case.note("%s back: stays backup with the backup daemon" % a)


def chat_through_failover(case, with_sync):
    lab = vmlab.ipvs_lab(case)
    vmlab.add_real_servers(lab, ["r1", "r2"])
    vss = [VirtualServer(VIP, 80, reals=[Real("10.77.0.11", 1), Real("10.77.0.12", 1)])]
    vmlab.write_ipvs_configs(lab, vss, sync=vmlab.sync_toml("eth1", SYNCID) if with_sync else None)
    lab.start_pair()
    a = vmlab.both_settled(lab, vmlab.expected_table(vss))
    b = lab.peer_of(a)
    if with_sync:
        wait_daemons(case, lab, {a: "master", b: "backup"}, 10.0, "after start")

    chat = vmlab.Chat(lab, VIP, 80, every=0.1)
    t_conn = vmlab.monotonic()

    def mine(node):
        return [r for r in connections(lab, node) if r[1].startswith(CLIENT + ":") and r[2] == "%s:80" % VIP]

    case.check(labmod.wait_until(lambda: mine(a), 5.0, step=0.1)[0], "%s has no entry for the connection" % a)
    if with_sync:
        synced, took = labmod.wait_until(lambda: mine(b), 10.0, step=0.2)
        case.check(synced, "the connection never reached %s's table through the sync daemon (%s has %s)"
                   % (b, a, mine(a)))
        case.note("connection in %s's table %s after it opened: %s" % (b, ms(vmlab.monotonic() - t_conn),
                                                                      " ".join(synced[0])))
    else:
        time.sleep(3.0)
        case.check(not mine(b), "without [sync], %s knows the connection: %s" % (b, mine(b)))
    time.sleep(1.0)

    t_off = vmlab.monotonic()
    lab.power_off(a)
    took = wait_role(case, lab, b, "active", 15.0)
    t_active = t_off + took
    time.sleep(6.0)
    r = chat.stop()[0]
    sent, received = r["sent"], r["received"]
    before = [x for x in received if x[1] < t_off]
    after = [x for x in received if x[1] >= t_off]
    gap, g_from, _ = vmlab.gaps([t_conn] + [x[1] for x in received] + [r["closed"]])
    figures = ("takeover %s after power-off; %d messages sent, %d answered (%d before the power-off, %d after); "
               "longest silence %s; error %s" % (ms(took), len(sent), len(received), len(before), len(after),
                                                 ms(gap), r["error"]))
    case.note(figures)
    return lab, a, b, r, before, after, t_off, t_active


def case_connection_survives_failover(case):
    lab, a, b, r, before, after, t_off, t_active = chat_through_failover(case, with_sync=True)
    case.check(r["error"] is None, "the connection ended: %s" % r["error"])
    case.check(len(before) >= 10, "only %d answers before the power-off" % len(before))
    # The guest is emulated: ask for steady flow, not for every 100 ms slot.
    late = [x for x in after if x[1] >= t_active + 1.0]
    case.check(len(late) >= 20, "only %d answers from 1 s after the takeover to the end (%d after the power-off)"
               % (len(late), len(after)))
    nodes = sorted({x[2] for x in r["received"]})
    case.check(len(nodes) == 1, "answers came from %s: the connection moved between real servers" % nodes)
    seqs = [x[0] for x in r["received"]]
    case.check(seqs == list(range(len(seqs))), "answers out of order or missing: %s ..." % seqs[:40])
    last_sent = r["sent"][-1][0] if r["sent"] else -1
    case.check(last_sent - seqs[-1] <= 20, "answers stopped at seq %d, last sent %d" % (seqs[-1], last_sent))
    case.note("same connection, same real server %s throughout" % nodes[0])


def case_control_without_sync(case):
    lab, a, b, r, before, after, t_off, t_active = chat_through_failover(case, with_sync=False)
    case.check(len(before) >= 10, "only %d answers before the power-off" % len(before))
    broken = r["error"] is not None or len(after) < 5
    case.check(broken, "without the sync daemon the connection went on (%d answers after the power-off): "
               "the sync case proves nothing" % len(after))
    case.note("without [sync] the connection breaks as expected")


if __name__ == "__main__":
    sys.exit(runner.main([case_sync_roles, case_connection_survives_failover, case_control_without_sync],
                         "vm: the IPVS sync daemon and failover"))
