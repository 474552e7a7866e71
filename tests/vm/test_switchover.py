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
  measurably stalled);
- long-lived connections (a line echo on port 81, a second virtual server
  like the first) go on through the handover, both one opened before the
  standby and one opened while new connections are being forwarded (the
  sync daemon must not copy the latter's entry, which names the peer, to
  the peer).

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
ECHO_PORT = 81
ECHO_SERVICE = """
[[virtual_server]]
address = "%s:%d"
protocol = "tcp"
scheduler = "wlc"
forwarding = "dr"

[virtual_server.check]
type = "tcp"
interval = "1s"
timeout = "500ms"

[[virtual_server.real]]
address = "10.77.0.11"

[[virtual_server.real]]
address = "10.77.0.12"
""" % (livelab.VIP, ECHO_PORT)


def case_switchover(case):
    live = livelab.LiveLab(case.build, verbose=case.verbose)
    case.labs.append(live.lab)
    for node in livelab.NODES:
        live.lab.write_config(node, live.config_text(node) + ECHO_SERVICE)
    for r in livelab.REALS:
        vmlab.start_echo_server(live.lab, r, ECHO_PORT)
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
    chats = {}
    try:
        chats["before"] = vmlab.Chat(live.lab, livelab.VIP, ECHO_PORT)
        probe = live.start_probe(every=0.01, timeout=0.5)
        time.sleep(1.0)
        t0 = time.monotonic()
        p = live.lab.ctl(active, "standby", timeout=10)
        # The daemon starts the handover before it answers: the handover
        # began between t0 and t_cmd (starting tandemctl in a loaded guest
        # can take seconds).
        t_cmd = time.monotonic()
        require(p.returncode == 0, "tandemctl standby on %s: exit %d %s" % (active, p.returncode, p.stderr))
        # When the peer holds the VIP alone, seen by a poll of its own: the
        # steps below start processes in the guest (a second chat, a status),
        # which take seconds when the host is busy.
        alone = Watch(lambda: live.holders() == [peer])

        # Stage: the peer holds the VIP unannounced, new connections go to it.
        staged, took = labmod.wait_until(lambda: dests(active) == staged_table and live.holders() == list(livelab.NODES),
                                         STAGE, step=0.02)
        require(staged, "no forwarding stage within %s: %s's table %s, VIP holders %s"
                % (ms(STAGE), active, dests(active), live.holders()))
        st = live.lab.status(peer)
        require(st["role"] == "backup", "%s is %s while staged, expected backup" % (peer, st["role"]))
        case.note("%s staged (VIP unannounced, backup) and %s forwarding new connections to %s after %s"
                  % (peer, active, peer_dest, ms(took)))
        chats["during"] = vmlab.Chat(live.lab, livelab.VIP, ECHO_PORT)

        # Handover: the peer active and alone with the VIP, the table restored.
        done = alone.wait(STAGE + ALLOWANCE + 5)
        t_done = alone.first or time.monotonic()
        took = t_done - t0
        stalled = meter.stalled(t0)
        # Each stage's duration, as the active director logged it, and their sum.
        lines = [line.split("handover: ", 1)[1] for line in live.lab.log_text(active).splitlines()
                 if "handover: " in line]
        stages = "; ".join(lines)
        logged = sum(stage_seconds(line) for line in lines)
        case.note("tandemctl standby answered after %s; %s's handover stages (%s in all): %s"
                  % (ms(t_cmd - t0), active, ms(logged), stages or "(none logged)"))
        require(done, "%s did not hold the VIP alone: holders %s; stages: %s" % (peer, live.holders(), stages))
        require(took >= STAGE - 0.5, "the handover completed after %s, before the forwarding stage (%s) was over"
                % (ms(took), ms(STAGE)))
        # The handover itself: from the answer to the standby (a lower
        # bound: it began before) and as the daemon timed its stages.
        since_answer = t_done - t_cmd
        require(since_answer <= STAGE + ALLOWANCE + stalled and logged <= STAGE + ALLOWANCE + stalled,
                "the handover took %s after tandemctl standby answered (%s after it was started), %s by the "
                "daemon's stages, bound %s (+ %s stalled); stages: %s"
                % (ms(since_answer), ms(took), ms(logged), ms(STAGE + ALLOWANCE), ms(stalled), stages))
        roles = {n: live.lab.status(n)["role"] for n in livelab.NODES}
        require(roles == {active: "standby", peer: "active"}, "roles after the handover: %s" % roles)
        restored, _ = labmod.wait_until(lambda: dests(active) == {livelab.dest("r1"): 1, livelab.dest("r2"): 1},
                                        ALLOWANCE, step=0.05)
        require(restored, "%s's table after the handover: %s" % (active, dests(active)))
        case.note("%s active alone %s after the standby, %s standby with its table restored"
                  % (peer, ms(took), active))

        time.sleep(1.5)
        result = livelab.outage(probe.stop(), t_from=t0 - 0.5)
        stalled = meter.stalled(t0)
        talk = {name: c.stop()[0] for name, c in chats.items()}
    finally:
        meter.close()
        for c in chats.values():
            c.stop()
    for name, t in talk.items():
        after = [r for r in t["received"] if r[1] > t_done]
        require(t["error"] is None and after, "the connection opened %s the standby: error %s, %d answers after "
                "the handover (%d in all)" % (name, t["error"], len(after), len(t["received"])))
    case.note("long-lived connections opened before the standby and during the forwarding: %s answers after "
              "the handover" % " and ".join("%d (%s)" % (len([r for r in t["received"] if r[1] > t_done]),
                                                            t["received"][-1][2]) for t in talk.values()))
    case.note("client: %d requests, %d failed, longest gap %s, outage %s, client pause %s, servers %s"
              % (result["requests"], result["failed"], ms(result["longest_gap"]), ms(result["outage"]),
                 ms(result["client_pause"]), " ".join(result["servers"])[:120]))
    require(result["failed"] == 0, "%d requests failed during the switchover: %s" % (result["failed"], result["errors"]))
    require(result["outage"] <= OUTAGE_BOUND + stalled, "outage %s, bound %s (+ %s stalled)"
            % (ms(result["outage"]), ms(OUTAGE_BOUND), ms(stalled)))


class Watch:
    """Polls predicate() every 10 ms on a thread of its own; `first` is the
    monotonic time it first held."""

    def __init__(self, predicate):
        import threading
        self.first = None
        self._predicate = predicate
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._done.is_set():
            try:
                if self._predicate():
                    self.first = time.monotonic()
                    self._done.set()
                    return
            except Exception:
                pass
            time.sleep(0.01)

    def wait(self, timeout):
        held = self._done.wait(timeout)
        self._done.set()
        return held and self.first is not None


def stage_seconds(line):
    """The duration a handover log line gives its stage ("... after 120ms",
    "forwarded for 3.009s", "(the table forwards after 35ms)"), in seconds;
    0 for a line without one."""
    import re
    m = re.search(r"(?:after|forwarded for) (\d+(?:\.\d+)?)(ms|s)\b", line)
    if not m:
        return 0.0
    value = float(m.group(1))
    return value / 1000.0 if m.group(2) == "ms" else value


if __name__ == "__main__":
    import sys
    sys.exit(runner.main([case_switchover], "vm: a staged planned switchover under client traffic"))
