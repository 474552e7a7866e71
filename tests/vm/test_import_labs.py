#!/usr/bin/env python3
"""vm tier: imported configurations run the lab pairs unchanged.

Each case turns legacy files (tests/data/import/lab/) into both directors'
tandem.toml with `tandemctl import`, then runs the lab's own checks on them
(test_lab.py's check_lab, test_lab_nat.py's check_lab_nat): the requests are
shared between the real servers, a real server that fails is quiesced
(weight 0) and comes back, and the active director's power-off moves the VIP
to the backup within its bound while the client keeps being answered.

- heartbeat_dr: heartbeat + ldirectord files of the DR pair (ha.cf with
  ucast on two links and a ping node, haresources with the VIP and
  ldirectord::ldirectord.cf, an ldirectord.cf with an HTTP negotiate check).
- keepalived_dr: keepalived.conf of each director of the DR pair (one VRRP
  instance, unicast peer, a virtual server with HTTP_GET checks), each
  imported with the other's file as --peer-config.
- piranha_nat: piranha's lvs.cf of the NAT pair (primary/backup with private
  addresses, nat_router as the servers' gateway, send/expect check).

The only change made to the imported files is the lab's: the authkeys path
points to the lab's mode-600 copy of the key (livelab.LiveLab.config_text).

One ctest test (vm.test_import_labs); by hand:
    tests/vm/run.sh -- python3 tests/vm/test_import_labs.py --build BUILD
"""

import os
import subprocess
import sys
import tempfile

import livelab
import natlab
import test_lab
import test_lab_nat
from vmlab import labmod, runner

DATA = os.path.join(livelab.REPO, "tests", "data", "import", "lab")
NODES = labmod.NODES


def import_pair(case, build, fmt, args_of):
    """`tandemctl import FMT ARGS -o DIR/NODE.toml` for each director ->
    DIR. Exit 0 or 3 (written, with warnings) is required; the warnings are
    noted."""
    out = tempfile.mkdtemp(prefix="tandem-import-")
    tandemctl = os.path.join(os.path.abspath(build), "tools", "tandemctl")
    for node in NODES:
        path = os.path.join(out, "%s.toml" % node)
        argv = [tandemctl, "import", fmt] + args_of(node) + ["-o", path]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        if p.returncode not in (0, 3) or not os.path.exists(path):
            raise runner.Failure("%s: exit %d\n%s" % (" ".join(argv), p.returncode, p.stderr))
        warnings = [line for line in p.stderr.splitlines() if ": warning: " in line]
        case.note("%s: import %s exit %d, %d warnings" % (node, fmt, p.returncode, len(warnings)))
        if case.verbose:
            sys.stderr.write(p.stderr)
    return out


def other(node):
    return [n for n in NODES if n != node][0]


def case_heartbeat_dr(case):
    d = os.path.join(DATA, "heartbeat")
    out = import_pair(case, case.build, "heartbeat", lambda node: [d, "--node", node])
    live = livelab.LiveLab(case.build, verbose=case.verbose, examples=out)
    case.labs.append(live.lab)
    test_lab.check_lab(case, live)


def case_keepalived_dr(case):
    out = import_pair(case, case.build, "keepalived",
                      lambda node: [os.path.join(DATA, "keepalived", "%s.conf" % node), "--node", node,
                                    "--peer", other(node), "--peer-config",
                                    os.path.join(DATA, "keepalived", "%s.conf" % other(node))])
    live = livelab.LiveLab(case.build, verbose=case.verbose, examples=out)
    case.labs.append(live.lab)
    test_lab.check_lab(case, live)


def case_piranha_nat(case):
    lvs = os.path.join(DATA, "piranha", "lvs.cf")
    out = import_pair(case, case.build, "piranha", lambda node: [lvs] + PIRANHA_ARGS[node])
    live = natlab.NatLab(case.build, verbose=case.verbose, examples=out)
    case.labs.append(live.lab)
    test_lab_nat.check_lab_nat(case, live)


# lvs.cf names the directors by address: d1 is the primary, d2 the backup.
# lvs.cf names the directors by address: --peer-address gives each link's
# interface with the other director's address from the file, and so which
# side this director is (the primary d1 lists the backup's addresses).
PIRANHA_ARGS = {
    "d1": ["--node", "d1", "--peer", "d2", "--peer-address", "eth0=10.77.0.2", "--peer-address", "eth1=10.78.0.2"],
    "d2": ["--node", "d2", "--peer", "d1", "--peer-address", "eth0=10.77.0.1", "--peer-address", "eth1=10.78.0.1"],
}


if __name__ == "__main__":
    sys.exit(runner.main([case_heartbeat_dr, case_keepalived_dr, case_piranha_nat],
                         "vm: imported heartbeat, keepalived and piranha files run the lab pairs"))
