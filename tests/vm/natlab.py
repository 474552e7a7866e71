"""The live lab's NAT variant: the example pair of directors of
examples/lab-nat/ with two real servers behind them on a server LAN, and a
client, inside the vm. tests/vm/test_lab_nat.py tests it and
`tests/vm/demo_lab.py --nat` (scripts/demo.sh --nat) shows it.

    client 10.77.0.50 ---+--- br0, public 10.77.0.0/24 ---+
                         |                                 |
           d1 eth0 10.77.0.1                   d2 eth0 10.77.0.2
           d1 eth1 10.78.0.1 --- br1, private --- d2 eth1 10.78.0.2
           d1 eth2 10.79.0.1                   d2 eth2 10.79.0.2
                         |                                 |
                         +--- br2, servers 10.79.0.0/24 ---+--- r1 10.79.0.11
                                                           +--- r2 10.79.0.12

The directors run tandemd with examples/lab-nat/d1.toml and d2.toml
unchanged but for the authkeys path (a mode-600 copy of examples/lab/authkeys
in the lab's directory), and forward IPv4. The active director holds both
VIPs: 10.77.0.100 on eth0, which the client asks, and 10.79.0.254 on eth2,
the real servers' default gateway, so their answers come back through it
and IPVS translates them (forwarding "nat", `ipvsadm -Ln` says Masq). The
real servers are on br2 only, with no VIP of their own, and run the same
HTTP server as the DR lab ("I am real server 1").

    live = NatLab("build")   # namespaces, real servers, configs; nothing runs yet
    live.start()             # tandemd on both directors; returns the active one
    live.get(10)             # ten requests from the client
    live.holders(), live.holders(GATEWAY)
    live.lab.power_off("d1") # all three links down
    live.close()

Everything else (get, start_probe, stop_server/start_server, ipvsadm,
status_text, wait_weights, ...) is livelab.LiveLab's.
"""

import os

import livelab
import vmlab
from vmlab import labmod

REPO = livelab.REPO
EXAMPLES = os.path.join(REPO, "examples", "lab-nat")
VIP = livelab.VIP
GATEWAY = "10.79.0.254"
SERVER_NET = "10.79.0"
PORT = livelab.PORT
SERVICE = livelab.SERVICE
REALS = livelab.REALS
NODES = labmod.NODES


def real_ip(real):
    """"r1" -> "10.79.0.11"."""
    return "%s.%d" % (SERVER_NET, vmlab.real_octet(real))


def dest(real):
    """"r1" -> "10.79.0.11:80", the destination as the IPVS table names it."""
    return livelab.dest(real, real_ip)


def real_of(address):
    """"10.79.0.11:80" or "10.79.0.11" -> "r1" (None if not a real server)."""
    return livelab.real_of(address, real_ip)


def table_weights(table):
    """{real: weight} of the example's service in a vmlab.Table."""
    return livelab.table_dests(table, "weight", real_ip)


def table_forwarding(table):
    """{real: forwarding ("nat", "dr", ...)} of the example's service."""
    return livelab.table_dests(table, "forwarding", real_ip)


def example_check():
    """The [virtual_server.check] numbers of the NAT example."""
    return livelab.example_check(EXAMPLES)


def example_timings():
    """The [cluster] heartbeat timings of the NAT example, in seconds."""
    return livelab.example_timings(EXAMPLES)


class NatNetLab(labmod.Lab):
    """The netns lab with a third bridge, br2 (the server LAN), and eth2 on
    each director (10.79.0.1, .2), which forward IPv4. power_off/power_on
    take all three links down and up; cut/restore know br2."""

    LINKS = ("eth0", "eth1", "eth2")
    BRIDGES = {"eth0": "br0", "eth1": "br1", "eth2": "br2"}

    def setup(self):
        super().setup()
        self.ip_batch("lan", ["link add br2 type bridge stp_state 0 forward_delay 0", "link set br2 up"])
        for node in NODES:
            self._veth(node, "eth2", "br2", "%s.%d/24" % (SERVER_NET, labmod.HOST_OCTET[node]))
            labmod.run(["ip", "netns", "exec", self.ns[node], "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])

    def power_off(self, node):
        """Every link down at once inside the node's namespace (the daemon keeps running)."""
        # The private link first, as labmod.Lab.power_off says why.
        self.ip_batch(node, ["link set %s down" % i for i in sorted(self.LINKS, key=lambda i: i != "eth1")])

    def power_on(self, node):
        self.ip_batch(node, ["link set %s up" % i for i in self.LINKS])

    def cut(self, node, *ifaces):
        self.ip_batch("lan", ["link set %s nomaster" % self.lan_port(node, i) for i in ifaces or self.LINKS])

    def restore(self, node, *ifaces):
        self.ip_batch("lan", ["link set %s master %s" % (self.lan_port(node, i), self.BRIDGES[i])
                              for i in ifaces or self.LINKS])

    def add_server_host(self, name):
        """A real server namespace on br2 only: 10.79.0.(10+n)/24 on eth0,
        default route via the floating gateway. Removed with the lab."""
        ns = self.prefix + name
        labmod.run(["ip", "netns", "del", ns], check=False)
        self.ns[name] = ns
        labmod.run(["ip", "netns", "add", ns])
        self._created.append(ns)  # deleted on close()
        labmod.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1"])
        port = self.lan_port(name, "eth0")
        self.ip_batch("lan", ["link add %s type veth peer name eth0 netns %s" % (port, ns),
                              "link set %s master br2" % port, "link set %s up" % port])
        self.ip_batch(name, ["link set lo up", "addr add %s/24 dev eth0" % real_ip(name), "link set eth0 up",
                             "route add default via %s dev eth0" % GATEWAY])


class NatLab(livelab.LiveLab):
    """The namespaces, the NAT example's configs, the real servers' HTTP
    servers and the client. `lab` is the NatNetLab underneath."""

    EXAMPLES = EXAMPLES
    NetLab = NatNetLab
    real_ip = staticmethod(real_ip)

    def add_real_host(self, name):
        self.lab.add_server_host(name)

    def start(self, timeout=40.0):
        """As LiveLab.start, and the active director holds the gateway too."""
        active = super().start(timeout)
        ok, _ = labmod.wait_until(lambda: self.holders(GATEWAY) == [active], timeout, step=0.1)
        if not ok:
            raise labmod.LabError("%s is active but the gateway %s is on %s" % (active, GATEWAY,
                                                                             self.holders(GATEWAY)))
        return active

    def forwarding(self, node):
        """{real: forwarding} in the node's kernel table (`ipvsadm -Ln`)."""
        return table_forwarding(vmlab.kernel_table(self.lab, node))

    def holders(self, address=VIP, interface=None):
        """Directors that have `address`: the public VIP, or GATEWAY (on eth2)."""
        if interface is None:
            interface = "eth2" if address.startswith(SERVER_NET + ".") else "eth0"
        return super().holders(address, interface)

    def all_holders(self):
        """{address: [directors holding it]} for both VIPs."""
        return {a: self.holders(a) for a in (VIP, GATEWAY)}
