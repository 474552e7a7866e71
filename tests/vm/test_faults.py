#!/usr/bin/env python3
"""vm tier: faults of the directors and of a real server, with IPVS.

Every case builds a fresh lab: two directors with the vm timings
(vmlab.VM_TIMINGS), real server namespaces r1 and r2 on br0 set up for
direct routing, and the VIP 10.77.0.100 with TCP port 80 balanced to them.

- kill9: `kill -9` of the active tandemd. The peer holds the VIP within
  deadtime + 2 x interval (plus an allowance for emulation) and the client
  is served through it (its neighbour entry for the VIP is the peer's MAC).
  tandemd restarted on the old node removes the VIP its crash left on eth0
  and stays backup (auto_failback off). Then, in a second lab with
  auto_failback = true and the killed node preferred, the restarted node
  takes the VIP back and the peer releases it.
- sigstop: SIGSTOP of the active tandemd for 3 x deadtime (the peer takes
  over meanwhile), then SIGCONT: exactly one node is active, by both
  status reports and by the kernel's addresses, within 3 x interval (plus
  the allowance), and stays so; the client's neighbour entry for the VIP
  ends on the holder's MAC without the client sending anything (the holder
  announces), and a request through the VIP is answered.
- flap: r1's HTTP server answers "Working Fine" and "Out of order" in turns,
  switching every second, for 20 s; the http check (interval 250ms, rise 3,
  fall 2) drives r1's weight. From the kernel table sampled every 20 ms on
  both directors: two weight changes are never closer than
  min(rise, fall) x interval (less a scheduling allowance), there are at
  most one per switch, and each is logged once.
- carrier: the active director's public NIC loses carrier (the switch side
  of its veth goes down) under client traffic, the private link staying
  up: the peer takes the VIP without waiting for deadtime (well within
  deadtime, plus the allowance), the client ends on it, and its outage and
  failed requests are printed. When the carrier comes back nothing moves.
- reload: a client connects through the VIP every 10 ms while both
  directors reload a config with r1's weight changed and a second VIP
  (one by SIGHUP, one by `tandemctl reload`): no request fails.

Failures print both directors' status, ipvsadm -Ln and log tails.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_faults.py --build BUILD
"""

import json
import re
import signal
import sys
import time

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODES = labmod.NODES
SERVICE = "TCP %s:80" % VIP
# Seconds allowed beyond a protocol bound for the emulated guest.
ALLOWANCE = 1.5


def dest(name):
    return "%s:80" % vmlab.real_ip(name)


def indent(text):
    return "\n".join("  | " + line for line in text.rstrip("\n").splitlines())


def diagnostics(lab):
    out = []
    for node in NODES:
        st = lab.try_status(node) if node in lab.daemons and lab.daemons[node].running() else None
        out.append("  ---- %s: status --json\n%s" % (node, indent(json.dumps(st, indent=1) if st else "(none)")))
        p = vmlab.ipvsadm(lab, node, "-Ln", check=False)
        out.append("  ---- %s: ipvsadm -Ln\n%s" % (node, indent(p.stdout + p.stderr)))
        out.append("  ---- %s: eth0 addresses %s" % (node, lab.addresses(node)))
    out.append("  ---- client: neighbour entry for the VIP %s; d1 %s, d2 %s"
               % (lab.neigh("client"), lab.mac("d1"), lab.mac("d2")))
    return "\n".join(out)


def check(case, lab, condition, message):
    if not condition:
        raise runner.Failure(message + "\n" + diagnostics(lab))


def start_services(lab, names, port=80):
    """tests/netns/service.py in each real server namespace: answers every
    connection with the server's name, which probe.py reads."""
    for name in names:
        lab.start_service(name, port=port)


def dr_lab(case, reals=("r1", "r2"), **kw):
    """A lab with the real servers behind the VIP; returns (lab, vss, active)."""
    lab = vmlab.ipvs_lab(case, **kw)
    for r in reals:
        vmlab.add_real_host(lab, r, vips=(VIP, labmod.VIP2))
    start_services(lab, reals)
    vss = [VirtualServer(VIP, 80, reals=[Real(vmlab.real_ip(r), 1) for r in reals])]
    vmlab.write_ipvs_configs(lab, vss)
    lab.start_pair()
    active = vmlab.both_settled(lab, vmlab.expected_table(vss))
    return lab, vss, active


def served(lab):
    ok, who = lab.get(VIP, port=80, timeout=2.0)
    return who if ok and who.startswith("r") else None


def role(lab, node):
    s = lab.try_status(node)
    return s["role"] if s else None


def role_lines(lab, node):
    """The "role X -> Y: reason" lines of the node's log."""
    return [line for line in lab.log_text(node).splitlines() if re.search(r"role \w+ -> \w+", line)]


def weight_of(table, service, d):
    s = table.get(service)
    v = s.dests.get(d) if s else None
    return v.weight if v else None


def case_kill9(case):
    lab, vss, a = dr_lab(case)
    t = lab.timings
    b = lab.peer_of(a)
    check(case, lab, served(lab), "no answer through the VIP before the kill")

    limit = t["deadtime"] + 2 * t["interval"]
    meter = vmlab.StallMeter()
    t0 = time.monotonic()
    lab.kill(a)
    _, took = labmod.wait_until(lambda: lab.has_address(b), limit + 10, step=0.02)
    stalled = meter.stalled(t0)
    meter.close()
    check(case, lab, lab.has_address(b), "%s never took the VIP after kill -9 of %s" % (b, a))
    case.note("kill -9 %s: %s holds the VIP after %s (limit %s + %s%s)"
              % (a, b, ms(took), ms(limit), ms(ALLOWANCE),
                 ", guest stalled %s" % ms(stalled) if stalled >= 0.05 else ""))
    check(case, lab, took <= limit + ALLOWANCE + stalled, "takeover took %s" % ms(took))
    st = lab.status(b)
    check(case, lab, st["role"] == "active" and lab.held_in_status(st) and not st["peer"]["alive"],
          "%s has the VIP but reports role %s, held %s, peer alive %s"
          % (b, st["role"], lab.held_in_status(st), st["peer"]["alive"]))
    ok, _ = labmod.wait_until(lambda: lab.neigh("client")[0] == lab.mac(b), 5.0, step=0.1)
    check(case, lab, ok, "the client's neighbour entry for the VIP is not %s's MAC" % b)
    who = served(lab)
    check(case, lab, who, "the client is not served through %s" % b)
    check(case, lab, lab.has_address(a), "the killed %s lost its VIP by itself (no crash leftover to test)" % a)

    # Restart: the stale VIP goes, the node stays backup.
    t1 = time.monotonic()
    lab.start(a)
    ok, gone = labmod.wait_until(lambda: not lab.has_address(a), 15.0, step=0.05)
    check(case, lab, ok, "the restarted %s kept the stale VIP on eth0" % a)
    active = lab.wait_stable(timeout=20.0)
    settled = time.monotonic() - t1
    check(case, lab, active == b, "after the restart of %s, %s is active (auto_failback is off)" % (a, active))
    time.sleep(2 * t["deadtime"])
    check(case, lab, lab.stable() == b and role(lab, a) == "backup",
          "%s took the VIP back without auto_failback" % a)
    check(case, lab, served(lab), "the client is not served after %s's restart" % a)
    case.note("restarted %s: stale VIP removed after %s, settled as backup after %s, %s kept the VIP"
              % (a, ms(gone), ms(settled), b))

    # auto_failback = true, the killed node preferred: it takes the VIP back.
    lab2, _, a2 = dr_lab(case, preferred="d1", auto_failback=True)
    check(case, lab2, a2 == "d1", "with auto_failback d1 is preferred but %s is active" % a2)
    t0 = time.monotonic()
    lab2.kill("d1")
    ok, took = labmod.wait_until(lambda: lab2.has_address("d2"), limit + 10, step=0.02)
    check(case, lab2, ok, "d2 never took the VIP after kill -9 of d1 (auto_failback lab)")
    t1 = time.monotonic()
    lab2.start("d1")
    active = lab2.wait_stable(timeout=20.0)
    back = time.monotonic() - t1
    check(case, lab2, active == "d1", "auto_failback: after d1's restart %s is active" % active)
    check(case, lab2, not lab2.has_address("d2"), "auto_failback: d2 still has the VIP")
    check(case, lab2, served(lab2), "auto_failback: the client is not served after d1 took the VIP back")
    ok, _ = labmod.wait_until(lambda: lab2.neigh("client")[0] == lab2.mac("d1"), 5.0, step=0.1)
    check(case, lab2, ok, "auto_failback: the client's neighbour entry is not d1's MAC")
    case.note("auto_failback: d2 took over after %s, restarted d1 took the VIP back after %s"
              % (ms(took), ms(back)))


def case_sigstop(case):
    lab, vss, a = dr_lab(case)
    t = lab.timings
    b = lab.peer_of(a)
    check(case, lab, lab.ping("client", VIP), "the client cannot ping the VIP")
    check(case, lab, lab.neigh("client")[0] == lab.mac(a), "the client's neighbour entry is not %s's MAC" % a)

    lab.send_signal(a, signal.SIGSTOP)
    t0 = time.monotonic()
    ok, took = labmod.wait_until(lambda: lab.has_address(b), 3 * t["deadtime"], step=0.05)
    check(case, lab, ok, "%s did not take the VIP while %s was stopped" % (b, a))
    time.sleep(max(0.0, t0 + 3 * t["deadtime"] - time.monotonic()))
    stopped_for = time.monotonic() - t0
    check(case, lab, role(lab, b) == "active", "%s is not active while %s is stopped" % (b, a))

    meter = vmlab.StallMeter()
    t1 = time.monotonic()
    lab.send_signal(a, signal.SIGCONT)
    settled_at, holder, samples = None, None, 0
    while time.monotonic() - t1 < 15.0:
        snap = lab.snapshot()
        samples += 1
        actives = [n for n in NODES if snap["roles"][n] == "active"]
        if len(actives) == 1 and snap["kernel"] == actives and None not in snap["roles"].values():
            settled_at, holder = time.monotonic() - t1, actives[0]
            break
        time.sleep(0.02)
    stalled = meter.stalled(t1)
    meter.close()
    bound = 3 * t["interval"]
    check(case, lab, settled_at is not None, "no single active node within 15 s of SIGCONT")
    case.note("stopped %s for %s (%s took over after %s); after SIGCONT one active (%s) by status and kernel "
              "at poll %d, %s (bound %s + %s%s)"
              % (a, ms(stopped_for), b, ms(took), holder, samples, ms(settled_at), ms(bound), ms(ALLOWANCE),
                 ", guest stalled %s" % ms(stalled) if stalled >= 0.05 else ""))
    check(case, lab, settled_at <= bound + ALLOWANCE + stalled,
          "one active only %s after SIGCONT, more than 3 x interval + allowance" % ms(settled_at))
    # It stays that way; the client learns the holder's MAC without asking.
    ok, took_n = labmod.wait_until(lambda: lab.neigh("client")[0] == lab.mac(holder), 5.0, step=0.05)
    check(case, lab, ok, "the client's neighbour entry for the VIP is %s, not the holder %s's MAC %s"
          % (lab.neigh("client"), holder, lab.mac(holder)))
    time.sleep(2 * t["deadtime"])
    check(case, lab, lab.stable() == holder, "the pair did not stay with %s active" % holder)
    who = served(lab)
    check(case, lab, who, "the client is not served through the holder %s" % holder)
    changes = {n: len(role_lines(lab, n)) for n in NODES}
    case.note("client's neighbour entry on %s's MAC %s after SIGCONT, served by %s; role lines %s"
              % (holder, ms(took_n + settled_at), who, changes))


FLAP_CHECK = {"type": "http", "interval": "250ms", "timeout": "200ms", "rise": 3, "fall": 2,
              "receive": "Working"}
FLAP_PERIOD = 1.0
FLAP_FOR = 20.0
# Scheduling allowance on the spacing of two weight changes (seconds).
FLAP_SLACK = 0.15


def case_flap(case):
    interval = 0.25
    rise, fall = FLAP_CHECK["rise"], FLAP_CHECK["fall"]
    lab = vmlab.ipvs_lab(case)
    for r in ("r1", "r2"):
        vmlab.add_real_host(lab, r)
    servers = vmlab.start_http_servers(lab, ["r2"])
    vs = VirtualServer(VIP, 80, reals=[Real(vmlab.real_ip("r1"), 1), Real(vmlab.real_ip("r2"), 1)])
    text = vmlab.checked_vs_toml(vs, FLAP_CHECK)
    for node in NODES:
        lab.write_config(node, lab.config_text(node) + "\n" + text)
    # r1 starts answering only when the flapping begins: weight 0 until then.
    lab.start_pair()
    lab.wait_stable(timeout=30)
    ok, _ = labmod.wait_until(lambda: all(vmlab.dest_weight(lab, n, SERVICE, dest("r1")) == 0 and
                                          vmlab.dest_weight(lab, n, SERVICE, dest("r2")) == 1 for n in NODES),
                              20.0, step=0.2)
    check(case, lab, ok, "r1 (no server yet) is not at weight 0 and r2 at 1 on both directors")
    marks = {n: vmlab.LogMark(lab, n) for n in NODES}

    # r1 answers "Working Fine" and 503 "Out of order" in turns, FLAP_PERIOD each.
    flapping = vmlab.HttpServer(lab, "r1")
    flapping.start("flap:%s" % FLAP_PERIOD)
    begin = flapping.started_at
    meter = vmlab.StallMeter()
    changes = {n: [] for n in NODES}
    last = {n: 0 for n in NODES}
    samples = 0
    while time.monotonic() < begin + FLAP_FOR:
        for n in NODES:
            try:
                w = weight_of(vmlab.proc_table(lab, n), SERVICE, dest("r1"))
            except Exception:  # noqa: BLE001 - a torn read counts as no sample
                continue
            if w is not None and w != last[n]:
                changes[n].append((time.monotonic() - begin, w))
                last[n] = w
        samples += 1
        time.sleep(0.02)
    stalled = meter.stalled(begin)
    meter.close()
    flapping.kill()

    bound = min(rise, fall) * interval
    switches = int(FLAP_FOR / FLAP_PERIOD)
    for n in NODES:
        times = [at for at, _ in changes[n]]
        spacing = [b - a for a, b in zip(times, times[1:])]
        figures = ("%s: %d weight changes in %.0f s (%d switches of the server), spacing min %s, max %s"
                   % (n, len(times), FLAP_FOR, switches, ms(min(spacing)) if spacing else "-",
                      ms(max(spacing)) if spacing else "-"))
        case.note(figures)
        detail = "changes (s after start, weight): %s" % ", ".join("%.2f:%d" % c for c in changes[n])
        check(case, lab, len(times) >= switches // 2,
              "%s: r1 flapped %d times but its weight changed only %d times; %s" % (n, switches, len(times),
                                                                                   detail))
        check(case, lab, len(times) <= switches + 1, "%s: more weight changes than switches; %s" % (n, detail))
        check(case, lab, not spacing or min(spacing) >= bound - FLAP_SLACK - stalled,
              "%s: two weight changes %s apart, less than min(rise, fall) x interval = %s (allowance %s%s); %s"
              % (n, ms(min(spacing)), ms(bound), ms(FLAP_SLACK),
                 ", guest stalled %s" % ms(stalled) if stalled else "", detail))
        ups = marks[n].lines_with(r"health: real %s .* is up " % dest("r1"))
        downs = marks[n].lines_with(r"health: real %s .* is down " % dest("r1"))
        # The last sample may miss a change logged just before the server stopped.
        check(case, lab, abs(len(ups) + len(downs) - len(times)) <= 1,
              "%s: %d up and %d down lines logged for %d weight changes seen; %s"
              % (n, len(ups), len(downs), len(times), detail))
    case.note("bound %s, %d samples per node%s" % (ms(bound), samples,
                                                  ", guest stalled %s" % ms(stalled) if stalled >= 0.05 else ""))


def case_carrier(case):
    lab, vss, a = dr_lab(case)
    b = lab.peer_of(a)
    t = lab.timings
    probe = lab.start_probe(address=VIP, port=80, every=0.01, timeout=0.5)
    time.sleep(1.0)
    t0 = time.monotonic()
    lab.ip("lan", "link", "set", lab.lan_port(a, "eth0"), "down")
    moved, took = labmod.wait_until(lambda: lab.has_address(b), t["deadtime"] + ALLOWANCE, step=0.005)
    check(case, lab, moved, "%s did not take the VIP within deadtime + %.1f s of %s losing carrier" % (b, ALLOWANCE, a))
    time.sleep(1.5)
    r = labmod.analyse_probes(probe.stop(), t_from=t0 - 0.5)
    case.note("VIP on %s %s after %s lost carrier (deadtime %s); client: %d requests, %d failed, longest gap %s"
              % (b, ms(took), a, ms(t["deadtime"]), r["attempts"], r["failed"], ms(r["longest_gap"])))
    check(case, lab, r["nodes"] and r["nodes"][-1].startswith("r"), "the client is not served at the end: %s"
          % r["nodes"])
    check(case, lab, "hands over to %s" % b in lab.log_text(a), "%s did not log why it handed over" % a)
    lab.ip("lan", "link", "set", lab.lan_port(a, "eth0"), "up")
    t1 = time.monotonic()
    while time.monotonic() - t1 < 3.0:
        check(case, lab, role(lab, b) == "active" and not lab.has_address(a),
              "the VIP moved back when %s's carrier returned (auto_failback off)" % a)
        time.sleep(0.05)


def case_reload(case):
    lab, vss, a = dr_lab(case)
    b = lab.peer_of(a)
    probe = lab.start_probe(VIP, port=80, every=0.01, timeout=1.0)
    time.sleep(1.0)
    after = [VirtualServer(VIP, 80, reals=[Real(vmlab.real_ip("r1"), 3), Real(vmlab.real_ip("r2"), 1)])]
    lab.extra_vips.append((labmod.VIP2 + "/24", "eth0"))
    vmlab.write_ipvs_configs(lab, after)
    t0 = time.monotonic()
    lab.send_signal(b, signal.SIGHUP)
    p = lab.ctl(a, "reload", timeout=20)
    check(case, lab, p.returncode == 0, "tandemctl reload on %s exited %d: %s" % (a, p.returncode, p.stderr))
    want = vmlab.expected_table(after)
    for n in NODES:
        ok, _, seen = vmlab.wait_table(lab, n, want, 15.0)
        check(case, lab, ok, "%s: the table after the reload is %s" % (n, seen))
    ok, _ = labmod.wait_until(lambda: lab.has_address(a, labmod.VIP2), 10.0, step=0.05)
    check(case, lab, ok, "%s does not hold the added VIP %s" % (a, labmod.VIP2))
    applied = time.monotonic() - t0
    time.sleep(1.5)
    r = labmod.analyse_probes(probe.stop(), t_from=t0 - 1.0)
    check(case, lab, lab.stable() == a, "the reload moved the VIP: %s" % lab.snapshot()["roles"])
    check(case, lab, not lab.has_address(b, labmod.VIP2), "%s also holds %s" % (b, labmod.VIP2))
    case.note("reload (SIGHUP on %s, tandemctl on %s) applied in %s; client: %d requests every 10 ms, %d failed, "
              "longest gap %s, answered by %s"
              % (b, a, ms(applied), r["attempts"], r["failed"], ms(r["longest_gap"]), sorted(set(
                  p["node"] for p in probe.result["probes"] if p["ok"]))))
    check(case, lab, r["failed"] == 0, "%d requests failed during the reload: %s" % (r["failed"], r["failures"]))
    check(case, lab, r["attempts"] >= 100, "only %d requests made" % r["attempts"])


if __name__ == "__main__":
    sys.exit(runner.main([case_kill9, case_sigstop, case_flap, case_carrier, case_reload],
                         "vm: director and real server faults"))
