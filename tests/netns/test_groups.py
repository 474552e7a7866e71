#!/usr/bin/env python3
"""netns: failover groups (active/active), two groups with one VIP each.

web (10.77.0.100) prefers d1, mail (10.77.0.101) prefers d2, both with
auto_failback.

Cases:
  split       d1 holds web and d2 holds mail (kernel and status); each
              status lists both groups, and the STATUS line reads "active
              for web (1 VIP), backup for mail; peer d2 up".
  power_off   d1 loses power: d2 holds both VIPs, each within deadtime + 2 x
              interval of the power-off, and the client's neighbour entry
              for web's VIP moves to d2's MAC (gratuitous ARP) while mail's
              stays on it. Power returns with auto_failback: web goes back
              to d1 and mail stays on d2, with 0 failed client requests on
              mail's VIP throughout.
  standby     `tandemctl standby web` on d1: d2 holds both; mail's VIP
              loses no request; `tandemctl takeover web` on d1 takes web
              back, again without a failed request on mail.
  digest      a real server added on d2 only (with --ipvs-in-memory): both
              nodes report the configuration mismatch (status and STATUS
              line) within one interval of the reload, and it goes away
              after the fix and a reload.
"""

import sys
import time

import lab as L
from runner import main, ms

WEB, MAIL = L.VIP, L.VIP2


def groups():
    return [
        {"name": "web", "preferred": "d1", "auto_failback": True, "vips": [(WEB + "/24", "eth0")]},
        {"name": "mail", "preferred": "d2", "auto_failback": True, "vips": [(MAIL + "/24", "eth0")]},
    ]


def group_roles(st):
    return {g["name"]: g["role"] for g in st["groups"]}


def split(lab):
    """d1 active for web and backup for mail, d2 the reverse, each VIP on its own node only."""
    st = {n: lab.try_status(n) for n in L.NODES}
    if not all(st.values()):
        return False
    want = {"d1": {"web": "active", "mail": "backup"}, "d2": {"web": "backup", "mail": "active"}}
    return (all(group_roles(st[n]) == want[n] for n in L.NODES) and lab.vip_holders(WEB) == ["d1"]
            and lab.vip_holders(MAIL) == ["d2"])


def wait_split(case, lab, timeout):
    ok, took = L.wait_until(lambda: split(lab), timeout, step=0.05)
    if not ok:
        st = {n: lab.try_status(n) for n in L.NODES}
        case.check(False, "the pair did not split within %s: groups %s, web on %s, mail on %s"
                   % (ms(timeout), {n: st[n] and group_roles(st[n]) for n in L.NODES},
                      lab.vip_holders(WEB), lab.vip_holders(MAIL)))
    return took


def start_split(case, **kw):
    lab = case.lab(groups=groups(), **kw)
    lab.start_pair()
    took = wait_split(case, lab, lab.timings["initdead"] + 5)
    return lab, took


def case_split(case):
    lab, took = start_split(case)
    case.note("d1 active for web, d2 active for mail after %s" % ms(took))
    for n in L.NODES:
        st = lab.status(n)
        case.check(st["role"] == "active", "%s's node role is %s (active for one group)" % (n, st["role"]))
        case.check([g["name"] for g in st["groups"]] == ["web", "mail"], "%s lists groups %s" % (n, st["groups"]))
        held = {g["name"]: g["vips_held"] for g in st["groups"]}
        case.check(held == ({"web": 1, "mail": 0} if n == "d1" else {"web": 0, "mail": 1}),
                   "%s's groups hold %s" % (n, held))
    line = lab.status("d1")["status_line"]
    case.check(line.startswith("active for web (1 VIP), backup for mail; peer d2 up"), "d1's STATUS line: %r" % line)
    case.note("d1: %s" % line)
    case.note("d2: %s" % lab.status("d2")["status_line"])
    case.check(lab.ping("client", WEB) and lab.ping("client", MAIL), "the client cannot ping both VIPs")
    lladdr_web, _ = lab.neigh("client", WEB)
    lladdr_mail, _ = lab.neigh("client", MAIL)
    case.check(lladdr_web == lab.mac("d1") and lladdr_mail == lab.mac("d2"),
               "client neighbour entries: web %s, mail %s; want d1 %s, d2 %s"
               % (lladdr_web, lladdr_mail, lab.mac("d1"), lab.mac("d2")))
    text = lab.ctl("d2", "status").stdout
    case.check("groups:" in text and "  web: backup" in text and "  mail: active" in text,
               "d2's text status lacks its groups:\n%s" % text)


def case_power_off(case):
    lab, _ = start_split(case)
    t = lab.timings
    lab.start_services()
    mac1, mac2 = lab.mac("d1"), lab.mac("d2")
    case.check(lab.ping("client", WEB) and lab.ping("client", MAIL), "the client cannot ping both VIPs")
    time.sleep(1.0)  # the neighbour entries age past the ARP locktime; the client is silent on web from here
    mail_probe = lab.start_probe(address=MAIL)
    time.sleep(0.5)

    limit = t["deadtime"] + 2 * t["interval"]
    t0 = time.monotonic()
    lab.power_off("d1")
    t_web = t_neigh = None
    deadline = t0 + limit + 3.0
    while time.monotonic() < deadline and (t_web is None or t_neigh is None):
        now = time.monotonic()
        if t_web is None and lab.has_address("d2", WEB):
            t_web = now
        if t_neigh is None and lab.neigh("client", WEB)[0] == mac2:
            t_neigh = now
        time.sleep(0.005)
    case.check(t_web is not None, "d2 never took web's VIP within %s of the power-off" % ms(limit + 3.0))
    case.check(lab.has_address("d2", MAIL), "d2 lost mail's VIP")
    case.note("web's VIP on d2 %s after d1 lost power (limit %s); mail's stayed on d2" % (ms(t_web - t0), ms(limit)))
    case.check(t_web - t0 <= limit, "web's takeover took %s, more than deadtime + 2 x interval = %s"
               % (ms(t_web - t0), ms(limit)))
    case.check(t_neigh is not None, "the client's entry for web's VIP never moved to d2's MAC: %s"
               % (lab.neigh("client", WEB),))
    case.note("client entry for web's VIP moved to d2's MAC %s after the takeover (gratuitous ARP)"
              % ms(max(0.0, t_neigh - t_web)))
    case.check(lab.neigh("client", MAIL)[0] in (mac2, None), "the client's entry for mail's VIP is %s"
               % (lab.neigh("client", MAIL),))
    st = lab.status("d2")
    case.check(group_roles(st) == {"web": "active", "mail": "active"}, "d2's groups: %s" % group_roles(st))
    line = st["status_line"]
    case.check(line.startswith("active for web (1 VIP), active for mail (1 VIP); peer d1 dead"), "d2's STATUS line: %r" % line)
    case.note("d2: %s" % line)

    # Power returns: web goes back to d1 (auto_failback), mail stays put.
    web_probe = lab.start_probe(address=WEB)
    time.sleep(0.5)
    lab.power_on("d1")
    t1 = time.monotonic()
    took = wait_split(case, lab, 8.0)
    case.note("power back on d1: web back on d1 after %s" % ms(time.monotonic() - t1))
    time.sleep(1.0)
    rm = L.analyse_probes(mail_probe.stop())
    rw = L.analyse_probes(web_probe.stop())
    case.note("mail's VIP: %d requests, %d failed, longest gap %s, answered by %s"
              % (rm["attempts"], rm["failed"], ms(rm["longest_gap"]), "->".join(rm["nodes"])))
    case.note("web's VIP during the failback: %d requests, %d failed, answered by %s"
              % (rw["attempts"], rw["failed"], "->".join(rw["nodes"])))
    case.check(rm["failed"] == 0, "%d requests to mail's VIP failed (it never moved)" % rm["failed"])
    case.check(rm["nodes"] == ["d2"], "mail's VIP was answered by %s" % rm["nodes"])
    case.check(rw["nodes"] and rw["nodes"][-1] == "d1", "web's VIP ends on %s" % rw["nodes"])
    del took


def case_standby(case):
    lab, _ = start_split(case)
    lab.start_services()
    mail_probe = lab.start_probe(address=MAIL)
    web_probe = lab.start_probe(address=WEB)
    time.sleep(0.5)
    p = lab.ctl("d1", "standby", "web")
    case.check(p.returncode == 0, "tandemctl standby web: exit %d, %s" % (p.returncode, p.stderr.strip()))
    case.note("tandemctl standby web: %s" % p.stdout.strip())
    ok, took = L.wait_until(lambda: lab.vip_holders(WEB) == ["d2"], 5.0, step=0.01)
    case.check(ok, "web's VIP is on %s after standby web on d1" % lab.vip_holders(WEB))
    case.note("web's VIP on d2 only %s after standby web" % ms(took))
    st = lab.status("d1")
    case.check(group_roles(st) == {"web": "standby", "mail": "backup"}, "d1's groups after standby web: %s"
               % group_roles(st))
    p = lab.ctl("d1", "takeover", "web")
    case.check(p.returncode == 0, "tandemctl takeover web: exit %d, %s" % (p.returncode, p.stderr.strip()))
    wait_split(case, lab, 5.0)
    time.sleep(0.5)
    rm = L.analyse_probes(mail_probe.stop())
    rw = L.analyse_probes(web_probe.stop())
    case.note("mail's VIP: %d requests, %d failed, answered by %s" % (rm["attempts"], rm["failed"], "->".join(rm["nodes"])))
    case.note("web's VIP: %d requests, %d failed, longest gap %s, answered by %s"
              % (rw["attempts"], rw["failed"], ms(rw["longest_gap"]), "->".join(rw["nodes"])))
    case.check(rm["failed"] == 0 and rm["nodes"] == ["d2"], "mail's VIP: %d failed, nodes %s" % (rm["failed"], rm["nodes"]))
    case.check(rw["failed"] == 0, "%d requests to web's VIP failed during the planned moves" % rw["failed"])
    p = lab.ctl("d1", "standby", "db")
    case.check(p.returncode == 1 and "no group db" in p.stderr, "standby of an unknown group: exit %d, %r"
               % (p.returncode, p.stderr.strip()))


VIRTUAL_SERVER = """
[[virtual_server]]
address = "%s:80"
scheduler = "rr"

[[virtual_server.real]]
address = "10.77.0.11"
""" % WEB

EXTRA_REAL = """
[[virtual_server.real]]
address = "10.77.0.12"
"""


def mismatch(lab, node):
    st = lab.try_status(node)
    return bool(st) and st["config"]["match"] is False


def case_digest(case):
    lab = case.lab(groups=groups())
    for n in L.NODES:
        lab.extra_config[n] = VIRTUAL_SERVER
        lab.write_config(n)
        lab.start(n, extra_args=["--ipvs-in-memory"])
    wait_split(case, lab, lab.timings["initdead"] + 5)
    for n in L.NODES:
        st = lab.status(n)
        case.check(st["config"]["match"] is True, "%s: config %s before any change" % (n, st["config"]))
    interval = lab.timings["interval"]

    lab.extra_config["d2"] = VIRTUAL_SERVER + EXTRA_REAL
    lab.write_config("d2")
    p = lab.ctl("d2", "reload")
    t0 = time.monotonic()
    case.check(p.returncode == 0, "reload on d2: %s" % p.stderr.strip())
    ok, took = L.wait_until(lambda: mismatch(lab, "d1") and mismatch(lab, "d2"), 3.0, step=0.005)
    case.check(ok, "the mismatch is not reported on both nodes: %s" % {n: lab.status(n)["config"] for n in L.NODES})
    case.note("mismatch reported on both nodes %s after d2's reload (interval %s)" % (ms(took), ms(interval)))
    # Polling status costs a few ms per round; one interval plus that.
    case.check(took <= interval + 0.05, "reported after %s, more than one interval (%s)" % (ms(took), ms(interval)))
    for n in L.NODES:
        st = lab.status(n)
        case.check(st["config"]["differs"] == ["virtual servers"], "%s: differs %s" % (n, st["config"]["differs"]))
        case.check("configuration differs from" in st["status_line"], "%s's STATUS line: %r" % (n, st["status_line"]))
    case.note("d1: %s" % lab.status("d1")["status_line"])
    logged = [l for l in lab.log_text("d1").splitlines() if "configuration differs" in l]
    case.check(len(logged) == 1, "d1 logged the mismatch %d times" % len(logged))
    case.note("d1 logged: %s" % logged[0].strip())
    case.check(split(lab), "a mismatch moved a group")

    lab.extra_config["d2"] = VIRTUAL_SERVER
    lab.write_config("d2")
    p = lab.ctl("d2", "reload")
    case.check(p.returncode == 0, "reload on d2: %s" % p.stderr.strip())
    ok, took = L.wait_until(lambda: not mismatch(lab, "d1") and not mismatch(lab, "d2"), 3.0, step=0.005)
    case.check(ok, "the mismatch stayed after the fix")
    case.note("mismatch gone on both %s after the fixing reload" % ms(took))
    case.check("configuration matches d2's again" in lab.log_text("d1"), "d1 did not log the match")


if __name__ == "__main__":
    sys.exit(main([case_split, case_power_off, case_standby, case_digest], "netns failover groups"))
