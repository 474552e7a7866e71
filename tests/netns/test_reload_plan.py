#!/usr/bin/env python3
"""netns: the reload plan (tandemctl reload --dry-run, tandemd --check-config
--plan) against running directors, in an in-memory IPVS table.

Cases:
  plan      a new file adds a VIP, adds a real server, changes a weight and
            a check, removes a real server: both commands print the same
            lines (a VIP, IPVS operations, check changes) and change
            nothing (VIPs, table and log stay as they were); the real
            reload then logs exactly those lines. A plan of the running
            file says nothing changes.
  refused   a file with an error, and one that needs a restart (another
            peer), are
            refused by the plan with the reason (exit 1), as the reload
            would be, and nothing changes.
"""

import re
import subprocess

import lab as L
from runner import main

R = ["10.77.0.51", "10.77.0.52", "10.77.0.53"]


def servers(reals, interval="300ms"):
    text = """
[[virtual_server]]
address = "%s:%d"

[virtual_server.check]
type = "tcp"
interval = "%s"
timeout = "150ms"
""" % (L.VIP, L.SERVICE_PORT, interval)
    for address, weight in reals:
        text += '\n[[virtual_server.real]]\naddress = "%s"\nweight = %d\n' % (address, weight)
    return text


BEFORE = servers([(R[0], 1), (R[1], 1)])
# r1 removed; r2's weight 1 -> 3 and its own check (another port); r3 added
AFTER = (servers([(R[1], 3)]) + '\n[virtual_server.real.check]\nport = 8081\n' +
         '\n[[virtual_server.real]]\naddress = "%s"\n' % R[2])


def start(case):
    lab = case.lab()
    for node in L.NODES:
        lab.extra_config[node] = BEFORE
        lab.write_config(node)
        lab.start(node, extra_args=["--ipvs-in-memory"])
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    # Nobody answers at the real servers' addresses: the plan is made once
    # their checks have settled (down), as the reload then finds them.
    def settled():
        for node in L.NODES:
            for v in lab.status(node).get("virtual_servers", []):
                if any(d.get("health") != "down" for d in v["dests"]):
                    return False
        return True
    ok, _ = L.wait_until(settled, 10, step=0.1)
    case.check(ok, "the real servers' checks did not settle")
    return lab, a


def plan_lines(text):
    """The indented lines of a plan."""
    return [l.strip() for l in text.splitlines() if l.startswith("  ")]


def check_plan(case, lab, node):
    """(lines of tandemctl reload --dry-run, of tandemd --check-config --plan)."""
    p = lab.ctl(node, "reload", "--dry-run", timeout=30)
    case.check(p.returncode == 0, "reload --dry-run on %s: exit %d: %s" % (node, p.returncode, p.stderr))
    q = L.run(["ip", "netns", "exec", lab.ns[node], lab.tandemd, "-c", lab.config_path(node), "--check-config",
               "--plan", "--socket", lab.socket_path(node)], check=False, timeout=30)
    case.check(q.returncode == 0, "tandemd --check-config --plan on %s: exit %d: %s" % (node, q.returncode, q.stderr))
    case.check(q.stdout.startswith("%s: ok\n" % lab.config_path(node)), "--check-config --plan said: %r" % q.stdout)
    return plan_lines(p.stdout), plan_lines(q.stdout), p.stdout


def view(lab, node):
    s = lab.status(node)
    table = {v["service"]: sorted((d["address"], d["weight"], d["in_kernel"]) for d in v["dests"])
             for v in s.get("virtual_servers", [])}
    return sorted(lab.addresses(node)), table


LOGGED = re.compile(r"^<\d>(?:checker: )?((?:reload: |health: (?:new|changed|no more) |ipvs: (?:NEW|SET|DEL) ).*)$")


def logged_since(lab, node, mark):
    """The change lines a reload logs (as a plan prints them), since `mark`."""
    text = lab.log_text(node)[mark:]
    return [m.group(1) for line in text.splitlines() for m in [LOGGED.match(line)] if m]


def case_plan(case):
    lab, a = start(case)
    for node in L.NODES:
        same, same2, _ = check_plan(case, lab, node)
        case.check(same == same2 == ["nothing: the running configuration is the same"],
                   "plan of the running file on %s: %r / %r" % (node, same, same2))

    before = {node: view(lab, node) for node in L.NODES}
    marks = {node: len(lab.log_text(node)) for node in L.NODES}
    for node in L.NODES:
        lab.extra_config[node] = AFTER
        lab.write_config(node, lab.config_text(node, extra_vips=[(L.VIP2 + "/24", "eth0")]))
    plans = {}
    for node in L.NODES:
        lines, lines2, text = check_plan(case, lab, node)
        case.check(lines == lines2, "the two plans differ on %s:\n%r\n%r" % (node, lines, lines2))
        plans[node] = lines
        want = [
            "reload: VIP %s/24 on eth0 added" % L.VIP2,
            "health: new tcp check of real %s:%d of TCP %s:%d" % (R[2], L.SERVICE_PORT, L.VIP, L.SERVICE_PORT),
            "ipvs: NEW dest %s:%d dr weight 1 in TCP %s:%d" % (R[2], L.SERVICE_PORT, L.VIP, L.SERVICE_PORT),
            "ipvs: DEL dest %s:%d in TCP %s:%d" % (R[0], L.SERVICE_PORT, L.VIP, L.SERVICE_PORT),
        ]
        for w in want:
            case.check(w in lines, "%s's plan lacks %r:\n%s" % (node, w, text))
        case.check(any(l.startswith("health: changed tcp check of real %s:%d" % (R[1], L.SERVICE_PORT)) for l in lines),
                   "%s's plan lacks r2's changed check:\n%s" % (node, text))
        case.check(any(l.startswith("health: no more tcp check of real %s:%d" % (R[0], L.SERVICE_PORT)) for l in lines),
                   "%s's plan lacks r1's check going:\n%s" % (node, text))
        case.check(any(re.match(r"ipvs: SET dest %s:%d dr weight [03] in" % (R[1], L.SERVICE_PORT), l) for l in lines),
                   "%s's plan lacks r2's weight:\n%s" % (node, text))
    case.note("plan: " + "; ".join(plans[a]))
    for node in L.NODES:
        case.check(view(lab, node) == before[node], "a plan changed %s: %r -> %r" % (node, before[node], view(lab, node)))
        case.check(logged_since(lab, node, marks[node]) == [], "a plan logged changes on %s: %r"
                   % (node, logged_since(lab, node, marks[node])))

    # The real reload logs what the plan said, no more, no less.
    for node in L.NODES:
        p = lab.ctl(node, "reload", timeout=30)
        case.check(p.returncode == 0, "reload on %s: %s" % (node, p.stderr))
    for node in L.NODES:
        ok, got = L.wait_until(lambda: sorted(logged_since(lab, node, marks[node])) == sorted(plans[node])
                               and logged_since(lab, node, marks[node]), 5)
        case.check(ok, "%s: the reload logged\n  %s\nthe plan said\n  %s" % (
            node, "\n  ".join(sorted(logged_since(lab, node, marks[node]))), "\n  ".join(sorted(plans[node]))))
    case.note("the reload logged the %d lines of the plan on both directors" % len(plans[a]))


def case_refused(case):
    lab, a = start(case)
    before = view(lab, a)
    path = lab.config_path(a)
    good = open(path).read()
    for text, words in ((good + "\n[[virtual_server]]\naddress = \"nonsense\"\n", "error"),
                        (good.replace('peer = "%s"' % lab.peer_of(a), 'peer = "d3"', 1), "restart")):
        with open(path, "w") as f:
            f.write(text)
        p = lab.ctl(a, "reload", "--dry-run", timeout=30)
        case.check(p.returncode == 1 and "would be rejected" in p.stderr and words in p.stderr,
                   "reload --dry-run of a bad file: exit %d: %r %r" % (p.returncode, p.stderr, p.stdout))
        if words == "restart":
            q = L.run(["ip", "netns", "exec", lab.ns[a], lab.tandemd, "-c", path, "--check-config", "--plan",
                       "--socket", lab.socket_path(a)], check=False, timeout=30)
            case.check(q.returncode == 1 and "would be rejected" in q.stderr,
                       "--check-config --plan of a file needing a restart: exit %d: %r" % (q.returncode, q.stderr))
    case.check(view(lab, a) == before, "a refused plan changed %s" % a)
    q = L.run([lab.tandemd, "--plan"], check=False, timeout=10)
    case.check(q.returncode == 2 and "--plan goes with --check-config" in q.stderr, "--plan alone: %r" % q.stderr)


if __name__ == "__main__":
    main([case_plan, case_refused], "reload plan")
