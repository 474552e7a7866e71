#!/usr/bin/env python3
"""netns: [metrics] serves /metrics in the Prometheus text format.

Both directors run with `[metrics] listen = "127.0.0.1:9694"` (inside their
namespaces) and a virtual server whose real servers are the client's TCP
service (up) and an address nobody answers on (down), in an in-memory IPVS
table (this kernel has no IPVS).

Cases:
  scrape    each director's /metrics: promtool check metrics passes; the
            active one says tandem_role{role="active"} 1 and holds the VIP,
            the backup says backup; the peer is alive on both links; the
            heartbeat counters grow between two scrapes; the real servers'
            health is 1 and 0, with probe counts and the probe-duration
            histogram; the IPVS operations that built the table are counted.
  page      the status page at / of each director, loaded in headless
            Chromium (Debian's chromium) in the director's namespace: the
            rendered DOM shows this node's role and the peer's, both links,
            the VIP, the virtual server with both real servers (up, down),
            and the health transitions among the events; no script. A
            phone-sized screenshot of each is kept in ARTIFACTS
            (TANDEM_ARTIFACTS, else build/artifacts).
  http      a path other than / and /metrics is 404, a POST is 405, and a port in
            use refuses a reload that asks for it while the old listener
            goes on serving.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time

import lab as L
from runner import main, ms

PORT = 9694
REAL_UP = "10.77.0.50"    # the client namespace, where the service runs
REAL_DOWN = "10.77.0.77"  # nobody


def extra(port=PORT):
    return """
[metrics]
listen = "127.0.0.1:%d"

[[virtual_server]]
address = "%s:%d"

[virtual_server.check]
type = "tcp"
interval = "200ms"
timeout = "150ms"

[[virtual_server.real]]
address = "%s:%d"

[[virtual_server.real]]
address = "%s:%d"
""" % (port, L.VIP, L.SERVICE_PORT, REAL_UP, L.SERVICE_PORT, REAL_DOWN, L.SERVICE_PORT)


GET = r"""
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url, method=method, data=b"x" if method == "POST" else None)
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        sys.stdout.write("%d %s\n" % (r.status, r.headers.get("Content-Type")))
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write("%d %s\n" % (e.code, e.headers.get("Content-Type")))
"""


def http(lab, node, path="/metrics", method="GET", port=PORT):
    p = L.run(["ip", "netns", "exec", lab.ns[node], L.PYTHON, "-c", GET, method,
               "http://127.0.0.1:%d%s" % (port, path)], check=False, timeout=15)
    if p.returncode != 0:
        return None, None, p.stderr
    head, _, body = p.stdout.partition("\n")
    code, _, ctype = head.partition(" ")
    return int(code), ctype, body


def samples(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        out[name] = float(value)
    return out


def start(case):
    lab = case.lab()
    for node in L.NODES:
        lab.extra_config[node] = extra()
    for node in L.NODES:
        lab.write_config(node)
        lab.start(node, extra_args=["--ipvs-in-memory"])
    a = lab.wait_stable(timeout=lab.timings["initdead"] + 5)
    # The client's TCP service is the real server that is up.
    proc = lab.ns_exec("client", [L.PYTHON, os.path.join(L.HERE, "service.py"), "--name", "real", "--port",
                                  str(L.SERVICE_PORT)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lab.helpers.append(proc)
    case.check("listening" in proc.stdout.readline(), "the real server's service did not start")
    return lab, a, lab.peer_of(a)


def case_scrape(case):
    lab, a, b = start(case)
    promtool = shutil.which("promtool")
    case.check(promtool, "promtool is not installed (Debian's prometheus package; scripts/setup.sh installs it)")
    vs = 'virtual_server="TCP %s:%d"' % (L.VIP, L.SERVICE_PORT)
    up = '%s,real="%s:%d"' % (vs, REAL_UP, L.SERVICE_PORT)
    down = '%s,real="%s:%d"' % (vs, REAL_DOWN, L.SERVICE_PORT)

    def settled():
        for node in (a, b):
            s = samples(http(lab, node)[2] or "")
            if s.get("tandem_real_server_healthy{%s}" % down) != 0 or s.get("tandem_real_server_healthy{%s}" % up) != 1:
                return False
        return True

    ok, took = L.wait_until(settled, 10, step=0.2)
    case.check(ok, "the directors' /metrics did not show the real servers up and down within 10 s:\n%s"
               % (http(lab, a)[2] or "")[:3000])
    for node, role in ((a, "active"), (b, "backup")):
        code, ctype, body = http(lab, node)
        case.check(code == 200, "%s /metrics: HTTP %s" % (node, code))
        case.check(ctype.startswith("text/plain; version=0.0.4"), "%s content type %r" % (node, ctype))
        p = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, text=True, timeout=30)
        case.check(p.returncode == 0, "promtool check metrics on %s's scrape: %s%s" % (node, p.stdout, p.stderr))
        s = samples(body)
        case.check(s.get('tandem_role{group="default",role="%s"}' % role) == 1,
                   "%s: tandem_role says %s" % (node, {k: v for k, v in s.items() if k.startswith("tandem_role{")}))
        case.check(s.get('tandem_vip_held{address="%s/24",interface="eth0"}' % L.VIP) == (1 if role == "active" else 0),
                   "%s: tandem_vip_held is wrong" % node)
        case.check(s.get('tandem_peer_alive{peer="%s"}' % lab.peer_of(node)) == 1, "%s: the peer is not alive" % node)
        links = {k: v for k, v in s.items() if k.startswith("tandem_link_up{")}
        case.check(len(links) == 2 and all(v == 1 for v in links.values()), "%s: links %s" % (node, links))
        case.check(s.get("tandem_real_server_healthy{%s}" % up) == 1, "%s: the real server that answers is not 1" % node)
        case.check(s.get("tandem_real_server_healthy{%s}" % down) == 0, "%s: the one that does not is not 0" % node)
        case.check(s.get('tandem_probe_duration_seconds_count{type="tcp"}', 0) >= 2, "%s: no probe histogram" % node)
        case.check(s.get('tandem_ipvs_operations_total{operation="new_service"}', 0) >= 1,
                   "%s: the IPVS operations are not counted" % node)
        case.check('tandem_build_info{version="' in body, "%s: no build info" % node)
        case.note("%s (%s): %d bytes, %d samples, promtool clean" % (node, role, len(body), len(s)))
    s1 = samples(http(lab, a)[2])
    time.sleep(1.5)
    s2 = samples(http(lab, a)[2])
    sent = s2["tandem_heartbeats_sent_total"] - s1["tandem_heartbeats_sent_total"]
    got = s2["tandem_heartbeats_accepted_total"] - s1["tandem_heartbeats_accepted_total"]
    case.check(sent >= 5 and got >= 5, "heartbeats sent +%d, accepted +%d in 1.5 s" % (sent, got))
    case.note("real servers settled after %s; in 1.5 s: %d heartbeats sent, %d accepted" % (ms(took), sent, got))


def chromium(lab, node, *args):
    browser = shutil.which("chromium")
    cmd = ["ip", "netns", "exec", lab.ns[node], browser, "--headless", "--no-sandbox", "--disable-gpu",
           "--hide-scrollbars", "--user-data-dir=" + os.path.join(lab.dir, "chromium-" + node)] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90)


def case_page(case):
    lab, a, b = start(case)
    case.check(shutil.which("chromium"), "chromium is not installed (scripts/setup.sh installs it)")
    artifacts = os.environ.get("TANDEM_ARTIFACTS") or os.path.join(lab.build, "artifacts")
    os.makedirs(artifacts, exist_ok=True)

    def both_settled():
        for node in (a, b):
            code, _, body = http(lab, node, "/")
            if code != 200 or body.count("<span class=\"b bad\">down</span>") != 1 or "is down after" not in body:
                return False
        return True

    ok, took = L.wait_until(both_settled, 10, step=0.2)
    case.check(ok, "the status pages did not show one real server down within 10 s")
    url = "http://127.0.0.1:%d/" % PORT
    for node, role, peer_role in ((a, "active", "backup"), (b, "backup", "active")):
        code, ctype, body = http(lab, node, "/")
        case.check(code == 200 and ctype.startswith("text/html"), "%s /: HTTP %s %s" % (node, code, ctype))
        case.check("<script" not in body, "%s: the page has a script" % node)
        p = chromium(lab, node, "--dump-dom", url)
        dom = p.stdout
        case.check(p.returncode == 0 and "<html" in dom, "%s: chromium --dump-dom failed: %s" % (node, p.stderr[-500:]))
        this = re.search(r'<article class="node (\w+)" id="this-node">.*?<div class="name">([^<]+)</div>'
                         r'<div class="role">([^<]+)</div>', dom)
        case.check(this and this.group(2) == node and this.group(3) == role,
                   "%s: this node's card says %s" % (node, this.groups() if this else None))
        peer = re.search(r'id="peer-node">.*?<div class="name">([^<]+)</div><div class="role">([^<]+)</div>', dom)
        case.check(peer and peer.group(1) == lab.peer_of(node) and peer.group(2) == peer_role,
                   "%s: the peer's card says %s" % (node, peer.groups() if peer else None))
        case.check("2 of 2 links up" in dom, "%s: not both links up" % node)
        case.check(("%s/24" % L.VIP) in dom, "%s: the VIP is not listed" % node)
        rows = re.findall(r'<tr class="real"><td>([^<]+)</td><td><span class="b (\w+)">(\w+)</span>', dom)
        want = [("%s:%d" % (REAL_UP, L.SERVICE_PORT), "ok", "up"), ("%s:%d" % (REAL_DOWN, L.SERVICE_PORT), "bad", "down")]
        case.check(sorted(rows) == sorted(want), "%s: real server rows %s, want %s" % (node, rows, want))
        events = re.findall(r'<tr class="event">', dom)
        case.check(events and "is down after" in dom, "%s: no health transition among the events" % node)
        if role == "active":
            case.check("-&gt; active" in dom or "-> active" in dom, "%s: its role change is not among the events" % node)
        shot = os.path.join(artifacts, "status-page-%s.png" % role)
        p = chromium(lab, node, "--window-size=412,1400", "--screenshot=" + shot, url)
        case.check(p.returncode == 0 and os.path.getsize(shot) > 10000, "%s: no screenshot: %s" % (node, p.stderr[-300:]))
        if role == "active":
            wide = os.path.join(artifacts, "status-page-desktop.png")
            p = chromium(lab, node, "--window-size=1100,1000", "--screenshot=" + wide, url)
            case.check(p.returncode == 0 and os.path.getsize(wide) > 10000, "%s: no desktop screenshot" % node)
        case.note("%s (%s): DOM %d bytes, %d events, screenshot %s" % (node, role, len(dom), len(events), shot))


def case_http(case):
    lab, a, b = start(case)
    code, _, _ = http(lab, a, "/nothing-here")
    case.check(code == 404, "GET /nothing-here: HTTP %s, want 404" % code)
    code, _, _ = http(lab, a, "/metrics", method="POST")
    case.check(code == 405, "POST /metrics: HTTP %s, want 405" % code)
    # A port in use inside a's namespace: a reload that asks for it is refused.
    holder = lab.ns_exec(a, [L.PYTHON, "-c", "import socket,time\ns=socket.socket()\n"
                             "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                             "s.bind(('127.0.0.1', %d))\ns.listen()\nprint('held', flush=True)\ntime.sleep(60)" % (PORT + 1)],
                         stdout=subprocess.PIPE, text=True)
    lab.helpers.append(holder)
    case.check("held" in holder.stdout.readline(), "could not hold the port")
    lab.extra_config[a] = extra(PORT + 1)
    lab.write_config(a)
    p = lab.ctl(a, "reload", timeout=15)
    case.check(p.returncode != 0, "the reload to a port in use succeeded: %s" % p.stdout)
    case.check("127.0.0.1:%d" % (PORT + 1) in (p.stdout + p.stderr), "the refusal does not name the address: %s%s"
               % (p.stdout, p.stderr))
    code, _, body = http(lab, a)
    case.check(code == 200 and "tandem_role" in body, "after the refused reload the old listener does not serve")
    case.note("404, 405; reload refused: %s" % (p.stdout + p.stderr).strip().splitlines()[-1][:200])


if __name__ == "__main__":
    main([case_scrape, case_page, case_http], "/metrics and the status page")
