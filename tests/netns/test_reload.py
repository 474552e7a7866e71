#!/usr/bin/env python3
"""netns: configuration reload (SIGHUP and `tandemctl reload`).

Cases:
  bad_config   an invalid config (a bare number for a duration) on SIGHUP,
               then a config that is not TOML at all on `tandemctl reload`:
               each is rejected and logged at warning or worse, tandemctl
               reload exits 1 with a message, the daemon keeps running on
               the old config (status answers, role and VIP unchanged, peer
               alive).
  adds_vip     a good config with a second VIP, reloaded on both nodes: the
               active node holds the new VIP (kernel and status), the backup
               does not, the first VIP does not move, and the client reaches
               the new VIP. When the active node then loses power, the backup
               takes both VIPs.
"""

import re
import signal
import sys
import time

import lab as L
from runner import main, ms

SETTLE = 1.0  # seconds to let a reload take effect before checking


def log_since(lab, node, offset):
    return lab.log_text(node)[offset:]


def complaints(text):
    """Log lines at warning priority or worse (<0>..<4>)."""
    return [line for line in text.splitlines() if re.match(r"<[0-4]>", line)]


def check_unchanged(case, lab, active, what):
    snap = lab.snapshot()
    b = lab.peer_of(active)
    case.check(lab.daemons[active].running(), "%s: tandemd %s exited (status %s)"
               % (what, active, lab.daemons[active].proc.returncode))
    case.check(snap["status"][active] is not None, "%s: status on %s no longer answers" % (what, active))
    case.check(snap["roles"][active] == "active" and snap["roles"][b] == "backup",
               "%s: roles are now %s" % (what, snap["roles"]))
    case.check(snap["kernel"] == [active] and snap["held"][active],
               "%s: VIP on %s (kernel), held %s (status)" % (what, snap["kernel"], snap["held"]))
    case.check(all(snap["status"][n]["peer"]["alive"] for n in L.NODES), "%s: a node lost its peer" % what)


def case_bad_config(case):
    lab = case.lab()
    lab.start_pair()
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    good = lab.config_text(a)

    # 1. SIGHUP with a bare number where a duration is required.
    bad = good.replace('interval = "%s"' % L.duration(lab.timings["interval"]), "interval = 100", 1)
    case.check(bad != good, "test bug: could not make the bad config")
    offset = len(lab.log_text(a))
    lab.write_config(a, bad)
    lab.send_signal(a, signal.SIGHUP)
    time.sleep(SETTLE)
    check_unchanged(case, lab, a, "bad config on SIGHUP")
    said = complaints(log_since(lab, a, offset))
    case.check(said, "bad config on SIGHUP: nothing logged at warning or worse; log since the signal:\n%s"
               % log_since(lab, a, offset)[-1500:])
    case.note("SIGHUP with a bare-number duration rejected, logged: %s" % said[0].strip()[:160])

    # 2. tandemctl reload with a file that is not TOML.
    offset = len(lab.log_text(a))
    lab.write_config(a, good.replace("[cluster]", "[cluster", 1))
    p = lab.ctl(a, "reload")
    time.sleep(SETTLE)
    check_unchanged(case, lab, a, "broken TOML on tandemctl reload")
    case.check(p.returncode == 1 and p.stderr.strip(),
               "tandemctl reload of a broken config exited %d (want 1) with stderr %r"
               % (p.returncode, p.stderr.strip()))
    case.note("tandemctl reload of broken TOML: exit 1, %r" % p.stderr.strip()[:160])
    said = complaints(log_since(lab, a, offset))
    case.check(said, "broken TOML on reload: nothing logged at warning or worse")

    # 3. The old config still drives the node: a good file reloads fine.
    lab.write_config(a)
    p = lab.ctl(a, "reload")
    case.check(p.returncode == 0, "reload of the original config exited %d: %s" % (p.returncode, p.stderr.strip()))
    time.sleep(SETTLE)
    check_unchanged(case, lab, a, "reload of the original config")
    case.note("%s kept running as active through both; the original config reloads with exit 0" % a)


def case_adds_vip(case):
    lab = case.lab()
    t = lab.timings
    lab.start_pair()
    a = lab.wait_stable(timeout=t["initdead"] + 5)
    b = lab.peer_of(a)
    lab.extra_vips = [(L.VIP2 + "/24", "eth0")]
    for n in L.NODES:
        lab.write_config(n)
    lab.send_signal(b, signal.SIGHUP)
    t0 = time.monotonic()
    p = lab.ctl(a, "reload")
    case.check(p.returncode == 0, "tandemctl reload on %s exited %d: %s" % (a, p.returncode, p.stderr.strip()))

    def holds_new():
        st = lab.status(a)
        return lab.has_address(a, L.VIP2) and lab.held_in_status(st, L.VIP2)

    ok, took = L.wait_until(holds_new, 3.0)
    case.check(ok, "%s does not hold the new VIP %s 3 s after reload: kernel %s, status vips %s"
               % (a, L.VIP2, lab.addresses(a), (lab.try_status(a) or {}).get("vips")))
    case.note("active %s holds the new VIP %s %s after reload" % (a, L.VIP2, ms(took)))
    time.sleep(SETTLE)
    case.check(not lab.has_address(b, L.VIP2), "the backup %s has the new VIP too" % b)
    st_b = lab.status(b)
    case.check(len(st_b["vips"]) == 2 and not any(v["held"] for v in st_b["vips"]),
               "backup %s status vips after its reload: %s" % (b, st_b["vips"]))
    check_unchanged(case, lab, a, "after adding a VIP")
    case.check(lab.ping("client", L.VIP2), "the client cannot ping the new VIP %s" % L.VIP2)
    case.check(lab.neigh("client", L.VIP2)[0] == lab.mac(a),
               "client reaches %s at %s, want %s's MAC" % (L.VIP2, lab.neigh("client", L.VIP2), a))

    t0 = time.monotonic()
    lab.power_off(a)
    both, took = L.wait_until(lambda: lab.has_address(b, L.VIP) and lab.has_address(b, L.VIP2), 3.0, step=0.005)
    case.check(both, "after %s lost power, %s has %s (want both VIPs)" % (a, b, lab.addresses(b)))
    case.note("after %s lost power, %s took both VIPs in %s" % (a, b, ms(took)))


if __name__ == "__main__":
    sys.exit(main([case_bad_config, case_adds_vip], "netns reload"))
