#!/usr/bin/env python3
"""vm tier: a planned switchover (`tandemctl standby`) of the example lab
pair (examples/lab/, direct routing, [sync]) under client traffic. The
handover goes in stages (tandemd(8) "Planned switchover"):

- `tandemctl standby` on the active director: the peer adds the VIP without
  announcing it and stays backup, and the active director's kernel table
  sends new connections to the peer (the peer's public address as a
  direct-routing destination with weight 1, r1 and r2 at weight 0);
- after the forwarding stage the peer is active and holds the VIP alone,
  the old director is standby with its table as configured again;
- the client, starting a request every 10 ms throughout, sees no failed
  request, and no gap between answers that the service caused
  (livelab.outage) longer than OUTAGE_BOUND (plus the time the guest was
  measurably stalled).

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_switchover.py --build BUILD
"""

import time

import livelab
import vmlab
from vmlab import labmod, runner
from runner import ms

# The forwarding stage with [sync] (failover::handover_forward_stage) and
# what the guest may add to it.
STAGE = 3.0
ALLOWANCE = 2.0
# The longest gap between answers the switchover may cause. The target is
# 30 ms; the bound leaves room for the emulated guest.
OUTAGE_BOUND = 0.25


def case_switchover(case):
    live = livelab.LiveLab(case.build, verbose=case.verbose)
    case.labs.append(live.lab)
    active = live.start()
    peer = live.lab.peer_of(active)
    peer_dest = "%s.%d:%d" % (labmod.PUBLIC_NET, labmod.HOST_OCTET[peer], livelab.PORT)

    def diagnostics():
        return "\n".join("---- %s: ipvsadm -Ln\n%s\n---- %s: log tail\n%s"
                         % (node, live.ipvsadm(node), node, live.lab.log_tail(node, 20)) for node in livelab.NODES)

    def require(condition, message):
        if not condition:
            raise runner.Failure(message + "\n" + diagnostics())

    def dests(node):
        s = vmlab.proc_table(live.lab, node).get(livelab.SERVICE)
        return {d: v.weight for d, v in s.dests.items()} if s else {}

    staged_table = {livelab.dest("r1"): 0, livelab.dest("r2"): 0, peer_dest: 1}
    meter = vmlab.StallMeter()
    try:
        probe = live.start_probe(every=0.01, timeout=0.5)
        time.sleep(1.0)
        t0 = time.monotonic()
        p = live.lab.ctl(active, "standby", timeout=10)
        require(p.returncode == 0, "tandemctl standby on %s: exit %d %s" % (active, p.returncode, p.stderr))

        # Stage: the peer holds the VIP unannounced, new connections go to it.
        staged, took = labmod.wait_until(lambda: dests(active) == staged_table and live.holders() == list(livelab.NODES),
                                         STAGE, step=0.02)
        require(staged, "no forwarding stage within %s: %s's table %s, VIP holders %s"
                % (ms(STAGE), active, dests(active), live.holders()))
        st = live.lab.status(peer)
        require(st["role"] == "backup", "%s is %s while staged, expected backup" % (peer, st["role"]))
        case.note("%s staged (VIP unannounced, backup) and %s forwarding new connections to %s after %s"
                  % (peer, active, peer_dest, ms(took)))

        # Handover: the peer active and alone with the VIP, the table restored.
        done, took = labmod.wait_until(lambda: live.holders() == [peer], STAGE + ALLOWANCE + 5, step=0.01)
        stalled = meter.stalled(t0)
        require(done, "%s did not hold the VIP alone: holders %s" % (peer, live.holders()))
        require(took >= STAGE - 0.5, "the handover completed after %s, before the forwarding stage (%s) was over"
                % (ms(took), ms(STAGE)))
        require(took <= STAGE + ALLOWANCE + stalled, "the handover took %s, bound %s (+ %s stalled)"
                % (ms(took), ms(STAGE + ALLOWANCE), ms(stalled)))
        roles = {n: live.lab.status(n)["role"] for n in livelab.NODES}
        require(roles == {active: "standby", peer: "active"}, "roles after the handover: %s" % roles)
        restored, _ = labmod.wait_until(lambda: dests(active) == {livelab.dest("r1"): 1, livelab.dest("r2"): 1},
                                        ALLOWANCE, step=0.05)
        require(restored, "%s's table after the handover: %s" % (active, dests(active)))
        case.note("%s active alone %s after the standby, %s standby with its table restored"
                  % (peer, ms(took), active))

        time.sleep(1.0)
        result = livelab.outage(probe.stop(), t_from=t0 - 0.5)
        stalled = meter.stalled(t0)
    finally:
        meter.close()
    case.note("client: %d requests, %d failed, longest gap %s, outage %s, client pause %s, servers %s"
              % (result["requests"], result["failed"], ms(result["longest_gap"]), ms(result["outage"]),
                 ms(result["client_pause"]), " ".join(result["servers"])[:120]))
    require(result["failed"] == 0, "%d requests failed during the switchover: %s" % (result["failed"], result["errors"]))
    require(result["outage"] <= OUTAGE_BOUND + stalled, "outage %s, bound %s (+ %s stalled)"
            % (ms(result["outage"]), ms(OUTAGE_BOUND), ms(stalled)))


if __name__ == "__main__":
    import sys
    sys.exit(runner.main([case_switchover], "vm: a staged planned switchover under client traffic"))
