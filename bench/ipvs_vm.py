#!/usr/bin/env python3
"""IPVS table benchmark in the vm tier (prints figures; not a test).

Run inside the guest, which has IPVS:

    tests/vm/run.sh --timeout 1500 -- python3 bench/ipvs_vm.py --build build [--runs 3] [--json FILE]

One boot, one table: 2,000 TCP services (10.100.X.Y:80, wlc) with 4
direct-routing destinations each (10.200.J.Y:80, weight 1), the same table
that `ipvsctl bulk 2000 4` builds. Each run starts from an empty table in a
network namespace of its own:

  ipvsadm -R     the table as `ipvsadm -S` rules, restored with `ipvsadm -R`
                 (wall time of the command).
  ipvsctl bulk   tandem's netlink IpvsTable applying the same 10,000
                 operations in one apply() (the time it prints, and the wall
                 time of the command).
  tandemd        tandemd (info log level, log read through a pipe as journald
                 would) started with a config holding the 2,000 virtual
                 servers: from exec until the control socket appears (tandemd
                 reconciles before it opens the socket; `ipvsadm -Ln` checks
                 the table right after, and the log must hold every
                 operation once). `tandemd
                 --check-config` on the same file gives the share of parsing.

Then, with the last tandemd holding the table:

  one weight change   the config changed in one weight, SIGHUP, until the
                      "ipvs: SET dest" log line (logged once the kernel
                      acknowledged it); each reload must log exactly one
                      operation. For comparison: one SET through
                      `ipvsctl apply`, and one full dump (`ipvsctl dump`).
  memory              VmRSS and VmHWM of tandemd while it holds the table.
  periodic reconcile  tandemd's CPU time over an idle interval (it dumps the
                      whole table every 5 s to repair drift).
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "netns"))
import lab as L  # noqa: E402

SERVICES = 2000
DESTS = 4
WEIGHT_CHANGES = 5
IDLE = 15.0  # seconds of idle CPU measurement (three periodic reconciles)


# "ipvs: 10000 operation(s) in 812.3 ms (dump of 0 services 0.4 ms)", "... (no dump)"
PASS_LINE = re.compile(r"ipvs: (\d+) operation\(s\) in ([\d.]+) ms \((?:dump of (\d+) services ([\d.]+) ms|no dump)\)")


def service_addr(i):
    return "10.100.%d.%d" % (i // 250, i % 250 + 1)


def dest_addr(i, j):
    return "10.200.%d.%d" % (j, i % 250 + 1)


def ipvsadm_rules():
    lines = []
    for i in range(SERVICES):
        vs = "%s:80" % service_addr(i)
        lines.append("-A -t %s -s wlc" % vs)
        for j in range(DESTS):
            lines.append("-a -t %s -r %s:80 -g -w 1" % (vs, dest_addr(i, j)))
    return "\n".join(lines) + "\n"


def tandem_virtual_servers(changed=None):
    """The 2,000 [[virtual_server]] tables; changed = (i, j, weight) overrides one weight."""
    out = []
    for i in range(SERVICES):
        out.append('[[virtual_server]]\naddress = "%s:80"\nprotocol = "tcp"\nscheduler = "wlc"\n'
                   'forwarding = "dr"\n' % service_addr(i))
        for j in range(DESTS):
            w = changed[2] if changed and changed[:2] == (i, j) else 1
            out.append('[[virtual_server.real]]\naddress = "%s"\nweight = %d\n' % (dest_addr(i, j), w))
    return "\n".join(out)


def count_table(ns):
    """(services, destinations) in a namespace's table, by `ipvsadm -Ln`."""
    out = ns_run(ns, ["ipvsadm", "-Ln"]).stdout
    services = len(re.findall(r"^(TCP|UDP|SCTP|FWM) ", out, re.M))
    return services, out.count("  -> ") - 1  # the header has one "  -> "


def ns_run(ns, cmd, **kw):
    return subprocess.run(["ip", "netns", "exec", ns] + cmd, capture_output=True, text=True, **kw)


def saved(ns):
    """`ipvsadm -Sn` lines, sorted (the listing order is the kernel's hash order)."""
    return sorted(ns_run(ns, ["ipvsadm", "-Sn"]).stdout.splitlines())


def timed(ns, cmd, **kw):
    t0 = time.monotonic()
    p = ns_run(ns, cmd, **kw)
    return p, time.monotonic() - t0


class Tandemd:
    """tandemd in a namespace with its stderr read line by line, each line
    stamped with time.monotonic() when it arrives."""

    def __init__(self, lab, ns, config, socket_path, log_level="info"):
        self.lines = []          # [(t, line)]
        self.cond = threading.Condition()
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        self.t_exec = time.monotonic()
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, lab.tandemd, "-c", config, "--socket",
                                      socket_path, "--log-level", log_level],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=L._die_with_parent)
        lab.helpers.append(self.proc)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            t = time.monotonic()
            with self.cond:
                self.lines.append((t, raw.decode(errors="replace").rstrip("\n")))
                self.cond.notify_all()

    def wait_line(self, pattern, start_index, timeout):
        """(index, t, line) of the first line from start_index matching pattern."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = start_index
        with self.cond:
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    if rx.search(line):
                        return i, t, line
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return None
                self.cond.wait(left)

    def passes_since(self, index):
        """tandemd's reconcile pass lines: [{"ops", "ms", "dump_ms" (None: no dump), "services"}]."""
        out = []
        with self.cond:
            lines = [line for _, line in self.lines[index:]]
        for line in lines:
            m = PASS_LINE.search(line)
            if m:
                out.append({"ops": int(m.group(1)), "ms": float(m.group(2)), "line": line,
                            "services": int(m.group(3)) if m.group(3) else None,
                            "dump_ms": float(m.group(4)) if m.group(4) else None})
        return out

    def ops_since(self, index):
        with self.cond:
            return [line for _, line in self.lines[index:] if re.search(r"ipvs: (NEW|SET|DEL) ", line)]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=10)


def wait_socket(daemon, sock):
    """Seconds from tandemd's exec until its control socket exists."""
    while not os.path.exists(sock):
        if daemon.proc.poll() is not None:
            raise L.LabError("tandemd exited (%s): %s" % (daemon.proc.returncode, daemon.lines[-5:]))
        if time.monotonic() - daemon.t_exec > 900:
            raise L.LabError("tandemd did not open its socket within 900 s")
        time.sleep(0.002)
    return time.monotonic() - daemon.t_exec


def proc_status(pid, keys=("VmRSS", "VmHWM")):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in keys:
                out[k] = int(v.split()[0])  # kB
    return out


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime, stime are fields 14 and 15 (1-based) of the whole line.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stats(values):
    return min(values), statistics.median(values), max(values)


def main():
    global SERVICES
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--services", type=int, default=SERVICES, help="virtual servers (default %(default)s)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    SERVICES = args.services
    if not os.path.exists("/proc/net/ip_vs"):
        sys.exit("ipvs_vm.py: this kernel has no IPVS; run it through tests/vm/run.sh")
    build = os.path.abspath(args.build)
    ipvsctl = os.path.join(build, "tests", "tools", "ipvsctl")
    for exe in (ipvsctl, os.path.join(build, "daemon", "tandemd")):
        if not os.access(exe, os.X_OK):
            sys.exit("ipvs_vm.py: %s is missing: build the project first" % exe)

    lab = L.Lab(build, timings={"interval": 0.2, "deadtime": 1.0, "warntime": 0.6, "initdead": 1.0})
    lab.setup()
    spaces = {}
    for role in ("adm", "ctl"):
        ns = lab.prefix + "b" + role
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["ip", "netns", "add", ns], check=True)
        # Destinations must be unicast addresses by the namespace's routing tables.
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        lab._created.append(ns)  # removed with the lab
        spaces[role] = ns
    tns = lab.ns["d1"]
    rules = ipvsadm_rules()
    config = lab.config_path("d1")
    base = lab.config_text("d1") + "\n"
    lab.write_config("d1", base + tandem_virtual_servers())
    sock = lab.socket_path("d1")
    state = os.path.join(os.path.dirname(sock), "ipvs-created")
    total = SERVICES * (1 + DESTS)
    print("IPVS benchmark: %d services x %d destinations = %d operations from empty, %d run(s); kernel %s"
          % (SERVICES, DESTS, total, args.runs, os.uname().release), flush=True)

    parse_s = []
    for _ in range(3):  # the first one also reads the binary into the guest's cache
        p, t = timed(tns, [lab.tandemd, "--check-config", "-c", config])
        if p.returncode != 0:
            sys.exit("tandemd --check-config failed: %s%s" % (p.stdout, p.stderr))
        parse_s.append(t)
    results = {"ipvsadm_restore": [], "ipvsctl_apply": [], "ipvsctl_wall": [], "tandemd_socket": [], "tandemd_socket_notice": [],
               "tandemd_pass_apply": [], "tandemd_pass_dump": [],
               "check_config": parse_s[1:]}
    daemon = None
    try:
        for run in range(args.runs):
            # Each run from empty tables, with no tandemd running (its
            # periodic reconcile would compete for the CPUs).
            if daemon:
                daemon.stop()
                daemon = None
            for ns in (spaces["adm"], spaces["ctl"], tns):
                ns_run(ns, ["ipvsadm", "-C"], check=True)
            if os.path.exists(state):
                os.unlink(state)
            time.sleep(1.0)

            # ipvsadm -R
            p, t = timed(spaces["adm"], ["ipvsadm", "-R"], input=rules, timeout=900)
            if p.returncode != 0:
                raise L.LabError("ipvsadm -R failed: %s" % p.stderr[:500])
            n = count_table(spaces["adm"])
            if n != (SERVICES, SERVICES * DESTS):
                raise L.LabError("ipvsadm -R left %s (services, dests)" % (n,))
            results["ipvsadm_restore"].append(t)

            # ipvsctl bulk
            p, t = timed(spaces["ctl"], [ipvsctl, "bulk", str(SERVICES), str(DESTS)], timeout=900)
            m = re.search(r"applied (\d+) operations, (\d+) failed, ([\d.]+) ms", p.stdout)
            if p.returncode != 0 or not m or int(m.group(2)) != 0:
                raise L.LabError("ipvsctl bulk failed: %s%s" % (p.stdout[-500:], p.stderr[-500:]))
            results["ipvsctl_apply"].append(float(m.group(3)) / 1000.0)
            results["ipvsctl_wall"].append(t)
            if run == 0 and saved(spaces["ctl"]) != saved(spaces["adm"]):
                raise L.LabError("ipvsctl bulk and ipvsadm -R built different tables")

            # tandemd from empty, first at --log-level notice, then as it
            # runs by default (info: a summary line per reconcile pass).
            quiet = Tandemd(lab, tns, config, sock, log_level="notice")
            t_quiet = wait_socket(quiet, sock)
            if count_table(tns) != (SERVICES, SERVICES * DESTS):
                raise L.LabError("tandemd (notice) left %s (services, dests)" % (count_table(tns),))
            quiet.stop()
            results["tandemd_socket_notice"].append(t_quiet)
            ns_run(tns, ["ipvsadm", "-C"], check=True)
            os.unlink(state)
            time.sleep(1.0)
            daemon = Tandemd(lab, tns, config, sock)
            t_sock = wait_socket(daemon, sock)
            counted = count_table(tns)
            if counted != (SERVICES, SERVICES * DESTS):
                raise L.LabError("when tandemd opened its socket the kernel had %s (services, dests)" % (counted,))
            # A pass this large logs its operations at debug and one summary
            # line at info (the pipe may still be draining).
            L.wait_until(lambda: daemon.passes_since(0), 60.0, step=0.1)
            results["tandemd_socket"].append(t_sock)
            passes = daemon.passes_since(0)
            if len(passes) != 1 or passes[0]["ops"] != total:
                raise L.LabError("tandemd's reconcile pass lines at start: %s" % [p["line"] for p in passes])
            results["tandemd_pass_apply"].append(passes[0]["ms"] / 1000.0)
            results["tandemd_pass_dump"].append(passes[0]["dump_ms"] / 1000.0)
            print("  run %d: ipvsadm -R %.2f s, ipvsctl bulk %.2f s (apply %.2f s), tandemd %.2f s to its socket "
                  "(its pass: apply %.2f s, dump %.3f s; %.2f s at log level notice)"
                  % (run + 1, results["ipvsadm_restore"][-1], results["ipvsctl_wall"][-1],
                     results["ipvsctl_apply"][-1], t_sock, results["tandemd_pass_apply"][-1],
                     results["tandemd_pass_dump"][-1], t_quiet), flush=True)

        # One weight change in the full table, through a reload: the same
        # destination's weight 5, 6, 7, ... so each reload changes one weight.
        # Each reload re-arms the 5 s periodic pass, so none runs in between.
        pid = daemon.proc.pid
        status_full = proc_status(pid)
        to_set, to_reloaded, pass_ms = [], [], []
        i, j = SERVICES // 2, 2
        for k in range(WEIGHT_CHANGES):
            w = 5 + k
            lab.write_config("d1", base + tandem_virtual_servers((i, j, w)))
            start = len(daemon.lines)
            t0 = time.monotonic()
            os.kill(pid, signal.SIGHUP)
            hit = daemon.wait_line(r"ipvs: SET dest %s:80 dr weight %d" % (re.escape(dest_addr(i, j)), w), start, 120)
            done = daemon.wait_line(r"<\d>reloaded ", start, 120)
            if not hit or not done:
                raise L.LabError("reload %d: no SET or no 'reloaded' line: %s" % (k + 1, daemon.lines[start:][-5:]))
            to_set.append(hit[1] - t0)
            to_reloaded.append(done[1] - t0)
            time.sleep(1.0)
            ops = daemon.ops_since(start)
            if len(ops) != 1:
                raise L.LabError("reload %d logged %d operations: %s" % (k + 1, len(ops), ops[:6]))
            passes = daemon.passes_since(start)
            if len(passes) != 1:
                raise L.LabError("reload %d: %d reconcile pass lines: %s" % (k + 1, len(passes), passes))
            if passes[0]["dump_ms"] is not None:
                raise L.LabError("reload %d dumped the table: %s" % (k + 1, passes[0]["line"]))
            pass_ms.append(passes[0]["ms"] / 1000.0)
        results["weight_change_sighup_to_set"] = to_set
        results["weight_change_sighup_to_reloaded"] = to_reloaded
        results["weight_change_pass"] = pass_ms

        # Single operation and full dump with the netlink table, for comparison.
        one = "set-dest tcp:%s:80 %s:80 dr weight=9\n" % (service_addr(SERVICES - 1), dest_addr(SERVICES - 1, 3))
        set_ms = []
        for _ in range(WEIGHT_CHANGES):
            p = ns_run(spaces["ctl"], [ipvsctl, "apply"], input=one)
            m = re.search(r"([\d.]+) ms", p.stdout)
            if p.returncode != 0 or not m:
                raise L.LabError("ipvsctl apply failed: %s%s" % (p.stdout, p.stderr))
            set_ms.append(float(m.group(1)) / 1000.0)
        results["ipvsctl_one_set"] = set_ms
        dump_s = []
        for _ in range(3):
            p, t = timed(spaces["ctl"], [ipvsctl, "dump"], timeout=300)
            if p.returncode != 0:
                raise L.LabError("ipvsctl dump failed: %s" % p.stderr)
            dump_s.append(t)
        results["ipvsctl_dump_wall"] = dump_s
        adm_e = []
        for k in range(WEIGHT_CHANGES):
            p, t = timed(spaces["adm"], ["ipvsadm", "-e", "-t", "%s:80" % service_addr(SERVICES - 1), "-r",
                                         "%s:80" % dest_addr(SERVICES - 1, 3), "-g", "-w", str(2 + k)])
            adm_e.append(t)
        results["ipvsadm_one_edit_wall"] = adm_e

        # Memory and the periodic reconcile while holding the table.
        status_hold = proc_status(pid)
        idle_start = len(daemon.lines)
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(IDLE)
        c1, t1 = cpu_seconds(pid), time.monotonic()
        results["rss_kb"] = status_hold.get("VmRSS")
        results["hwm_kb"] = status_hold.get("VmHWM")
        results["rss_after_load_kb"] = status_full.get("VmRSS")
        results["idle_cpu_s"] = c1 - c0
        results["idle_s"] = t1 - t0
        results["idle_ops"] = len(daemon.ops_since(idle_start))
    finally:
        if daemon:
            daemon.stop()
        lab.close()

    r = results
    lines = [
        "",
        "IPVS table, %d services x %d destinations (%d operations) from empty, %d run(s), seconds"
        % (SERVICES, DESTS, total, args.runs),
        "                                              min     median        max",
    ]

    def row(label, values, scale=1.0, fmt="%10.3f"):
        a, b, c = stats([v * scale for v in values])
        lines.append("  %-38s %s %s %s" % (label, fmt % a, fmt % b, fmt % c))

    row("ipvsadm -R (wall)", r["ipvsadm_restore"])
    row("ipvsctl bulk, apply() only", r["ipvsctl_apply"])
    row("ipvsctl bulk (wall)", r["ipvsctl_wall"])
    row("tandemd exec -> control socket", r["tandemd_socket"])
    row("tandemd exec -> socket, log level notice", r["tandemd_socket_notice"])
    row("tandemd's pass: apply (its log)", r["tandemd_pass_apply"])
    row("tandemd's pass: dump of the empty table", r["tandemd_pass_dump"])
    row("tandemd --check-config (parse only)", r["check_config"])
    ratio = statistics.median(r["ipvsadm_restore"]) / statistics.median(r["tandemd_socket"])
    ratio_apply = statistics.median(r["ipvsadm_restore"]) / statistics.median(r["ipvsctl_apply"])
    lines.append("  ipvsadm -R / tandemd (medians): %.2fx; ipvsadm -R / apply(): %.2fx" % (ratio, ratio_apply))
    lines += ["", "One weight change in the full table, milliseconds",
              "                                              min     median        max"]
    row("tandemd's pass on reload (its log)", r["weight_change_pass"], 1000.0, "%10.1f")
    row("tandemd: SIGHUP -> SET logged", r["weight_change_sighup_to_set"], 1000.0, "%10.1f")
    row("tandemd: SIGHUP -> 'reloaded' logged", r["weight_change_sighup_to_reloaded"], 1000.0, "%10.1f")
    row("ipvsctl apply, one SET (apply() only)", r["ipvsctl_one_set"], 1000.0, "%10.1f")
    row("ipvsadm -e, one dest (wall)", r["ipvsadm_one_edit_wall"], 1000.0, "%10.1f")
    row("ipvsctl dump, whole table (wall)", r["ipvsctl_dump_wall"], 1000.0, "%10.1f")
    lines += ["", "tandemd holding the table",
              "  VmRSS %.1f MiB (after the load %.1f MiB), VmHWM %.1f MiB"
              % (r["rss_kb"] / 1024.0, r["rss_after_load_kb"] / 1024.0, r["hwm_kb"] / 1024.0),
              "  CPU %.2f s over %.1f s idle (periodic reconcile every 5 s: about %.0f ms per pass), "
              "%d operations logged while idle" % (r["idle_cpu_s"], r["idle_s"],
                                                   1000.0 * r["idle_cpu_s"] / (r["idle_s"] / 5.0),
                                                   r["idle_ops"])]
    print("\n".join(lines), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
