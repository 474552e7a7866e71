#!/usr/bin/env python3
"""vm tier: the NAT variant of the example lab (examples/lab-nat/d1.toml,
d2.toml, with examples/lab/authkeys) as `demo_lab.py --nat` runs it
(tests/vm/natlab.py: two real servers on a server LAN whose default route is
the directors' floating gateway 10.79.0.254, a client on the public LAN).

- both directors' kernel tables hold the service with both real servers,
  masqueraded (`ipvsadm -Ln` says Masq), weight 1;
- ten requests through the VIP are shared by the real servers (at least 3
  each; wlc alternates them);
- r1's server killed: its weight is 0 in both directors' tables within
  interval*fall + timeout + ALLOWANCE (plus the time the guest was
  measurably stalled), and every request goes to r2; restarted, its weight
  is back within interval*rise + timeout + ALLOWANCE;
- the active director's links all down (power off) while the client sends a
  request every 10 ms: the backup holds both VIPs (the public one and the
  gateway) within deadtime + ALLOWANCE, is active in its status, the answers
  resume within deadtime + OUTAGE_SLACK, and both real servers answer
  through it (their answers take the gateway, now on the new holder; when
  wlc still favours one for the connections the cut left behind, that one
  is quiesced until the other has answered);
- power back: the old director settles as backup, holds neither VIP, and
  every request is still answered.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_lab_nat.py --build BUILD
"""

import time

import livelab
import natlab
import vmlab
from vmlab import labmod, runner
from runner import ms

# Seconds beyond a bound: the guest is emulated, and a change still has to
# reach the kernel table (as in test_lab.py).
ALLOWANCE = 1.5
# The client-visible outage of a takeover beyond deadtime: GARP on both
# LANs, the client's request timeout (0.5 s) and emulation.
OUTAGE_SLACK = 3.0
# How long the returning director may take to settle as backup (seconds).
SETTLE = 20.0

ANSWERS = {"I am real server 1", "I am real server 2"}


def case_lab_nat(case):
    live = natlab.NatLab(case.build, verbose=case.verbose)
    case.labs.append(live.lab)
    check_lab_nat(case, live)


def check_lab_nat(case, live):
    """The checks above on a NatLab that has not started (lab_import_labs.py
    runs them on imported configurations)."""
    check = live.check()
    timings = live.timings()
    t = time.monotonic()
    active = live.start()
    backup = live.lab.peer_of(active)
    case.note("%s active with both VIPs, %s backup, both real servers up on both, %s after the start"
              % (active, backup, ms(time.monotonic() - t)))

    def diagnostics():
        out = ["VIP holders: %s" % live.all_holders()]
        for node in natlab.NODES:
            out.append("---- %s: ipvsadm -Ln\n%s\n---- %s: tandemctl status\n%s\n---- %s: log tail\n%s"
                       % (node, live.ipvsadm(node), node, live.status_text(node), node,
                          live.lab.log_tail(node, 15)))
        return "\n".join(out)

    def require(condition, message):
        if not condition:
            raise runner.Failure(message + "\n" + diagnostics())

    # (a) The NAT service with both real servers in both kernel tables.
    for node in natlab.NODES:
        text = live.ipvsadm(node)
        fwd = natlab.table_forwarding(vmlab.parse_ipvsadm(text))
        require(fwd == {"r1": "nat", "r2": "nat"} and text.count("Masq") == 2,
                "%s's table: expected %s with r1 and r2 masqueraded, got %s" % (node, natlab.SERVICE, fwd))
        require(live.weights(node) == {"r1": 1, "r2": 1}, "%s's weights %s" % (node, live.weights(node)))
    case.note("both tables: %s -> %s, %s Masq weight 1" % (natlab.SERVICE, natlab.dest("r1"), natlab.dest("r2")))

    # (b) The requests are shared.
    got = livelab.answered(live.get(10))
    require(set(got) == ANSWERS and min(got.count(a) for a in ANSWERS) >= 3,
            "10 requests through the VIP: expected both real servers, at least 3 each, got %s" % got)
    case.note("10 requests: %s" % livelab.tally(got))

    meter = vmlab.StallMeter()
    try:
        # (c) r1 fails: weight 0 on both directors, all requests to r2; back.
        livelab.real_server_outage(live, meter, require, case.note, ALLOWANCE)

        # (d) The active director loses power: the backup takes both VIPs.
        probe = live.start_probe(every=0.01, timeout=0.5)
        time.sleep(1.0)
        cut = time.monotonic()
        live.lab.power_off(active)
        took = {}

        def moved():
            for address in (natlab.VIP, natlab.GATEWAY):
                if address not in took and live.holders(address) == [backup]:
                    took[address] = time.monotonic() - cut
            return len(took) == 2

        ok, _ = labmod.wait_until(moved, timings["deadtime"] + 10, step=0.01)
        stalled = meter.stalled(cut)
        require(ok, "%s did not take both VIPs after %s lost power: %s" % (backup, active, live.all_holders()))
        bound = timings["deadtime"] + ALLOWANCE
        for address, seconds in took.items():
            require(seconds <= bound + stalled, "%s took %s after %s, bound %s (+ %s stalled)"
                    % (backup, address, ms(seconds), ms(bound), ms(stalled)))
        time.sleep(2.0)
        result = livelab.outage(probe.stop(), t_from=cut - 0.5)
        stalled = meter.stalled(cut)
    finally:
        meter.close()
    case.note("%s holds %s %s and %s %s after the power cut; client: %d requests, %d failed, longest gap %s"
              % (backup, natlab.VIP, ms(took[natlab.VIP]), natlab.GATEWAY, ms(took[natlab.GATEWAY]),
                 result["requests"], result["failed"], ms(result["longest_gap"])))
    require(result["ok"] > 0 and result["gap_to"] is not None and result["gap_to"] > cut,
            "the client got no answer after the power cut: %s" % result)
    bound = timings["deadtime"] + OUTAGE_SLACK
    require(result["longest_gap"] <= bound + stalled, "the client's longest gap was %s, bound %s (+ %s stalled)"
            % (ms(result["longest_gap"]), ms(bound), ms(stalled)))
    st = live.lab.status(backup)
    require(st["role"] == "active" and live.lab.held_in_status(st)
            and live.lab.held_in_status(st, natlab.GATEWAY),
            "%s's status: role %s, VIP held %s, gateway held %s" % (backup, st["role"], live.lab.held_in_status(st),
                                                                   live.lab.held_in_status(st, natlab.GATEWAY)))
    require(live.weights(backup) == {"r1": 1, "r2": 1}, "%s's weights %s" % (backup, live.weights(backup)))
    got = livelab.answered(live.get(10))
    require(set(got) <= ANSWERS, "through %s: expected every request answered, got %s" % (backup, got))
    case.note("through %s, 10 requests: %s" % (backup, livelab.tally(got)))
    # Both real servers answer through the new holder, so both send their
    # answers to its gateway. wlc may still favour one: it counts the
    # connections the cut left behind (synchronised from the old director,
    # their clients gone), which stay established on the new holder. Then
    # the favoured one is quiesced (its server stopped) until the other has
    # answered.
    for missing in [r for r in natlab.REALS if "I am real server %s" % r[1:] not in got]:
        other = [r for r in natlab.REALS if r != missing][0]
        conns = {r: (d.active, d.inactive) for r, d in
                 ((natlab.real_of(a), d) for a, d in vmlab.kernel_table(live.lab, backup)[natlab.SERVICE]
                  .dests.items())}
        bound = check["interval"] * check["fall"] + check["timeout"] + ALLOWANCE + 15
        since = live.stop_server(other)
        first, _ = vmlab.wait_nodes(live.lab, lambda n, tab: natlab.table_weights(tab).get(other) == 0, bound,
                                    since=since, nodes=(backup,))
        require(first[backup] is not None, "%s's weight did not reach 0 on %s" % (other, backup))
        alone = livelab.answered(live.get(5))
        require(set(alone) == {"I am real server %s" % missing[1:]},
                "with %s quiesced on %s every request should reach %s: %s" % (other, backup, missing, alone))
        bound = check["interval"] * check["rise"] + check["timeout"] + ALLOWANCE + 15
        since = live.start_server(other)
        first, _ = vmlab.wait_nodes(live.lab, lambda n, tab: natlab.table_weights(tab).get(other) == 1, bound,
                                    since=since, nodes=(backup,))
        require(first[backup] is not None, "%s's weight did not return to 1 on %s" % (other, backup))
        case.note("wlc preferred %s (connections active/inactive %s); with %s quiesced %s answered 5 of 5"
                  % (other, conns, other, missing))

    # (e) Power back: the old director is backup and holds neither VIP.
    live.lab.power_on(active)
    since = time.monotonic()
    settled, took_settle = labmod.wait_until(lambda: live.lab.stable(), SETTLE, step=0.1)
    require(settled == backup, "the pair did not settle with %s active within %s after %s's power came back: %s"
            % (backup, ms(SETTLE), active, live.lab.roles()))
    holders = live.all_holders()
    require(holders == {natlab.VIP: [backup], natlab.GATEWAY: [backup]},
            "after %s came back the VIPs are on %s" % (active, holders))
    st = live.lab.status(active)
    require(st["role"] == "backup" and not live.lab.held_in_status(st)
            and not live.lab.held_in_status(st, natlab.GATEWAY),
            "%s's status after its power came back: role %s" % (active, st["role"]))
    got = livelab.answered(live.get(10))
    require(set(got) <= ANSWERS, "after %s came back: expected every request answered through %s, got %s"
            % (active, backup, got))
    case.note("%s back as backup %s after its links came up, holding neither VIP; 10 requests: %s"
              % (active, ms(time.monotonic() - since if took_settle is None else took_settle), livelab.tally(got)))


if __name__ == "__main__":
    import sys
    sys.exit(runner.main([case_lab_nat], "vm: the NAT example lab (examples/lab-nat/), health checks and failover"))
