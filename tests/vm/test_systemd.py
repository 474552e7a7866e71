#!/usr/bin/env python3
"""vm tier under systemd (tests/vm/run.sh --systemd: systemd is PID 1 of the
guest): the Debian package installed with dpkg, and the example lab pair
(examples/lab/d1.toml and d2.toml as they are, in /etc/tandem) run as the
package's services tandem@d1 and tandem@d2, each joined to its director's
network namespace by a runtime drop-in (NetworkNamespacePath=). One lab,
in this order:

- install: `dpkg -i` of BUILD/deb/tandem_VERSION_ARCH.deb (scripts/build-deb.sh
  -u, the CTest fixture packaging.deb) starts nothing and makes the key;
- status: `systemctl status tandem@dN` shows tandemd's STATUS= line with
  the director's role, the peer and its role, the VIPs held and "2/2 real
  servers healthy", as tandemctl status has them;
- metrics: `promtool check metrics` passes on a scrape of each director's
  /metrics, which shows its role and both real servers healthy;
- reload: `systemctl reload tandem@d1` succeeds, and systemd received
  RELOADING=1 then READY=1 from the main process (its debug log); with an
  unknown key in the file the reload fails naming it, through RELOADING=1
  and READY=1 again, and the service runs on (same main process);
- fault: the backup's links down and up (its role goes to fault, then to
  init and backup, for the journal);
- watchdog: the active director's tandemd stopped with SIGSTOP: the peer
  takes the VIP over within deadtime + ALLOWANCE, systemd kills the
  stopped process when WatchdogSec passes and restarts it (Restart=), and
  it comes back as backup;
- stop: `systemctl stop` on the active director while the client sends a
  request every 10 ms: no request fails, the peer is active alone, and the
  service ends with status 0;
- journal: `journalctl -u` holds each of those role changes, at priority
  notice (5), and at err (3) the change to fault (daemon/log.cpp, tandemd(8)
  LOGGING), and no write that the sandbox refused ("Read-only file system":
  tandemd sets IPVS sysctls of its namespace).

Run: tests/vm/run.sh --systemd -- python3 tests/vm/test_systemd.py --build BUILD
"""

import json
import os
import re
import shutil
import signal
import subprocess
import time

import livelab
import vmlab
from vmlab import labmod, runner
from runner import ms

REPO = livelab.REPO
UNIT = "tandem@%s.service"
# The unit's WatchdogSec= and RestartSec= (packaging/tandem@.service).
WATCHDOG = 10.0
RESTART = 2.0
# Seconds beyond a bound: the guest is emulated (as in test_lab.py).
ALLOWANCE = 2.0
STATUS_RE = re.compile(r'^\s*Status: "(\w+) since \d\d:\d\d:\d\d, peer (d[12]) (\w+), (\d+) VIPs?(?:, [^"]*?)?, '
                       r'(\d+)/(\d+) real servers healthy"$', re.M)
ROLE_RE = re.compile(r"^role (\w+) -> (\w+): ")


def sh(*cmd, timeout=60, check=False):
    return labmod.run(list(cmd), check=check, timeout=timeout)


def main_pid(unit):
    """The unit's main process (tandemd's engine), from its cgroup: the
    process there whose parent is systemd, but for an ExecStartPre= (the
    --check-config run). None when there is none. File reads only: cheap
    enough for the lab's 10 ms polls."""
    try:
        with open("/sys/fs/cgroup/system.slice/system-tandem.slice/%s/cgroup.procs" % unit) as f:
            pids = [int(p) for p in f.read().split()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == 1 and b"--check-config" not in argv and b"--checker" not in argv:
            return pid
    return None


class UnitDaemon:
    """A director's tandemd as systemd runs it (in place of lab.Daemon)."""

    def __init__(self, node):
        self.node = node
        self.unit = UNIT % node
        self.started = time.monotonic()

    @property
    def pid(self):
        return main_pid(self.unit)

    def running(self):
        return self.pid is not None


class SystemdLab(labmod.Lab):
    """The netns lab with each director's tandemd run by systemd: the
    package's template tandem@.service, its configuration in
    /etc/tandem/NODE.toml, the package's keys file, the control socket in
    /run/tandem/NODE/, the log in the journal."""

    def __init__(self, build, **kw):
        super().__init__(build, **kw)
        self.tandemd = "/usr/sbin/tandemd"
        self.tandemctl = "/usr/bin/tandemctl"

    def config_path(self, node):
        return "/etc/tandem/%s.toml" % node

    def authkeys_path(self, node):
        return "/etc/tandem/authkeys"

    def socket_path(self, node):
        return "/run/tandem/%s/tandemd.sock" % node

    def log_path(self, node):
        return "journalctl -u " + UNIT % node

    def log_text(self, node):
        return sh("journalctl", "-u", UNIT % node, "-o", "cat", "--no-pager").stdout

    def log_tail(self, node, lines=25):
        return sh("journalctl", "-u", UNIT % node, "-n", str(lines), "-o", "short-monotonic", "--no-pager").stdout

    def start(self, node, log_level=None, extra_args=()):
        self.start_units([node])
        return self.daemons[node]

    def start_pair(self):
        self.start_units(labmod.NODES)

    def start_units(self, nodes):
        """Each node's drop-in (as `systemctl edit --runtime` would write
        it), then `systemctl start` of all of them at once: it returns when
        each has sent READY=1."""
        for node in nodes:
            d = "/run/systemd/system/%s.d" % (UNIT % node)
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "netns.conf"), "w") as f:
                f.write("# The lab's director %s: its network namespace (ip netns add).\n"
                        "[Service]\nNetworkNamespacePath=/run/netns/%s\n" % (node, self.ns[node]))
        sh("systemctl", "daemon-reload", check=True)
        sh("systemctl", "start", *[UNIT % n for n in nodes], timeout=120, check=True)
        for node in nodes:
            self.daemons[node] = UnitDaemon(node)

    def send_signal(self, node, sig):
        os.kill(self.daemons[node].pid, sig)

    def stop(self, node, sig=signal.SIGTERM, timeout=60):
        """`systemctl stop`; the main process's exit status."""
        sh("systemctl", "stop", UNIT % node, timeout=timeout, check=True)
        return int(show(node, "ExecMainStatus")["ExecMainStatus"])

    def kill(self, node):
        sh("systemctl", "kill", "--signal=SIGKILL", UNIT % node)
        sh("systemctl", "stop", UNIT % node)

    def close(self):
        if not self._closed:
            sh("systemctl", "stop", *[UNIT % n for n in labmod.NODES], timeout=120)
            self.daemons = {}
        super().close()


class SystemdLiveLab(livelab.LiveLab):
    NetLab = SystemdLab


def show(node, *props):
    """systemctl show -p ... of the node's unit, as a dict."""
    p = sh("systemctl", "show", UNIT % node, *["-p" + p for p in props], check=True)
    return dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)


def cursor():
    """The journal's current end, for journal(after=)."""
    p = sh("journalctl", "-n", "0", "--show-cursor", "-q", "--no-pager")
    m = re.search(r"^-- cursor: (\S+)", p.stdout, re.M)
    return m.group(1) if m else None


def journal(nodes, after=None):
    """The units' journal entries (dicts of journal fields), oldest first."""
    cmd = ["journalctl", "-o", "json", "--no-pager"]
    for n in nodes:
        cmd += ["-u", UNIT % n]
    if after:
        cmd.append("--after-cursor=" + after)
    out = []
    for line in sh(*cmd).stdout.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e.get("MESSAGE"), str):
            out.append(e)
    return out


def package():
    """BUILD/deb/tandem_VERSION_ARCH.deb of debian/changelog's version."""
    with open(os.path.join(REPO, "debian", "changelog")) as f:
        version = re.match(r"^\S+ \(([^)]+)\)", f.readline()).group(1)
    arch = sh("dpkg", "--print-architecture", check=True).stdout.strip()
    return "tandem_%s_%s.deb" % (version, arch)


def case_systemd(case):
    def require(condition, message):
        if not condition:
            raise runner.Failure(message + "\n" + diagnostics())

    live = None

    def diagnostics():
        out = []
        for node in livelab.NODES:
            out.append("---- systemctl status %s\n%s" % (UNIT % node, sh("systemctl", "status", "-n", "30",
                                                                         "--no-pager", UNIT % node).stdout))
            if live is not None:
                out.append("---- %s: ipvsadm -Ln\n%s" % (node, live.ipvsadm(node)))
        return "\n".join(out)

    # The package, built on the host (no network, and far too slow, here).
    deb = os.path.join(os.path.abspath(case.build), "deb", package())
    require(os.path.exists(deb), "%s is missing: scripts/build-deb.sh -u -o %s/deb builds it (the CTest "
            "test packaging.deb)" % (deb, case.build))
    newer = [p for p in sh("git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard",
                           check=True).stdout.split("\0")
             if p and not p.startswith("tests/") and os.path.exists(os.path.join(REPO, p))
             and os.path.getmtime(os.path.join(REPO, p)) > os.path.getmtime(deb)]
    require(not newer, "%s is older than %s: build it again (scripts/build-deb.sh -u -o %s/deb)"
            % (deb, ", ".join(newer[:5]), case.build))
    require(sh("systemctl", "is-system-running").stdout.strip() in ("running", "starting", "degraded"),
            "systemd is not PID 1 here: run through tests/vm/run.sh --systemd")
    t = time.monotonic()
    # man-db's trigger would index every manual, for a minute under emulation.
    p = sh("dpkg", "--no-triggers", "-i", deb, timeout=300)
    require(p.returncode == 0, "dpkg -i %s: exit %d\n%s%s" % (deb, p.returncode, p.stdout, p.stderr))
    active = sh("systemctl", "is-active", "tandem.service", UNIT % "d1", UNIT % "d2").stdout.split()
    require(active == ["inactive"] * 3, "the package started something: is-active %s" % active)
    mode = os.stat("/etc/tandem/authkeys").st_mode & 0o777
    require(mode == 0o600, "the package's /etc/tandem/authkeys has mode %o" % mode)
    case.note("dpkg -i %s in %s: nothing started, authkeys 0600" % (os.path.basename(deb), ms(time.monotonic() - t)))

    live = SystemdLiveLab(case.build, verbose=case.verbose)
    case.labs.append(live.lab)
    lab = live.lab
    timings = live.timings()
    t = time.monotonic()
    active = live.start(timeout=60)
    backup = lab.peer_of(active)
    first, second = active, backup  # the roles change below
    case.note("systemctl start tandem@d1 tandem@d2: %s active, %s backup, real servers up, after %s"
              % (active, backup, ms(time.monotonic() - t)))

    # systemctl status: the STATUS= line, as tandemctl status has it.
    def status_lines():
        out = {}
        for node in livelab.NODES:
            text = sh("systemctl", "status", "-n", "0", "--no-pager", UNIT % node).stdout
            m = STATUS_RE.search(text)
            running = re.search(r"^\s*Active: active \(running\)", text, re.M) is not None
            out[node] = (m.groups() if m and running else None, text)
        return out

    # (role, peer, the peer's role, VIPs held, real servers healthy, real servers)
    want = {active: ("active", backup, "backup", "1", "2", "2"), backup: ("backup", active, "active", "0", "2", "2")}
    seen = {}

    def as_wanted():
        seen.update(status_lines())
        return all(seen[n][0] == want[n] for n in want)

    ok, _ = labmod.wait_until(as_wanted, 10, step=0.5)
    require(ok, "systemctl status: expected %s, got:\n%s" % (want, "\n".join(t for _, t in seen.values())))
    lines = seen
    case.note("systemctl status %s: %s" % (UNIT % active, re.search(r'Status: "[^"]*"', lines[active][1]).group(0)))

    # promtool check metrics on a real scrape of each director.
    promtool = shutil.which("promtool")
    require(promtool, "promtool is not installed (Debian's prometheus package; scripts/setup.sh installs it)")
    for node in livelab.NODES:
        p = sh("ip", "netns", "exec", lab.ns[node], "curl", "-sS", "--max-time", "10",
               "http://127.0.0.1:9694/metrics")
        body = p.stdout
        require(p.returncode == 0 and body, "%s: scrape of /metrics failed: %s" % (node, p.stderr))
        check = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, text=True, timeout=60)
        require(check.returncode == 0, "promtool check metrics on %s's scrape: %s%s"
                % (node, check.stdout, check.stderr))
        role = want[node][0]
        for sample in ['tandem_role{group="default",role="%s"} 1' % role] + [
                'tandem_real_server_healthy{virtual_server="%s",real="%s"} 1' % (livelab.SERVICE, live.dest(r))
                for r in livelab.REALS]:
            require(re.search("^%s$" % re.escape(sample), body, re.M), "%s's /metrics has no %r" % (node, sample))
    case.note("promtool check metrics: clean on both scrapes (%d lines from %s)"
              % (body.count("\n"), node))

    # Reload: RELOADING=1 then READY=1 from the main process, as systemd
    # logs them at debug level.
    sh("systemctl", "log-level", "debug", check=True)
    try:
        def reload(expect_ok):
            pid = lab.daemons["d1"].pid
            mark = cursor()
            p = sh("systemctl", "reload", UNIT % "d1", timeout=60)
            require((p.returncode == 0) == expect_ok, "systemctl reload tandem@d1: exit %d, expected %s\n%s"
                    % (p.returncode, "0" if expect_ok else "a failure", p.stderr))
            st = show("d1", "ActiveState", "SubState", "MainPID")
            require(st == {"ActiveState": "active", "SubState": "running", "MainPID": str(pid)},
                    "after the reload: %s (main PID was %d)" % (st, pid))
            got = [e["MESSAGE"] for e in journal(["d1"], after=mark)]
            notes = [m for m in got if "Got notification message from PID %d (" % pid in m]
            order = [k for m in notes for k in ("RELOADING=1", "READY=1") if "(%s" % k in m]
            require(order[:2] == ["RELOADING=1", "READY=1"], "systemd's notifications from %d during the reload: %s"
                    % (pid, notes))
            return got

        reload(True)
        config = lab.config_path("d1")
        with open(config) as f:
            good = f.read()
        try:
            with open(config, "a") as f:
                f.write("\nbogus = 1\n")  # in the last table, [[virtual_server.real]]
            got = reload(False)
        finally:
            with open(config, "w") as f:
                f.write(good)
        require(any("bogus" in m for m in got), "the rejected reload did not name the error: %s" % got[-10:])
        require(STATUS_RE.search(sh("systemctl", "status", "-n", "0", "--no-pager", UNIT % "d1").stdout),
                "no status line after the rejected reload")
    finally:
        sh("systemctl", "log-level", "info")
    case.note("systemctl reload: RELOADING=1, READY=1, ok; with an unknown key: RELOADING=1, READY=1, the reload "
              "failed naming it, same main process running")

    # The backup's links down and up: fault (err) and back (notice).
    lab.power_off(backup)
    fault, _ = labmod.wait_until(lambda: (lab.try_status(backup) or {}).get("role") == "fault", 10, step=0.2)
    lab.power_on(backup)
    require(fault, "%s did not go to fault with its links down" % backup)
    back, _ = labmod.wait_until(lambda: lab.stable() == active, 20, step=0.2)
    require(back, "the pair did not settle again after %s's links came back" % backup)

    # Watchdog: the active engine stopped; the peer takes over, systemd
    # kills and restarts it.
    meter = vmlab.StallMeter()
    try:
        pid = lab.daemons[active].pid
        restarts = int(show(active, "NRestarts")["NRestarts"])
        stopped = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        labmod.wait_until(lambda: (lab.try_status(backup) or {}).get("role") == "active",
                          timings["deadtime"] + 10, step=0.05)
        took = time.monotonic() - stopped
        stalled = meter.stalled(stopped)
        require((lab.try_status(backup) or {}).get("role") == "active", "%s did not take over from the stopped %s"
                % (backup, active))
        require(took <= timings["deadtime"] + ALLOWANCE + stalled, "%s took over after %s, bound %s (+ %s stalled)"
                % (backup, ms(took), ms(timings["deadtime"] + ALLOWANCE), ms(stalled)))
        require(main_pid(UNIT % active) == pid, "%s's tandemd went away before the watchdog" % active)
        killed, _ = labmod.wait_until(lambda: main_pid(UNIT % active) != pid, WATCHDOG + 20, step=0.1)
        gone = time.monotonic() - stopped
        require(killed, "%s's stopped tandemd was not killed within %s" % (active, ms(WATCHDOG + 20)))
        # tandemd's last WATCHDOG=1 came at most WatchdogSec/2 before the stop.
        require(WATCHDOG / 2 - 0.5 <= gone <= WATCHDOG + ALLOWANCE + meter.stalled(stopped),
                "%s's tandemd was killed %s after the stop, expected WatchdogSec/2 to WatchdogSec (%s) after it"
                % (active, ms(gone), ms(WATCHDOG)))
        up, _ = labmod.wait_until(lambda: lab.stable() == backup, RESTART + 30, step=0.2)
        require(up, "%s was not restarted as backup: %s" % (active, lab.roles()))
        st = show(active, "NRestarts", "ActiveState")
        require(st == {"NRestarts": str(restarts + 1), "ActiveState": "active"}, "%s after the watchdog: %s"
                % (UNIT % active, st))
        said = [e["MESSAGE"] for e in journal([active]) if e.get("_PID") == "1" or e.get("SYSLOG_IDENTIFIER") == "systemd"]
        require(any("Watchdog timeout" in m for m in said), "systemd did not log a watchdog timeout: %s" % said[-8:])
        case.note("SIGSTOP %s: %s active after %s (stalled %s), killed by the watchdog after %s, restarted as backup "
                  "after %s" % (active, backup, ms(took), ms(stalled), ms(gone), ms(time.monotonic() - stopped)))
        active, backup = backup, active

        # systemctl stop on the active director under client traffic.
        probe = live.start_probe(every=0.01, timeout=0.5)
        time.sleep(1.0)
        t0 = time.monotonic()
        status = lab.stop(active)
        took = time.monotonic() - t0
        moved, _ = labmod.wait_until(lambda: live.holders() == [backup]
                                     and (lab.try_status(backup) or {}).get("role") == "active", 10, step=0.05)
        time.sleep(1.0)
        result = livelab.outage(probe.stop(), t_from=t0 - 0.5)
        stalled = meter.stalled(t0)
    finally:
        meter.close()
    case.note("systemctl stop %s: %s, exit status %d; client: %d requests, %d failed, longest gap %s (stalled %s)"
              % (UNIT % active, ms(took), status, result["requests"], result["failed"],
                 ms(result["longest_gap"]), ms(stalled)))
    require(moved, "%s is not active alone after the stop: holders %s" % (backup, live.holders()))
    require(status == 0 and show(active, "Result")["Result"] == "success", "%s stopped with status %d, %s"
            % (UNIT % active, status, show(active, "Result")))
    require(result["ok"] > 0 and result["gap_to"] is not None and result["gap_to"] > t0,
            "the client got no answer after the stop: %s" % result)
    require(result["failed"] == 0, "%d requests failed during the stop: %s" % (result["failed"], result["errors"]))

    # The journal: the role changes at their priorities, and nothing the
    # sandbox refused (/proc/sys/net/ipv4/vs must be writable).
    entries = journal(livelab.NODES)
    refused = [e["MESSAGE"] for e in entries if "Read-only file system" in e["MESSAGE"]]
    require(not refused, "the sandbox kept tandemd from writing: %s" % refused[:5])
    changes = {}
    for e in entries:
        m = ROLE_RE.match(e["MESSAGE"])
        if m and e.get("_SYSTEMD_UNIT", "").startswith("tandem@"):
            node = e["_SYSTEMD_UNIT"][len("tandem@"):-len(".service")]
            changes.setdefault((node, m.group(1), m.group(2)), set()).add(e.get("PRIORITY"))
    expected = {(second, "backup", "fault"): "3", (second, "fault", "init"): "5",
                (second, "backup", "active"): "5", (first, "init", "backup"): "5",
                (first, "backup", "active"): "5"}
    for key, prio in expected.items():
        require(changes.get(key) == {prio}, "journal: %s role %s -> %s at priorities %s, expected %s; all: %s"
                % (key[0], key[1], key[2], changes.get(key), prio, changes))
    wrong = {k: v for k, v in changes.items() if v != {"3" if k[2] == "fault" else "5"}}
    require(not wrong, "journal: role changes at the wrong priority: %s" % wrong)
    case.note("journal: %d role changes, to fault at 3, the others at 5" % len(changes))


if __name__ == "__main__":
    import sys
    sys.exit(runner.main([case_systemd], "vm: the Debian package under systemd, the lab pair as tandem@d1/d2"))
