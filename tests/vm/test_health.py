#!/usr/bin/env python3
"""vm tier: health checks of the real servers, with IPVS in the kernel.

Real server namespaces on br0 (direct routing) run a small HTTP server
(vmlab.HttpServer: 200 "Working Fine NAME", or accept and never answer);
both directors check them and program their own IPVS table.

- quiesce: an http check (interval 1s, timeout 500ms, fall 2, rise 2,
  receive "Working"). r1's server killed: on both directors r1's weight is
  0 in `ipvsadm -Ln` within interval*fall + timeout + ALLOWANCE, r1 stays in
  the table, r2 keeps weight 1; the status says down with a "refused"
  reason; the log has one "is down" line. Restarted: weight 1 again within
  interval*rise + timeout + ALLOWANCE, one "is up" line. Then the same with
  a server that accepts and never answers: down with a timeout reason, and
  back when it answers again.
- remove: on_failure = "remove": r1's destination leaves both tables and
  comes back with its configured weight (2) when its server returns.
- checker_restart: r1 down (weight 0), then the checker process of each
  director killed with SIGKILL: it is restarted (a new pid in status,
  restarts 1, the kill in the log), and over the 4 s after the kill no
  weight in either kernel table changes (r1 stays at 0, r2 at 1), the VIP
  and the roles stay; the new checker still has r1 down and brings it back
  once its server answers again.
- fallback: fallback = r3's address: with every real server down the
  fallback is in both tables (status: fallback true), the real servers at
  weight 0 and a request to the VIP reaches r3; one real server back, the
  fallback leaves, that server's weight returns and the VIP reaches it.

Times are measured from the kill (or the signal, or the restarted server
being ready) to the change showing in each director's table, which is
polled through /proc/PID/net/ip_vs (the table `ipvsadm -Ln` prints, read
without starting a process); `ipvsadm -Ln` then confirms the result.

Run inside the guest: tests/vm/run.sh -- python3 tests/vm/test_health.py --build BUILD
"""

import json
import re
import sys

import vmlab
from vmlab import Real, VirtualServer, VIP, labmod, runner
from runner import ms

NODES = labmod.NODES
SERVICE = "TCP %s:80" % VIP
# Seconds beyond a check's own bound (interval * fall + timeout): the guest
# is emulated, and the change still has to reach the kernel table.
ALLOWANCE = 1.5
# How long past a bound a transition is still waited for, so a slow one is
# reported with its time rather than as missing.
GRACE = 15.0


def dest(name):
    return "%s:80" % vmlab.real_ip(name)


def seconds(duration):
    """"500ms" / "1s" -> seconds."""
    m = re.fullmatch(r"(\d+)(ms|s)", duration)
    return int(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)


class HealthCase:
    """One case's lab, real servers and checks, with failures that carry
    both directors' tables, status and health log lines."""

    def __init__(self, case, reals, check, weights=None, extra_hosts=(), **vs_keys):
        self.case = case
        self.check_cfg = check
        self.interval = seconds(check["interval"])
        self.timeout = seconds(check["timeout"])
        self.rise = check["rise"]
        self.fall = check["fall"]
        self.lab = vmlab.ipvs_lab(case)
        weights = weights or {}
        for name in list(reals) + list(extra_hosts):
            vmlab.add_real_host(self.lab, name)
        self.servers = vmlab.start_http_servers(self.lab, list(reals) + list(extra_hosts))
        self.vs = VirtualServer(VIP, 80, scheduler="wlc", forwarding="dr",
                                reals=[Real(vmlab.real_ip(r), weights.get(r, 1)) for r in reals])
        self.weights = {dest(r): weights.get(r, 1) for r in reals}
        text = vmlab.checked_vs_toml(self.vs, check, **vs_keys)
        for node in NODES:
            self.lab.write_config(node, self.lab.config_text(node) + "\n" + text)
        self.lab.start_pair()
        self.active = vmlab.both_settled(self.lab, vmlab.expected_table([self.vs]))
        self.wait_checked(list(reals))

    # ---- diagnostics ---------------------------------------------------------

    def diagnostics(self):
        out = []
        for node in NODES:
            p = vmlab.ipvsadm(self.lab, node, "-Ln", check=False)
            out.append("  ---- %s: ipvsadm -Ln\n%s" % (node, indent(p.stdout + p.stderr)))
            st = self.lab.try_status(node)
            vss = json.dumps(st.get("virtual_servers"), indent=1) if st else "(tandemctl status failed)"
            out.append("  ---- %s: status --json virtual_servers\n%s" % (node, indent(vss)))
            health = [line for line in self.lab.log_text(node).splitlines() if "health:" in line]
            out.append("  ---- %s: health log lines\n%s" % (node, indent("\n".join(health[-20:]) or "(none)")))
        return "\n".join(out)

    def check(self, condition, message):
        if not condition:
            raise runner.Failure(message + "\n" + self.diagnostics())

    # ---- views -----------------------------------------------------------------

    def status_dests(self, node):
        st = self.lab.status(node)
        for vs in st.get("virtual_servers", []):
            if vmlab.norm_service(vs["service"]) == SERVICE:
                return {vmlab.norm_endpoint(d["address"]): d for d in vs["dests"]}
        return {}

    def wait_checked(self, reals, timeout=30.0):
        """Every real server up in both directors' status, its last check
        passed and at least `rise` checks made: the checks run and pass."""
        def checked():
            for node in NODES:
                ds = self.status_dests(node)
                for r in reals:
                    d = ds.get(dest(r))
                    last = d and d.get("last_check")
                    if not d or d.get("health") != "up" or not last or not last.get("ok") \
                            or d.get("probes", 0) < self.rise or d.get("weight") != self.weights[dest(r)]:
                        return False
            return True
        ok, took = labmod.wait_until(checked, timeout, step=0.2)
        self.check(ok, "the real servers %s were not all checked and up on both directors within %.0fs"
                   % (reals, timeout))
        lat = [self.status_dests(node)[dest(r)]["last_check"]["latency_ms"] for node in NODES for r in reals]
        self.case.note("all checked and up %s after the tables (check latencies %.0f-%.0f ms)"
                       % (ms(took), min(lat), max(lat)))

    def down_bound(self):
        return self.interval * self.fall + self.timeout + ALLOWANCE

    def up_bound(self):
        return self.interval * self.rise + self.timeout + ALLOWANCE

    def measure(self, what, action, bound, predicate):
        """Runs action() (it returns the monotonic time the change began)
        and waits until predicate(table) holds on both directors; notes the
        time from the change to each director's table, and checks it against
        `bound` plus the time the guest was measurably stalled meanwhile
        (vmlab.StallMeter; 0 on a quiet host)."""
        meter = vmlab.StallMeter()
        try:
            since = action()
            first, seen = vmlab.wait_nodes(self.lab, lambda node, t: predicate(t), bound + GRACE, since=since)
            stalls = {n: meter.stalled(since, since + first[n]) if first[n] is not None else meter.stalled(since)
                      for n in NODES}
        finally:
            meter.close()
        figures = ", ".join("%s %s%s" % (n, ms(first[n]) if first[n] is not None else "never",
                                         " (guest stalled %s)" % ms(stalls[n]) if stalls[n] >= 0.05 else "")
                            for n in NODES)
        self.case.note("%s: %s (bound %s)" % (what, figures, ms(bound)))
        for n in NODES:
            self.check(first[n] is not None, "%s: %s did not happen within %.1fs; last table seen: %s"
                       % (n, what, bound + GRACE, seen.get(n)))
            self.check(first[n] <= bound + stalls[n],
                       "%s: %s took %s, more than interval*rise/fall + timeout + %.1fs = %s plus %s the guest "
                       "was stalled" % (n, what, ms(first[n]), ALLOWANCE, ms(bound), ms(stalls[n])))
        return first

    def ipvsadm_weights(self, node):
        """{dest: weight} of the service from `ipvsadm -Ln` (None: absent)."""
        s = vmlab.kernel_table(self.lab, node).get(SERVICE)
        return {d: v.weight for d, v in s.dests.items()} if s else None

    def expect_ipvsadm(self, want):
        """`ipvsadm -Ln` on both directors: the service's destinations and
        weights are exactly `want` ({dest: weight})."""
        for node in NODES:
            have = self.ipvsadm_weights(node)
            self.check(have == want, "%s: ipvsadm -Ln shows %s for %s, expected %s" % (node, have, SERVICE, want))

    def expect_transitions(self, marks, wanted):
        """Each director logged, after its mark, exactly the health lines
        matching the patterns in `wanted`, each once, and no other health
        transition."""
        for node in NODES:
            lines = [line for line in marks[node].text().splitlines() if "health:" in line]
            for pattern in wanted:
                hits = [line for line in lines if re.search(pattern, line)]
                self.check(len(hits) == 1, "%s: %d log lines match %r, expected exactly 1; health lines: %s"
                           % (node, len(hits), pattern, lines))
            other = [line for line in lines if not any(re.search(p, line) for p in wanted)]
            self.check(not other, "%s: unexpected health log lines %s" % (node, other))

    def expect_status(self, r, health, reason=None, weight=None, in_kernel=True):
        for node in NODES:
            d = self.status_dests(node).get(dest(r))
            self.check(d is not None, "%s: status --json has no destination %s" % (node, dest(r)))
            last = d.get("last_check") or {}
            self.check(d.get("health") == health, "%s: status says %s is %r, expected %r"
                       % (node, r, d.get("health"), health))
            self.check(d.get("check") == self.check_cfg["type"], "%s: status check of %s is %r"
                       % (node, r, d.get("check")))
            # Up allows one failed probe short of `fall`; down has just failed.
            if health == "down":
                self.check(last.get("ok") is False, "%s: %s is down but its last_check is %s" % (node, r, last))
            if reason:
                self.check(re.search(reason, last.get("reason", "")), "%s: %s last_check.reason %r lacks %r"
                           % (node, r, last.get("reason"), reason))
            if weight is not None:
                self.check(d.get("weight") == weight, "%s: status weight of %s is %r, expected %d"
                           % (node, r, d.get("weight"), weight))
            self.check(d.get("configured_weight") == self.weights[dest(r)], "%s: configured_weight of %s is %r"
                       % (node, r, d.get("configured_weight")))
            self.check(bool(d.get("in_kernel")) == in_kernel, "%s: status in_kernel of %s is %r"
                       % (node, r, d.get("in_kernel")))
            self.check(d.get("fallback") is False, "%s: %s is marked as the fallback" % (node, r))
            if health == "down":
                self.check(d.get("last_change"), "%s: %s is down without a last_change" % (node, r))
                self.check(d.get("failed_probes", 0) >= self.fall, "%s: %s has failed_probes %r"
                           % (node, r, d.get("failed_probes")))

    def note_reason(self, r):
        reasons = {node: (self.status_dests(node).get(dest(r)) or {}).get("last_check") or {} for node in NODES}
        self.case.note("%s's reason %s" % (r, "; ".join("%s %r" % (n, reasons[n].get("reason")) for n in NODES)))

    def marks(self):
        return {node: vmlab.LogMark(self.lab, node) for node in NODES}

    def request(self, timeout=5):
        """One HTTP request from the client to the VIP: the body, or ''."""
        p = labmod.run(["ip", "netns", "exec", self.lab.ns["client"], "curl", "-s", "-m", str(timeout),
                        "http://%s/" % VIP], check=False, timeout=timeout + 20)
        return p.stdout.strip() if p.returncode == 0 else ""


def indent(text):
    return "\n".join("  | " + line for line in text.rstrip("\n").splitlines())


def weight_of(t, d):
    s = t.get(SERVICE)
    v = s.dests.get(d) if s else None
    return v.weight if v else None


def down_line(r, reason, effect):
    return (r"health: real %s of %s is down after \d+ failed checks?: .*%s.*; %s$"
            % (re.escape(dest(r)), re.escape(SERVICE), reason, re.escape(effect)))


def up_line(r):
    return (r"health: real %s of %s is up after \d+ successful checks? \(.*\); configured weight back$"
            % (re.escape(dest(r)), re.escape(SERVICE)))


HTTP_CHECK = {"type": "http", "interval": "1s", "timeout": "500ms", "fall": 2, "rise": 2, "receive": "Working"}
FAST_CHECK = {"type": "http", "interval": "500ms", "timeout": "400ms", "fall": 2, "rise": 2,
              "receive": "Working"}


def case_quiesce(case):
    h = HealthCase(case, ["r1", "r2"], HTTP_CHECK)
    r1, r2 = dest("r1"), dest("r2")

    # Connection refused.
    marks = h.marks()
    h.measure("refused: r1 weight 0", h.servers["r1"].kill, h.down_bound(),
              lambda t: weight_of(t, r1) == 0 and weight_of(t, r2) == 1)
    h.expect_ipvsadm({r1: 0, r2: 1})
    h.expect_status("r1", "down", reason="refused", weight=0)
    h.expect_status("r2", "up", weight=1)
    h.note_reason("r1")
    h.expect_transitions(marks, [down_line("r1", "refused", "weight 0")])

    h.measure("restarted: r1 weight 1", h.servers["r1"].start, h.up_bound(), lambda t: weight_of(t, r1) == 1 and weight_of(t, r2) == 1)
    h.expect_ipvsadm({r1: 1, r2: 1})
    h.expect_status("r1", "up", weight=1)
    h.expect_transitions(marks, [down_line("r1", "refused", "weight 0"), up_line("r1")])

    # Accepts, never answers.
    marks = h.marks()
    h.measure("no answer: r1 weight 0", h.servers["r1"].hang, h.down_bound(),
              lambda t: weight_of(t, r1) == 0 and weight_of(t, r2) == 1)
    h.expect_ipvsadm({r1: 0, r2: 1})
    h.expect_status("r1", "down", reason="timeout", weight=0)
    h.note_reason("r1")
    h.expect_transitions(marks, [down_line("r1", "timeout", "weight 0")])

    h.measure("answers again: r1 weight 1", h.servers["r1"].answer, h.up_bound(), lambda t: weight_of(t, r1) == 1)
    h.expect_ipvsadm({r1: 1, r2: 1})
    h.expect_status("r1", "up", weight=1)
    h.expect_status("r2", "up", weight=1)
    h.expect_transitions(marks, [down_line("r1", "timeout", "weight 0"), up_line("r1")])
    for node in NODES:
        last = h.status_dests(node)[r1]["last_check"]
        h.check(not last["ok"] or last["reason"] == "HTTP/1.0 200 OK", "%s: r1's last passing check says %r"
                % (node, last["reason"]))


def case_checker_restart(case):
    import os
    import signal
    import time
    h = HealthCase(case, ["r1", "r2"], HTTP_CHECK)
    r1, r2 = dest("r1"), dest("r2")
    h.measure("refused: r1 weight 0", h.servers["r1"].kill, h.down_bound(),
              lambda t: weight_of(t, r1) == 0 and weight_of(t, r2) == 1)
    roles = {node: h.lab.status(node)["role"] for node in NODES}
    old = {node: h.lab.status(node)["checker"]["pid"] for node in NODES}
    for node in NODES:
        os.kill(old[node], signal.SIGKILL)
    t0 = time.monotonic()
    polls = 0
    while time.monotonic() - t0 < 4.0:
        for node in NODES:
            w = vmlab.proc_table(h.lab, node).get(SERVICE)
            have = {d: v.weight for d, v in w.dests.items()} if w else None
            h.check(have == {r1: 0, r2: 1}, "%s: %.0f ms after the checker was killed the kernel has %s"
                    % (node, (time.monotonic() - t0) * 1000, have))
        polls += 1
        time.sleep(0.02)
    for node in NODES:
        st = h.lab.status(node)
        c = st["checker"]
        h.check(c["pid"] not in (None, old[node]) and c["restarts"] == 1,
                "%s: the checker was not restarted: %s" % (node, c))
        h.check(st["role"] == roles[node], "%s: role %s, was %s" % (node, st["role"], roles[node]))
        h.check("checker pid %d killed by signal 9" % old[node] in h.lab.log_text(node),
                "%s: the engine did not log the checker's end" % node)
        h.check(h.lab.has_address(h.active) and not h.lab.has_address(h.lab.peer_of(h.active)),
                "the VIP moved")
    for node in NODES:
        ds = h.status_dests(node)
        h.check(ds[r1].get("health") == "down" and ds[r1].get("weight") == 0,
                "%s: after the restart status has r1 %s" % (node, ds[r1]))
        h.check(ds[r2].get("health") == "up" and ds[r2].get("weight") == 1,
                "%s: after the restart status has r2 %s" % (node, ds[r2]))
    case.note("checkers killed on both directors: restarted, weights unchanged over %d polls of both "
              "tables in 4 s" % polls)
    h.measure("restarted checker, r1 answers: weight 1", h.servers["r1"].start, h.up_bound(),
              lambda t: weight_of(t, r1) == 1 and weight_of(t, r2) == 1)


def case_remove(case):
    h = HealthCase(case, ["r1", "r2"], FAST_CHECK, weights={"r1": 2}, on_failure="remove")
    r1, r2 = dest("r1"), dest("r2")
    marks = h.marks()
    h.measure("refused: r1 removed", h.servers["r1"].kill, h.down_bound(),
              lambda t: SERVICE in t and r1 not in t[SERVICE].dests and weight_of(t, r2) == 1)
    h.expect_ipvsadm({r2: 1})
    h.expect_status("r1", "down", reason="refused", in_kernel=False)
    h.expect_status("r2", "up", weight=1)
    h.expect_transitions(marks, [down_line("r1", "refused", "removed from IPVS")])

    h.measure("restarted: r1 back with weight 2", h.servers["r1"].start, h.up_bound(), lambda t: weight_of(t, r1) == 2)
    h.expect_ipvsadm({r1: 2, r2: 1})
    h.expect_status("r1", "up", weight=2)
    h.expect_transitions(marks, [down_line("r1", "refused", "removed from IPVS"), up_line("r1")])


def case_fallback(case):
    sorry = dest("r3")
    h = HealthCase(case, ["r1", "r2"], FAST_CHECK, extra_hosts=["r3"], fallback=sorry)
    r1, r2 = dest("r1"), dest("r2")
    body = h.request()
    case.check(body.startswith("Working Fine r"), "a request to the VIP got %r" % body)

    marks = h.marks()
    # Measured from the second kill, after which no real server answers.
    h.measure("all down: fallback in, reals at 0", lambda: (h.servers["r1"].kill(), h.servers["r2"].kill())[1],
              h.down_bound(),
              lambda t: weight_of(t, sorry) == 1 and weight_of(t, r1) == 0 and weight_of(t, r2) == 0)
    h.expect_ipvsadm({r1: 0, r2: 0, sorry: 1})
    for r in ("r1", "r2"):
        h.expect_status(r, "down", reason="refused", weight=0)
    for node in NODES:
        d = h.status_dests(node).get(sorry)
        h.check(d is not None and d.get("fallback") is True and d.get("in_kernel") is True and d.get("weight") == 1,
                "%s: status shows the fallback as %s" % (node, d))
    no_healthy = (r"health: no real server of %s is healthy; fallback %s added$"
                  % (re.escape(SERVICE), re.escape(sorry)))
    h.expect_transitions(marks, [down_line("r1", "refused", "weight 0"), down_line("r2", "refused", "weight 0"),
                                 no_healthy])
    body = h.request()
    h.check(body == "Working Fine r3", "with every real server down a request to the VIP got %r, expected r3's"
            % body)

    marks = h.marks()
    h.measure("r2 back: fallback out, r2 weight 1", h.servers["r2"].start, h.up_bound(),
              lambda t: SERVICE in t and sorry not in t[SERVICE].dests and weight_of(t, r2) == 1)
    h.expect_ipvsadm({r1: 0, r2: 1})
    h.expect_status("r2", "up", weight=1)
    h.expect_status("r1", "down", weight=0)
    for node in NODES:
        d = h.status_dests(node).get(sorry)
        h.check(d is None, "%s: status still lists the fallback: %s" % (node, d))
    healthy_again = (r"health: %s has a healthy real server again; fallback %s removed$"
                     % (re.escape(SERVICE), re.escape(sorry)))
    h.expect_transitions(marks, [up_line("r2"), healthy_again])
    body = h.request()
    h.check(body == "Working Fine r2", "with r2 back a request to the VIP got %r, expected r2's" % body)


if __name__ == "__main__":
    sys.exit(runner.main([case_quiesce, case_checker_restart, case_remove, case_fallback], "vm: health checks drive the IPVS table"))
