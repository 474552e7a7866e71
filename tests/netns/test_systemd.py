#!/usr/bin/env python3
"""netns: what tandemd tells systemd (SPEC "systemd").

tandemd on d1 runs with NOTIFY_SOCKET pointing at a datagram socket this
test reads, as systemd's would be, and with WATCHDOG_USEC set.

Cases:
  notify   READY=1 arrives once the first role is decided (not before),
           STATUS= lines follow the SPEC form ("active since 12:01:07, peer
           d2 backup, 1 VIP") and track role changes, WATCHDOG=1 arrives
           about every WATCHDOG_USEC/2, SIGHUP gives RELOADING=1 then
           READY=1, and SIGTERM gives STOPPING=1.
"""

import os
import re
import signal
import socket
import sys
import threading
import time

import lab as L
from runner import main, ms

STATUS_RE = re.compile(
    r"^(init|backup|active|standby|fault) since \d\d:\d\d:\d\d, peer d2 (init|backup|active|standby|fault|dead), "
    r"\d+ VIPs?(, \d+ links? down)?$")


class NotifyListener:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, field)
        self.lock = threading.Lock()
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self.lock:
                for field in data.decode(errors="replace").split("\n"):
                    if field:
                        self.messages.append((now, field))

    def fields(self, prefix):
        with self.lock:
            return [(t, f) for t, f in self.messages if f.startswith(prefix)]

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def case_notify(case):
    lab = case.lab()
    path = os.path.join(lab.node_dir("d1"), "notify.sock")
    listener = NotifyListener(path)
    try:
        saved = dict(os.environ)
        os.environ["NOTIFY_SOCKET"] = path
        os.environ["WATCHDOG_USEC"] = "200000"  # 200 ms: a ping every 100 ms
        try:
            t0 = time.monotonic()
            lab.start("d1")
        finally:
            os.environ.clear()
            os.environ.update(saved)
        lab.start("d2")
        case.check(L.wait_until(lambda: listener.fields("READY=1"), 5), "no READY=1 within 5 s")
        ready_at = listener.fields("READY=1")[0][0]
        case.note("READY=1 %s after start" % ms(ready_at - t0))
        # READY only once a role is decided: the first STATUS before it
        # must not say init.
        statuses = listener.fields("STATUS=")
        case.check(statuses, "no STATUS= line")
        before_ready = [f for t, f in statuses if t <= ready_at]
        case.check(before_ready and not before_ready[-1].startswith("STATUS=init"),
                   "READY=1 sent while the status still said init: %r" % before_ready)

        case.check(lab.wait_stable(), "pair did not settle")
        time.sleep(1.0)
        last = listener.fields("STATUS=")[-1][1][len("STATUS="):]
        case.check(STATUS_RE.match(last), "STATUS line not in the SPEC form: %r" % last)
        case.check(last.startswith("active since") and "peer d2 backup, 1 VIP" in last,
                   "d1 should be active with d2 backup: %r" % last)
        case.note("status line: %r" % last)

        pings = [t for t, _ in listener.fields("WATCHDOG=1") if t > ready_at]
        case.check(len(pings) >= 8, "expected ~10 WATCHDOG=1 in the first second, got %d" % len(pings))
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        case.check(max(gaps) < 0.2, "watchdog gap %s exceeds WATCHDOG_USEC" % ms(max(gaps)))
        case.note("%d watchdog pings, longest gap %s" % (len(pings), ms(max(gaps))))

        # A role change shows in STATUS: d2 powers off, d1 reports it dead.
        lab.power_off("d2")
        case.check(L.wait_until(lambda: any("peer d2 dead" in f for _, f in listener.fields("STATUS=")), 3),
                   "STATUS did not report the dead peer")

        n_ready = len(listener.fields("READY=1"))
        lab.send_signal("d1", signal.SIGHUP)
        case.check(L.wait_until(lambda: len(listener.fields("READY=1")) > n_ready, 3),
                   "no READY=1 after the reload")
        reloading = listener.fields("RELOADING=1")
        case.check(reloading, "no RELOADING=1 on SIGHUP")
        case.check(reloading[-1][0] <= listener.fields("READY=1")[-1][0], "READY=1 came before RELOADING=1")
        case.note("SIGHUP: RELOADING=1 then READY=1")

        lab.send_signal("d1", signal.SIGTERM)
        case.check(L.wait_until(lambda: listener.fields("STOPPING=1"), 3), "no STOPPING=1 on SIGTERM")
        case.check(L.wait_until(lambda: not lab.daemons["d1"].running(), 5), "d1 did not exit")
        case.check(lab.daemons["d1"].proc.returncode == 0,
                   "d1 exited %s" % lab.daemons["d1"].proc.returncode)
        case.note("SIGTERM: STOPPING=1, exit 0")
    finally:
        listener.close()


if __name__ == "__main__":
    sys.exit(main([case_notify], "netns systemd notifications"))
