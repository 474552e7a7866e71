#!/usr/bin/env python3
"""netns: the checker child can die or hang without costing a heartbeat.

tandemd is two processes: the HA engine (links, state machine, VIPs) and the
checker (health checks, IPVS). Both directors run at interval 50 ms and
deadtime 200 ms. On the active director:

  sigkill   the checker is killed with SIGKILL. The engine restarts it (a
            new pid, restarts = 1), the VIP stays where it was, neither
            node changes role, and no heartbeat interval of the active
            director goes beyond interval + warntime/2.
  sigstop   the checker is stopped with SIGSTOP and left stopped: it stops
            answering, the engine kills and restarts it after its stall
            bound, with the same guarantees.
  blocked   the checker is stopped for 2 s, then continued (its loop blocked
            for 2 s, shorter than the stall bound): no failover, no
            restart, heartbeats on time.
  stalled_backup  the backup's engine is stopped for 3 x deadtime, then
            continued: the heartbeats that waited in its sockets meanwhile
            count from their arrival (SO_TIMESTAMPNS) and are read before
            any deadline is judged, so it does not take the VIP.
  no_ipvs   (this kernel has no IPVS) a virtual server configured: the
            checker refuses the configuration at start, tandemd logs why
            and exits 1 without opening its control socket.
  in_memory the same with --ipvs-in-memory: it starts, its status lists the
            virtual server with the real server in the (in-memory) table,
            and SIGTERM ends it with 0, checker included.
"""

import os
import signal
import time

import lab as L
from runner import main, ms

TIMINGS = {"interval": 0.050, "deadtime": 0.200, "warntime": 0.150, "initdead": 1.0}


def checker_pid(lab, node):
    return lab.status(node)["checker"]["pid"]


def watch(case, lab, a, b, seconds, until=None):
    """Polls both nodes for `seconds` (or until until() is true after at
    least that long a quiet stretch has been checked): a stays active with
    the VIP, b stays backup."""
    t0 = time.monotonic()
    samples = 0
    while time.monotonic() - t0 < seconds or (until and not until()):
        case.check(time.monotonic() - t0 < seconds + 15, "gave up waiting after %s" % ms(seconds + 15))
        sa, sb = lab.status(a), lab.status(b)
        case.check(sa["role"] == "active" and lab.held_in_status(sa),
                   "%s lost the VIP or its role: %s, held %s" % (a, sa["role"], lab.held_in_status(sa)))
        case.check(sb["role"] == "backup", "%s became %s" % (b, sb["role"]))
        case.check(not lab.has_address(b), "%s holds the VIP too" % b)
        samples += 1
        time.sleep(0.02)
    return samples


def check_heartbeats(case, lab, a):
    st = lab.status(a)
    hb = st["engine"]["heartbeat_interval_ms"]
    bound = (TIMINGS["interval"] + TIMINGS["warntime"] / 2) * 1000
    case.note("%s heartbeat intervals over the last minute: p50 %.1f ms, p99 %.1f ms, max %.1f ms (bound %.0f ms)"
              % (a, hb["p50"], hb["p99"], hb["max"], bound))
    case.check(hb["max"] <= bound, "a heartbeat interval reached %.1f ms, bound %.0f ms" % (hb["max"], bound))
    # The checker's own lag may be warned about (it was blocked); the
    # engine's must not.
    engine = [w for w in st["warnings"] if "checker" not in w]
    case.check(not engine, "status warns: %s" % engine)
    return st


def setup(case):
    lab = case.lab(timings=TIMINGS)
    lab.start_pair()
    a = lab.wait_stable(timeout=TIMINGS["initdead"] + 5)
    b = lab.peer_of(a)
    pid = checker_pid(lab, a)
    case.check(isinstance(pid, int) and pid > 0, "no checker pid in %s's status" % a)
    case.check(os.path.exists("/proc/%d" % pid), "checker pid %d is not running" % pid)
    return lab, a, b, pid


def restarted(lab, a, old):
    st = lab.try_status(a)
    return st and st["checker"]["pid"] not in (None, old) and st["checker"]["restarts"] >= 1


def replaced(case, lab, a, b, pid, sig, quiet):
    """Sends `sig` to the checker and watches both nodes (at least `quiet`
    seconds) until the engine has replaced it: the checker's status then,
    and how long it took."""
    t0 = time.monotonic()
    os.kill(pid, sig)
    watch(case, lab, a, b, quiet, until=lambda: restarted(lab, a, pid))
    return lab.status(a)["checker"], time.monotonic() - t0


def case_sigkill(case):
    lab, a, b, pid = setup(case)
    st, took = replaced(case, lab, a, b, pid, signal.SIGKILL, 1.0)
    case.note("checker pid %d killed; pid %d running after %s, restarts %d, last exit: %s"
              % (pid, st["pid"], ms(took), st["restarts"], st["last_exit"]))
    case.check("signal 9" in st["last_exit"], "last_exit %r does not name SIGKILL" % st["last_exit"])
    watch(case, lab, a, b, 1.0)
    case.check("checker pid %d killed by signal 9" % pid in lab.log_text(a), "the engine did not log why")
    check_heartbeats(case, lab, a)


def case_sigstop(case):
    lab, a, b, pid = setup(case)
    st, took = replaced(case, lab, a, b, pid, signal.SIGSTOP, 2.0)
    case.note("checker pid %d stopped; replaced by pid %d after %s" % (pid, st["pid"], ms(took)))
    case.check(not os.path.exists("/proc/%d" % pid), "the stopped checker %d is still there" % pid)
    case.check("has not answered for" in lab.log_text(a), "the engine did not log the stall")
    watch(case, lab, a, b, 1.0)
    check_heartbeats(case, lab, a)


def case_blocked(case):
    lab, a, b, pid = setup(case)
    os.kill(pid, signal.SIGSTOP)
    samples = watch(case, lab, a, b, 2.0)
    os.kill(pid, signal.SIGCONT)
    watch(case, lab, a, b, 0.5)
    st = lab.status(a)["checker"]
    case.note("checker blocked 2 s (%d status samples of both nodes): no failover, restarts %d"
              % (samples, st["restarts"]))
    case.check(st["pid"] == pid and st["restarts"] == 0, "the checker was restarted: %s" % st)
    st = check_heartbeats(case, lab, a)
    case.check(any("checker's loop ran" in w for w in st["warnings"]),
               "status does not warn about the checker's loop: %s" % st["warnings"])


def case_stalled_backup(case):
    lab = case.lab(timings=TIMINGS)
    lab.start_pair()
    a = lab.wait_stable(timeout=TIMINGS["initdead"] + 5)
    b = lab.peer_of(a)
    pid = lab.daemons[b].pid
    os.kill(pid, signal.SIGSTOP)
    time.sleep(3 * TIMINGS["deadtime"])
    os.kill(pid, signal.SIGCONT)
    watch(case, lab, a, b, 1.0)
    took = [l for l in lab.log_text(b).splitlines() if "-> active" in l]
    case.check(not took, "%s took over after its stall: %s" % (b, took))
    case.note("%s's engine stopped for %s (deadtime %s): it stayed backup, the VIP stayed on %s"
              % (b, ms(3 * TIMINGS["deadtime"]), ms(TIMINGS["deadtime"]), a))


VS_TOML = """
[[virtual_server]]
address = "%s:80"

[[virtual_server.real]]
address = "10.77.0.11"
""" % L.VIP


def start_with_vs(case, extra_args=()):
    lab = case.lab(timings=TIMINGS)
    lab.write_config("d1", lab.config_text("d1") + VS_TOML)
    return lab, lab.start("d1", extra_args=extra_args)


def case_no_ipvs(case):
    if os.path.exists("/proc/net/ip_vs"):
        case.note("this kernel has IPVS: nothing to show")
        return
    lab, d = start_with_vs(case)
    try:
        rc = d.proc.wait(timeout=10)
    except Exception:
        rc = None
    case.check(rc == 1, "tandemd exited with %r, expected 1" % rc)
    log = lab.log_text("d1")
    case.check("IPVS is not available in this kernel" in log, "the log does not say why")
    case.check(not os.path.exists(lab.socket_path("d1")), "the control socket was created")
    case.check("checker: stopped" in log, "the checker did not stop with it")
    case.note("exit 1: %s" % [l for l in log.splitlines() if "IPVS is not available" in l][0])


def case_in_memory(case):
    lab, d = start_with_vs(case, ["--ipvs-in-memory"])
    st, took = L.wait_until(lambda: lab.status("d1"), 5)
    case.check(st, "no status from d1")
    vss = st["virtual_servers"]
    case.check(len(vss) == 1 and vss[0]["in_kernel"] and vss[0]["dests"][0]["address"] == "10.77.0.11:80",
               "status virtual_servers: %s" % vss)
    checker = st["checker"]["pid"]
    rc = lab.stop("d1")
    case.check(rc == 0, "SIGTERM: exit %r" % rc)
    case.check(not os.path.exists("/proc/%d" % checker) or open("/proc/%d/stat" % checker).read().split()[2] == "Z",
               "the checker %d outlived tandemd" % checker)
    case.note("started with the table in memory, status after %s, exit 0 on SIGTERM" % ms(took))


if __name__ == "__main__":
    main([case_sigkill, case_sigstop, case_blocked, case_stalled_backup, case_no_ipvs, case_in_memory],
         "the checker child dies or hangs")
