#!/usr/bin/env python3
"""vm tier: the example lab pair (examples/lab/d1.toml, d2.toml, authkeys)
as the demo runs it (tests/vm/livelab.py: two DR real servers with an HTTP
server each, a client), so the shipped example is the tested one.

- both real servers answer through the VIP (wlc shares the requests);
- r1's server killed: its weight is 0 in both directors' tables within
  interval*fall + timeout + ALLOWANCE (plus the time the guest was
  measurably stalled), r2 keeps weight 1, and every request goes to r2;
  restarted, its weight is back within interval*rise + timeout + ALLOWANCE;
- the active director's links all down (power off) while the client sends a
  request every 10 ms: the backup holds the VIP within deadtime + ALLOWANCE,
  is active in its status, the answers resume within deadtime + OUTAGE_SLACK,
  and the real servers answer through it.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_lab.py --build BUILD
"""

import time

import livelab
import vmlab
from vmlab import labmod, runner
from runner import ms

# Seconds beyond a bound: the guest is emulated, and a change still has to
# reach the kernel table (as in test_health.py).
ALLOWANCE = 1.5
# The client-visible outage of a takeover beyond deadtime: GARP, the
# client's request timeout (0.5 s) and emulation.
OUTAGE_SLACK = 3.0


def case_lab(case):
    live = livelab.LiveLab(case.build, verbose=case.verbose)
    case.labs.append(live.lab)
    check_lab(case, live)


def check_lab(case, live):
    """The checks above on a LiveLab that has not started (lab_import_labs.py
    runs them on imported configurations)."""
    timings = live.timings()
    t = time.monotonic()
    active = live.start()
    backup = live.lab.peer_of(active)
    case.note("%s active, %s backup, both real servers up on both, %s after the start"
              % (active, backup, ms(time.monotonic() - t)))

    def diagnostics():
        out = []
        for node in livelab.NODES:
            out.append("---- %s: ipvsadm -Ln\n%s\n---- %s: tandemctl status\n%s\n---- %s: log tail\n%s"
                       % (node, live.ipvsadm(node), node, live.status_text(node), node,
                          live.lab.log_tail(node, 15)))
        return "\n".join(out)

    def require(condition, message):
        if not condition:
            raise runner.Failure(message + "\n" + diagnostics())

    # Both real servers answer through the VIP.
    got = livelab.answered(live.get(10))
    require(set(got) == {"I am real server 1", "I am real server 2"},
            "10 requests through the VIP: expected answers from both real servers, got %s" % got)
    case.note("10 requests: %s" % livelab.tally(got))

    meter = vmlab.StallMeter()
    try:
        livelab.real_server_outage(live, meter, require, case.note, ALLOWANCE)

        # The active director loses power: the backup takes the VIP and serves.
        probe = live.start_probe(every=0.01, timeout=0.5)
        time.sleep(1.0)
        cut = time.monotonic()
        live.lab.power_off(active)
        moved, took = labmod.wait_until(lambda: live.holders() == [backup], timings["deadtime"] + 10, step=0.01)
        stalled = meter.stalled(cut)
        require(moved, "%s did not take the VIP after %s lost power" % (backup, active))
        bound = timings["deadtime"] + ALLOWANCE
        require(took <= bound + stalled, "%s took the VIP after %s, bound %s (+ %s stalled)"
                % (backup, ms(took), ms(bound), ms(stalled)))
        time.sleep(2.0)
        result = livelab.outage(probe.stop(), t_from=cut - 0.5)
        stalled = meter.stalled(cut)
    finally:
        meter.close()
    case.note("%s holds the VIP %s after the power cut; client: %d requests, %d failed, longest gap %s"
              % (backup, ms(took), result["requests"], result["failed"], ms(result["longest_gap"])))
    require(result["ok"] > 0 and result["gap_to"] is not None and result["gap_to"] > cut,
            "the client got no answer after the power cut: %s" % result)
    bound = timings["deadtime"] + OUTAGE_SLACK
    require(result["longest_gap"] <= bound + stalled, "the client's longest gap was %s, bound %s (+ %s stalled)"
            % (ms(result["longest_gap"]), ms(bound), ms(stalled)))
    st = live.lab.status(backup)
    require(st["role"] == "active" and live.lab.held_in_status(st), "%s's status: role %s, VIP held %s"
            % (backup, st["role"], live.lab.held_in_status(st)))
    require(live.weights(backup) == {"r1": 1, "r2": 1}, "%s's weights %s" % (backup, live.weights(backup)))
    # Every request is answered by a real server. Not necessarily both: wlc
    # on the new holder also counts the connections the sync daemon copied
    # from the dead director, whose clients are gone (ESTABLISHED for up to
    # 15 minutes), and may favour the other server for all ten.
    got = livelab.answered(live.get(10))
    require(set(got) <= {"I am real server 1", "I am real server 2"},
            "through %s: expected every request answered by a real server, got %s" % (backup, got))


if __name__ == "__main__":
    import sys
    sys.exit(runner.main([case_lab], "vm: the example lab (examples/lab/), health checks and failover"))
