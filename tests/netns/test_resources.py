#!/usr/bin/env python3
"""netns: resources ([[resource]], heartbeat's haresources) and [notify].

Three resources in the form without [[group]], in this order: fs and db
(exclusive) and web (exclusive = false). Each is the same small /bin/sh
script (RESOURCE below), written into the lab's directory and run by
tandemd as `res start|stop|status`. The script finds its node from
TANDEM_PEER (the lab's pair is d1/d2), so both configs are identical and
the digests match, and its name from TANDEM_RESOURCE. It appends

    NODE OP NAME TIME ROLE [RC]

to one log shared by both nodes (the namespaces share the filesystem):
OP is `start` as a start begins, `up` when it has succeeded (just before
exit 0), `failed` when it fails (exit 1), `stop` when a stop is done, and
`status` (RC 0 running, 3 not) when tandemd asks. TIME is /proc/uptime
(read by the shell builtin `read`, no fork): CLOCK_BOOTTIME truncated to
10 ms, compared here with time.clock_gettime(CLOCK_BOOTTIME). The order of
the lines is exact (one O_APPEND write each), so the ordering checks use
the line order and TIME is only for figures. A resource runs on a node
from its `start` line to its `stop` (or `failed`) line: the conservative
reading (a start under way or a stop not yet done counts as running).
The state file state-NODE-NAME makes `status` exit 0; sleep-NODE-NAME
(holding seconds) makes a start sleep, fail-NODE-NAME makes it fail with
one output line.

Cases:
  lifecycle       start; power loss of the active and back; `tandemctl
                  standby` on the active; `tandemctl takeover` on the node
                  that went standby (it takes the group back); SIGTERM to
                  the active (hands over, exits 0; restarted); kill -9 of
                  the active restarted at once, within deadtime (its
                  resources, left running, are crash leftovers: the
                  restarted daemon finds them with `status` and stops them
                  before anyone starts fs or db, then the election decides);
                  kill -9 of the active restarted only after the peer took
                  over (the restarted node, backup, stops the leftovers).
                  Replaying the shared log: every start goes fs, db, web
                  and every stop web, db, fs on each node; an exclusive
                  resource never runs on both nodes in the planned moves
                  (standby, takeover, SIGTERM) nor across the kill -9 with
                  the at-once restart. Power loss: the lab's power_off only
                  cuts the links, the isolated daemon keeps running, goes to
                  fault and stops its resources; its stop lines must come,
                  and the gap between its last stop and the peer's first
                  start (or the window in which both ran) is a figure, not
                  a requirement. Likewise the late restart after kill -9:
                  the peer cannot know that the leftovers run, so both run
                  fs and db until the restart stops them. Both are
                  fencing's job, as with heartbeat.
  start_failure   db's start fails on the active node (d1): fs started, db
                  failed, fs stopped there; d2 then starts fs, db, web; d1's
                  status shows db `failed` with the script's output line in
                  the reason, and the group standby.
  slow_script     fs's start sleeps 5 s on d1, deadtime 400 ms: d2 stays
                  backup throughout and never logs "dead"; both sides'
                  peer.links[].last_heard_ms stay below deadtime (sampled
                  every 50 ms during the sleep); then fs, db, web run on d1.
  power_loss_time power loss of the active to web running on the peer, 5
                  runs, min/median/max (deadtime 400 ms).
  notify          a [notify] hook on each node records its arguments and
                  TANDEM_ROLE/TANDEM_OLD_ROLE: it sees every role change of
                  both nodes, in order, as the daemon logs them, through a
                  start, a standby and a takeover.
"""

import os
import re
import signal
import statistics
import sys
import time

import lab as L
from runner import main, ms

ORDER = ("fs", "db", "web")
EXCLUSIVE = {"fs": True, "db": True, "web": False}

RESOURCE = r"""#!/bin/sh
# test_resources.py's resource; tandemd runs it as `res start|stop|status`.
d='@DIR@'
name=$TANDEM_RESOURCE
case $TANDEM_PEER in d1) node=d2 ;; d2) node=d1 ;; *) node=unknown ;; esac
state=$d/state-$node-$name
log() { read t _ < /proc/uptime; echo "$node $1 $name $t ${TANDEM_ROLE:--}${2:+ $2}" >> "$d/resources.log"; }
case $1 in
start)
  log start
  if [ -r "$d/sleep-$node-$name" ]; then sleep "$(cat "$d/sleep-$node-$name")"; fi
  if [ -e "$d/fail-$node-$name" ]; then
    echo "$name: cannot start on $node (test failure)"
    log failed
    exit 1
  fi
  : > "$state"
  log up
  ;;
stop)
  rm -f "$state"
  log stop
  ;;
status)
  if [ -e "$state" ]; then log status 0; exit 0; fi
  log status 3
  exit 3
  ;;
*)
  echo "usage: $0 start|stop|status"
  exit 2
  ;;
esac
exit 0
"""

NOTIFY = r"""#!/bin/sh
# test_resources.py's [notify] hook: notify FILE NEW-ROLE OLD-ROLE REASON
f=$1
shift
printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$TANDEM_ROLE" "$TANDEM_OLD_ROLE" "$3" >> "$f"
"""


def boottime():
    """The clock of /proc/uptime (CLOCK_BOOTTIME), in seconds."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def write_script(lab, name, text):
    path = os.path.join(lab.dir, name)
    with open(path, "w") as f:
        f.write(text.replace("@DIR@", lab.dir))
    os.chmod(path, 0o755)
    return path


def resource_config(res):
    out = []
    for name in ORDER:
        out += ["[[resource]]", 'name = "%s"' % name, 'command = ["%s"]' % res,
                "exclusive = %s" % ("true" if EXCLUSIVE[name] else "false"), ""]
    return "\n".join(out)


def resource_lab(case, notify=False, **kw):
    """A lab whose nodes both have fs, db, web (and optionally a [notify] hook)."""
    lab = case.lab(**kw)
    res = write_script(lab, "res", RESOURCE)
    hook = write_script(lab, "notify", NOTIFY) if notify else None
    for n in L.NODES:
        text = resource_config(res)
        if hook:
            text += '\n[notify]\ncommand = ["%s", "%s"]\ntimeout = "5s"\n' % (hook, notify_path(lab, n))
        lab.extra_config[n] = text
        lab.write_config(n)
    return lab


def log_path(lab):
    return os.path.join(lab.dir, "resources.log")


def notify_path(lab, node):
    return os.path.join(lab.dir, "notify-%s.log" % node)


def flag(lab, kind, node, name, content=""):
    path = os.path.join(lab.dir, "%s-%s-%s" % (kind, node, name))
    with open(path, "w") as f:
        f.write(content)
    return path


def unflag(lab, kind, node, name):
    try:
        os.unlink(os.path.join(lab.dir, "%s-%s-%s" % (kind, node, name)))
    except FileNotFoundError:
        pass


class Ev:
    """One line of the shared resource log."""

    def __init__(self, index, line):
        f = line.split()
        self.index = index
        self.node, self.op, self.name, self.t, self.role = f[0], f[1], f[2], float(f[3]), f[4]
        self.rc = int(f[5]) if len(f) > 5 else None

    def __repr__(self):
        return "#%d %s %s %s %.2f" % (self.index, self.node, self.op, self.name, self.t)


def events(lab):
    try:
        with open(log_path(lab)) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return []
    return [Ev(i, line) for i, line in enumerate(lines) if line.strip()]


def moves(evs, node=None):
    """(node, op, name) of the start/failed/stop lines, in order."""
    return [(e.node, e.op, e.name) for e in evs if e.op in ("start", "failed", "stop") and (node is None or e.node == node)]


def running_on(lab, node):
    """Names whose state file exists on node (what `status` would say)."""
    return [n for n in ORDER if os.path.exists(os.path.join(lab.dir, "state-%s-%s" % (node, n)))]


def resource_states(st):
    return {r["name"]: r["state"] for r in st["resources"]}


def all_running(lab, node):
    st = lab.try_status(node)
    return bool(st) and list(resource_states(st).values()) == ["running"] * len(ORDER)


def all_stopped(lab, node):
    """None starting, running or stopping (a failed start counts as stopped)."""
    st = lab.try_status(node)
    return bool(st) and set(resource_states(st).values()) <= {"stopped", "failed"}


def settled(lab, passive=("backup", "standby")):
    """The active node once the pair is stable, the active one runs all three
    (status and state files) and the other none."""
    a = lab.stable(passive=passive)
    if not a:
        return None
    b = lab.peer_of(a)
    if not (all_running(lab, a) and all_stopped(lab, b)):
        return None
    if running_on(lab, a) != list(ORDER) or running_on(lab, b):
        return None
    return a


def wait_settled(case, lab, timeout, what, want=None):
    """Waits for settled(); with `want`, for that node to be the active one."""
    a, took = L.wait_until(lambda: settled(lab) if want is None else settled(lab) == want, timeout, step=0.05)
    if a is True:
        a = want
    if not a:
        snap = lab.snapshot()
        case.check(False, "%s: not settled within %s: roles %s, peers seen %s, VIP held %s, kernel VIP on %s, "
                   "resources %s, state files %s"
                   % (what, ms(timeout), snap["roles"],
                      {n: snap["status"][n] and (snap["status"][n]["peer"]["alive"], snap["status"][n]["peer"]["role"])
                       for n in L.NODES}, snap["held"], snap["kernel"],
                      {n: snap["status"][n] and resource_states(snap["status"][n]) for n in L.NODES},
                      {n: running_on(lab, n) for n in L.NODES}))
    return a, took


def check_order(case, evs):
    """Each node runs its resources as a stack: a start is of the next one in
    ORDER after those running, a stop (or failed start) of the last running."""
    stack = {n: [] for n in L.NODES}
    for e in evs:
        if e.op not in ("start", "failed", "stop"):
            continue
        s = stack[e.node]
        if e.op == "start":
            want = ORDER[len(s)] if len(s) < len(ORDER) else None
            case.check(e.name == want, "%s: %s started %s while %s ran (want %s next): order fs, db, web broken"
                       % (e, e.node, e.name, s, want))
            s.append(e.name)
        else:
            case.check(bool(s) and s[-1] == e.name, "%s: %s %s %s while %s ran: order web, db, fs broken"
                       % (e, e.node, "stopped" if e.op == "stop" else "failed", e.name, s))
            s.pop()
    return stack


def overlaps(evs):
    """Every interval in which a resource ran on both nodes: (name, first
    event of the overlap, event that ended it or None, seconds by TIME)."""
    up = {}  # (node, name) -> start event
    out = []
    open_overlap = {}
    for e in evs:
        if e.op == "start":
            up[(e.node, e.name)] = e
            other = ("d2" if e.node == "d1" else "d1", e.name)
            if other in up:
                open_overlap[e.name] = e
        elif e.op in ("stop", "failed"):
            up.pop((e.node, e.name), None)
            if e.name in open_overlap:
                s = open_overlap.pop(e.name)
                out.append((e.name, s, e, e.t - s.t))
    for name, s in open_overlap.items():
        out.append((name, s, None, None))
    return out


def phase_of(phases, index):
    name = None
    for start, n in phases:
        if index >= start:
            name = n
    return name


def leftovers(case, lab, first, node, active):
    """From log line `first` on: the restarted node asked status web, db, fs
    (each running), stopped them web, db, fs, and then started them again
    only if it is the active node."""
    evs = [e for e in events(lab) if e.index >= first]
    st = [(e.name, e.rc) for e in evs if e.node == node and e.op == "status"]
    case.check(st[:3] == [("web", 0), ("db", 0), ("fs", 0)],
               "the restarted %s's status calls: %s (want web, db, fs, each running)" % (node, st))
    want = [("stop", "web"), ("stop", "db"), ("stop", "fs")] + ([("start", n) for n in ORDER] if active else [])
    got = [m[1:] for m in moves(evs, node)]
    case.check(got == want, "the restarted %s (%s): %s, want %s" % (node, "active" if active else "not active", got, want))


# ---- lifecycle -------------------------------------------------------------


def case_lifecycle(case):
    lab = resource_lab(case)
    t = lab.timings
    phases = []  # (first log index, phase name)

    def phase(name):
        phases.append((len(events(lab)), name))

    phase("start")
    lab.start_pair()
    a, took = wait_settled(case, lab, t["initdead"] + 6, "start")
    b = lab.peer_of(a)
    case.note("start: %s runs fs, db, web %s after the daemons started" % (a, ms(took)))
    evs = events(lab)
    case.check(moves(evs, a) == [(a, "start", n) for n in ORDER], "%s's log at start: %s" % (a, moves(evs, a)))
    case.check(moves(evs, b) == [], "%s started or stopped something at start: %s" % (b, moves(evs, b)))
    st = [e for e in evs if e.op == "status"]
    case.check({(e.node, e.name) for e in st} == {(n, r) for n in L.NODES for r in ORDER},
               "status was not asked of every resource on both nodes at start: %s" % st)
    for n in L.NODES:
        case.check([e.name for e in st if e.node == n] == list(reversed(ORDER)),
                   "%s asked status in the order %s, want web, db, fs" % (n, [e.name for e in st if e.node == n]))
    line = lab.status(a)["status_line"]
    case.check("3/3 resources running" in line, "%s's STATUS line: %r" % (a, line))
    case.check(lab.status(a)["config"]["match"] is True, "the two configs' digests differ")

    # Power loss of the active: its daemon keeps running, isolated.
    phase("power_off")
    t0 = boottime()
    lab.power_off(a)
    ok, took = L.wait_until(lambda: all_running(lab, b) and not running_on(lab, a), 10.0, step=0.02)
    case.check(ok, "after %s's power loss: %s runs %s (status %s), %s still has state files for %s"
               % (a, b, running_on(lab, b), lab.try_status(b) and resource_states(lab.status(b)), a, running_on(lab, a)))
    evs = [e for e in events(lab) if e.index >= phases[-1][0]]
    stops = [e for e in evs if e.node == a and e.op == "stop"]
    case.check([e.name for e in stops] == list(reversed(ORDER)), "isolated %s stopped %s, want web, db, fs"
               % (a, [e.name for e in stops]))
    st_a = lab.status(a)
    case.check(st_a["role"] == "fault", "isolated %s is %s, want fault" % (a, st_a["role"]))
    starts = {e.name: e for e in evs if e.node == b and e.op == "start"}
    last_stop = {e.name: e for e in stops}
    fs_gap = starts["fs"].t - last_stop["fs"].t
    case.note("power loss of %s: it stopped web, db, fs %s after (fault, links down); %s started fs %s after, "
              "web up %s after; fs: %s between %s's stop and %s's start (stamps 10 ms)"
              % (a, ms(stops[-1].t - t0), b, ms(starts["fs"].t - t0),
                 ms([e for e in evs if e.node == b and e.op == "up" and e.name == "web"][0].t - t0),
                 ("gap " + ms(fs_gap)) if fs_gap >= 0 else ("both ran for " + ms(-fs_gap)), a, b))
    phase("power_on")
    lab.power_on(a)
    a2, took = wait_settled(case, lab, 8.0, "power back on", want=b)
    case.check(a2 == b, "after power returned %s is active (no auto_failback: want %s)" % (a2, b))
    case.note("power back on %s: settled %s after, %s keeps the group" % (a, ms(took), b))
    a, b = b, a

    # Planned: standby on the active, takeover back on the one that went standby.
    phase("standby")
    p = lab.ctl(a, "standby")
    case.check(p.returncode == 0, "tandemctl standby on %s: exit %d %s" % (a, p.returncode, p.stderr.strip()))
    a2, took = wait_settled(case, lab, 8.0, "standby", want=b)
    case.check(a2 == b, "after standby on %s the active node is %s" % (a, a2))
    case.note("standby on %s: %s runs all three after %s" % (a, b, ms(took)))
    phase("takeover")
    p = lab.ctl(a, "takeover")
    case.check(p.returncode == 0, "tandemctl takeover on %s: exit %d %s" % (a, p.returncode, p.stderr.strip()))
    a2, took = wait_settled(case, lab, 8.0, "takeover", want=a)
    case.check(a2 == a, "after takeover on %s the active node is %s" % (a, a2))
    case.note("takeover on %s: it runs all three after %s" % (a, ms(took)))

    # SIGTERM: hands over, exits 0, restarted.
    phase("sigterm")
    lab.send_signal(a, signal.SIGTERM)
    try:
        rc = lab.daemons[a].proc.wait(timeout=10)
    except Exception:
        rc = None
    case.check(rc == 0, "tandemd %s exit status %s after SIGTERM (want 0)" % (a, rc))
    case.check(running_on(lab, a) == [], "%s exited leaving %s running" % (a, running_on(lab, a)))
    ok, _ = L.wait_until(lambda: all_running(lab, b), 5.0, step=0.02)
    case.check(ok, "%s does not run all three after SIGTERM to %s" % (b, a))
    lab.start(a)
    a2, took = wait_settled(case, lab, t["initdead"] + 6, "restart after SIGTERM", want=b)
    case.check(a2 == b, "after %s's restart the active node is %s" % (a, a2))
    case.note("SIGTERM to %s: exit 0, %s took over; restarted, settled after %s" % (a, b, ms(took)))
    a, b = b, a

    # kill -9 of the active, restarted only after the peer took over: the
    # peer cannot know the leftovers run (that is fencing's job), so both
    # run them until the restart stops them; a figure, not a requirement.
    phase("kill9_late")
    lab.kill(a)
    t_kill_boot = boottime()
    ok, _ = L.wait_until(lambda: all_running(lab, b), 5.0, step=0.02)
    case.check(ok, "%s does not run all three after %s was killed" % (b, a))
    case.check(running_on(lab, a) == list(ORDER), "the killed %s left %s" % (a, running_on(lab, a)))
    lab.start(a)
    a2, took = wait_settled(case, lab, t["initdead"] + 6, "restart after kill -9 and takeover", want=b)
    leftovers(case, lab, phases[-1][0], a, False)
    evs = [e for e in events(lab) if e.index >= phases[-1][0]]
    fs_stop = [e for e in evs if e.node == a and e.op == "stop" and e.name == "fs"][0]
    fs_start = [e for e in evs if e.node == b and e.op == "start" and e.name == "fs"][0]
    case.note("kill -9 of %s, restarted after %s took over (fs started %s after the kill): the restarted %s, "
              "backup, stopped the leftovers; fs ran on both for %s (until the restart)"
              % (a, b, ms(fs_start.t - t_kill_boot), a, ms(fs_stop.t - fs_start.t)))
    a, b = b, a

    # kill -9 of the active, restarted at once (within deadtime): crash
    # leftovers. The restarted daemon says it may hold exclusive resources
    # until its `status` calls are done, so nobody starts fs or db while the
    # leftovers run; whichever node wins the election then runs the group
    # (here the peer, d1, the preferred node: it waits for the leftovers).
    phase("kill9")
    lab.kill(a)
    left = running_on(lab, a)
    case.check(left == list(ORDER), "the killed %s left %s running (want all three)" % (a, left))
    t_kill, t_kill_boot = time.monotonic(), boottime()
    lab.start(a)
    restart_after = time.monotonic() - t_kill
    case.check(restart_after < t["deadtime"], "restarting %s took %s, not within deadtime" % (a, ms(restart_after)))
    now, took = wait_settled(case, lab, t["initdead"] + 6, "restart at once after kill -9")
    leftovers(case, lab, phases[-1][0], a, now == a)
    evs = [e for e in events(lab) if e.index >= phases[-1][0]]
    fs_stop = [e for e in evs if e.node == a and e.op == "stop" and e.name == "fs"][0]
    peer_fs = [e for e in evs if e.node != a and e.op == "start" and e.name == "fs"]
    case.note("kill -9 of %s, restarted %s later: its leftovers found running by status and stopped web, db, fs "
              "%s after the kill; %s then runs the group%s"
              % (a, ms(restart_after), ms(fs_stop.t - t_kill_boot), now,
                 (" (it started fs %s after the leftover fs stopped, log line %d after %d)"
                  % (ms(peer_fs[0].t - fs_stop.t), peer_fs[0].index, fs_stop.index)) if peer_fs else ""))
    a, b = now, lab.peer_of(now)

    # The whole log.
    evs = events(lab)
    stack = check_order(case, evs)
    case.check(stack[a] == list(ORDER) and stack[b] == [], "at the end the log says %s (%s active)" % (stack, a))
    bad = []
    power = []
    for name, s, e, dt in overlaps(evs):
        ph = phase_of(phases, s.index)
        text = "%s on both from %r to %r (%s, phase %s)" % (name, s, e, ms(dt) if dt is not None else "open", ph)
        if ph in ("power_off", "kill9_late"):
            power.append(text)
        elif EXCLUSIVE[name]:
            bad.append(text)
    case.note("replayed %d log lines: starts fs, db, web and stops web, db, fs every time on both nodes; "
              "exclusive resources on both nodes: %s times in the planned moves and the kill -9 with an at-once restart; "
              "at the power loss and the late restart: %s"
              % (len(evs), len(bad), "; ".join(power) if power else "never"))
    case.check(not bad, "an exclusive resource ran on both nodes: %s" % "; ".join(bad))


# ---- start failure -----------------------------------------------------------


def case_start_failure(case):
    lab = resource_lab(case)
    t = lab.timings
    flag(lab, "fail", "d1", "db")
    lab.start_pair()
    a, took = wait_settled(case, lab, t["initdead"] + 6, "start with db failing on d1")
    case.check(a == "d2", "with db failing on d1 the group ended on %s" % a)
    case.note("db failed on d1: d2 runs fs, db, web %s after the daemons started" % ms(took))
    evs = events(lab)
    want = [("d1", "start", "fs"), ("d1", "start", "db"), ("d1", "failed", "db"), ("d1", "stop", "fs"),
            ("d2", "start", "fs"), ("d2", "start", "db"), ("d2", "start", "web")]
    case.check(moves(evs) == want, "the log: %s, want %s" % (moves(evs), want))
    check_order(case, evs)
    case.check(not [o for o in overlaps(evs) if EXCLUSIVE[o[0]]], "an exclusive resource ran on both: %s" % overlaps(evs))
    st = lab.status("d1")
    rs = {r["name"]: r for r in st["resources"]}
    case.check(rs["db"]["state"] == "failed", "d1's db is %s, want failed" % rs["db"]["state"])
    reason = rs["db"]["failure"] or ""
    case.check("db: cannot start on d1 (test failure)" in reason, "d1's db failure: %r" % reason)
    case.check(rs["fs"]["state"] == "stopped" and rs["web"]["state"] == "stopped",
               "d1's fs and web: %s, %s" % (rs["fs"]["state"], rs["web"]["state"]))
    roles = {g["name"]: g["role"] for g in st["groups"]}
    case.check(roles == {"default": "standby"} and st["role"] == "standby", "d1: role %s, groups %s, want standby"
               % (st["role"], roles))
    case.note("d1: group standby, db failed: %r" % reason)
    case.note("d1: %s" % st["status_line"])
    case.check("3/3 resources running" in lab.status("d2")["status_line"], "d2: %s" % lab.status("d2")["status_line"])


# ---- slow script -------------------------------------------------------------


def case_slow_script(case):
    lab = resource_lab(case)
    t = lab.timings
    sleep = 5.0
    flag(lab, "sleep", "d1", "fs", "%g" % sleep)
    lab.start_pair()
    # Wait for fs's start to begin on d1.
    ok, _ = L.wait_until(lambda: [e for e in events(lab) if e.node == "d1" and e.op == "start" and e.name == "fs"],
                         t["initdead"] + 6, step=0.01)
    case.check(ok, "d1 never started fs")
    t_start = time.monotonic()
    worst = {n: 0.0 for n in L.NODES}
    samples = 0
    roles_b = set()
    gaps = []
    while time.monotonic() - t_start < sleep - 0.3:
        t_s = time.monotonic()
        for n in L.NODES:
            st = lab.try_status(n)
            if st is None:
                gaps.append((n, t_s - t_start))
                continue
            for link in st["peer"]["links"]:
                heard = link["last_heard_ms"]
                worst[n] = max(worst[n], heard if heard is not None else float("inf"))
            if n == "d2":
                roles_b.add(st["role"])
                case.check(st["role"] == "backup" and st["peer"]["alive"],
                           "%.2fs into fs's sleep d2 is %s, peer alive %s" % (t_s - t_start, st["role"], st["peer"]["alive"]))
            else:
                case.check(st["role"] == "active" and resource_states(st)["fs"] == "starting",
                           "%.2fs into fs's sleep d1 is %s with fs %s" % (t_s - t_start, st["role"], resource_states(st)))
        samples += 1
        time.sleep(max(0.0, 0.05 - (time.monotonic() - t_s)))
    case.check(not gaps, "status did not answer: %s" % gaps)
    deadtime_ms = t["deadtime"] * 1000
    case.note("%d samples during fs's %gs start: longest silence of d1 seen by d2 %.0f ms, of d2 seen by d1 %.0f ms "
              "(deadtime %.0f ms)" % (samples, sleep, worst["d2"], worst["d1"], deadtime_ms))
    case.check(worst["d2"] < deadtime_ms and worst["d1"] < deadtime_ms, "a link went silent for %s (deadtime %.0f ms)"
               % (worst, deadtime_ms))
    a, took = wait_settled(case, lab, 5.0, "after the slow start")
    case.check(a == "d1", "after the slow start %s is active" % a)
    evs = events(lab)
    fs_start = [e for e in evs if e.op == "start" and e.name == "fs"][0]
    fs_up = [e for e in evs if e.op == "up" and e.name == "fs"][0]
    case.check(moves(evs) == [("d1", "start", n) for n in ORDER], "the log: %s" % moves(evs))
    case.check(fs_up.t - fs_start.t >= sleep - 0.02, "fs's start took %s" % ms(fs_up.t - fs_start.t))
    text = lab.log_text("d2")
    dead = [l for l in text.splitlines() if re.search(r"\bdead\b", l)]
    case.check(not dead, "d2 logged a dead peer: %s" % dead)
    case.check("role backup -> " not in text, "d2 changed role: %s" % [l for l in text.splitlines() if "role " in l])
    case.note("fs ran %s after its start began, then db and web; d2 stayed backup, no 'dead' in its log"
              % ms(fs_up.t - fs_start.t))


# ---- power loss time -------------------------------------------------------


def case_power_loss_time(case):
    lab = resource_lab(case)
    t = lab.timings
    lab.start_pair()
    a, _ = wait_settled(case, lab, t["initdead"] + 6, "start")
    stamped, seen, vip = [], [], []
    for run in range(5):
        b = lab.peer_of(a)
        n0 = len(events(lab))
        time.sleep(0.5)
        t0_mono = time.monotonic()
        t0_boot = boottime()
        lab.power_off(a)
        t_vip = None

        def web_up():
            nonlocal t_vip
            if t_vip is None and lab.has_address(b):
                t_vip = time.monotonic()
            return [e for e in events(lab)[n0:] if e.node == b and e.op == "up" and e.name == "web"]

        up, _ = L.wait_until(web_up, 10.0, step=0.005)
        t_seen = time.monotonic()
        case.check(up, "run %d: web never ran on %s after %s's power loss" % (run + 1, b, a))
        stamped.append(up[0].t - t0_boot)
        seen.append(t_seen - t0_mono)
        if t_vip is not None:
            vip.append(t_vip - t0_mono)
        lab.power_on(a)
        a2, _ = wait_settled(case, lab, 8.0, "run %d: power back on" % (run + 1), want=b)
        case.check(a2 == b, "run %d: %s active after power returned" % (run + 1, a2))
        a = b
    evs = events(lab)
    check_order(case, evs)

    def mmm(xs):
        return "min %s / median %s / max %s" % (ms(min(xs)), ms(statistics.median(xs)), ms(max(xs)))

    case.note("power loss to web running on the peer over %d runs (deadtime %s): by the script's stamp after its "
              "start (10 ms resolution, at most 10 ms early) %s; as seen by this test polling the log every 5 ms %s; "
              "VIP on the peer %s" % (len(stamped), ms(t["deadtime"]), mmm(stamped), mmm(seen), mmm(vip)))
    case.note("runs (stamp): %s" % ", ".join(ms(x) for x in stamped))


# ---- notify ------------------------------------------------------------------


ROLE_LINE = re.compile(r"role (\S+) -> (\S+): (.*)$")


def hook_lines(lab, node):
    try:
        with open(notify_path(lab, node)) as f:
            return [tuple(l.split("\t")) for l in f.read().splitlines() if l]
    except FileNotFoundError:
        return []


def logged_changes(lab, node):
    out = []
    for line in lab.log_text(node).splitlines():
        m = ROLE_LINE.search(line)
        if m:
            out.append((m.group(2), m.group(1), m.group(3)))
    return out


def case_notify(case):
    lab = resource_lab(case, notify=True)
    t = lab.timings
    lab.start_pair()
    a, _ = wait_settled(case, lab, t["initdead"] + 6, "start")
    b = lab.peer_of(a)
    p = lab.ctl(a, "standby")
    case.check(p.returncode == 0, "standby: %s" % p.stderr.strip())
    a2, _ = wait_settled(case, lab, 8.0, "standby", want=b)
    case.check(a2 == b, "after standby on %s: %s active" % (a, a2))
    p = lab.ctl(a, "takeover")
    case.check(p.returncode == 0, "takeover: %s" % p.stderr.strip())
    a2, _ = wait_settled(case, lab, 8.0, "takeover", want=a)
    case.check(a2 == a, "after takeover on %s: %s active" % (a, a2))
    want = {a: [("active", "init"), ("standby", "active"), ("active", "standby")],
            b: [("backup", "init"), ("active", "backup"), ("backup", "active")]}

    def complete():
        return all(len(hook_lines(lab, n)) >= len(logged_changes(lab, n)) >= len(want[n]) for n in L.NODES)

    L.wait_until(complete, 5.0, step=0.05)
    for n in L.NODES:
        hooks = hook_lines(lab, n)
        logged = logged_changes(lab, n)
        case.check([(h[0], h[1]) for h in hooks] == [(l[0], l[1]) for l in logged],
                   "%s: the hook saw %s, the daemon logged %s" % (n, hooks, logged))
        case.check([(h[0], h[1]) for h in hooks] == want[n], "%s: the hook saw %s, want %s"
                   % (n, [(h[0], h[1]) for h in hooks], want[n]))
        for h, l in zip(hooks, logged):
            case.check(h[2] == h[0] and h[3] == h[1], "%s: TANDEM_ROLE %s / TANDEM_OLD_ROLE %s with arguments %s %s"
                       % (n, h[2], h[3], h[0], h[1]))
            case.check(h[4] == l[2], "%s: the hook's reason %r, the log's %r" % (n, h[4], l[2]))
        case.note("%s: %s" % (n, ", ".join("%s->%s" % (h[1], h[0]) for h in hooks)))


if __name__ == "__main__":
    sys.exit(main([case_lifecycle, case_start_failure, case_slow_script, case_power_loss_time, case_notify],
                  "netns resources"))
