#!/usr/bin/env bash
# vm tier smoke test, run inside the guest by tests/vm/run.sh (CTest
# vm.test_smoke): the guest's kernel has IPVS, ipvsadm drives it, every
# network namespace has its own table, the sync daemon starts, and a client
# reaches a real server through a NAT virtual service.
#
#   tests/vm/run.sh -- tests/vm/test_smoke.sh [--build DIR]
set -euo pipefail

while (($#)); do
  case $1 in
    --build) shift 2 ;;  # accepted like every vm test; nothing to run from it
    *) echo "usage: $0 [--build DIR]" >&2; exit 2 ;;
  esac
done

t0=$(date +%s.%N)
step() { echo "== $(awk -v now="$(date +%s.%N)" -v t0="$t0" 'BEGIN { printf "%5.1f s", now - t0 }') $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect TEXT PATTERN WHAT: TEXT must contain a line matching PATTERN
  grep -Eq -- "$2" <<<"$1" || { echo "$1" >&2; fail "$3"; }
}
[ "${TANDEM_VM:-}" = 1 ] || fail "this runs inside the vm: tests/vm/run.sh -- $0"

namespaces=(smoke-a smoke-b smoke-cl smoke-dir smoke-rs)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

step "kernel $(uname -r), hostname $(hostname)"
[ "$(hostname)" = tandem-vm ] || fail "hostname is $(hostname)"
ip -o link show lo | grep -q 'UP' || fail "lo is down"

step "modprobe ip_vs"
schedulers=(rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh)
modprobe -a ip_vs "${schedulers[@]/#/ip_vs_}"
[ -e /proc/net/ip_vs ] || fail "no /proc/net/ip_vs"
for s in "${schedulers[@]}"; do
  [ -d "/sys/module/ip_vs_$s" ] || fail "scheduler $s is not loaded"
done

step "a virtual service with ipvsadm"
ipvsadm -A -t 10.0.0.1:80 -s rr
ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -g
table=$(ipvsadm -Ln)
echo "$table"
expect "$table" '^TCP +10\.0\.0\.1:80 rr' "the service is missing"
expect "$table" '-> 10\.0\.0\.2:80 +Route +1 ' "the real server is missing"
ipvsadm -e -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 5
expect "$(ipvsadm -Ln)" '-> 10\.0\.0\.2:80 +Route +5 ' "the weight change did not apply"

step "each network namespace has its own table"
ip netns add smoke-a
ip netns add smoke-b
ip link add smoke-va type veth peer name smoke-vb
ip link set smoke-va netns smoke-a
ip link set smoke-vb netns smoke-b
ip -n smoke-a addr add 192.168.50.1/24 dev smoke-va
ip -n smoke-b addr add 192.168.50.2/24 dev smoke-vb
for ns in smoke-a smoke-b; do
  ip -n "$ns" link set lo up
done
ip -n smoke-a link set smoke-va up
ip -n smoke-b link set smoke-vb up
ip netns exec smoke-a ping -c1 -W5 192.168.50.2 >/dev/null || fail "no ping across the veth pair"
nsa=$(ip netns exec smoke-a ipvsadm -Ln)
echo "$nsa"
[ "$(grep -Ec '^(TCP|UDP|SCTP|FWM)' <<<"$nsa")" = 0 ] || fail "the new namespace's table is not empty"
ip netns exec smoke-a ipvsadm -A -u 192.168.50.1:53 -s wlc
expect "$(ip netns exec smoke-a ipvsadm -Ln)" '^UDP +192\.168\.50\.1:53 wlc' "no service in smoke-a"
! grep -q '192\.168\.50\.1:53' <<<"$(ipvsadm -Ln)" || fail "smoke-a's service shows in the root namespace"
! grep -q '192\.168\.50\.1:53' <<<"$(ip netns exec smoke-b ipvsadm -Ln)" || fail "smoke-a's service shows in smoke-b"

step "sync daemon"
ipvsadm --start-daemon master --mcast-interface lo
daemons=$(ipvsadm -L --daemon)
echo "$daemons"
expect "$daemons" '^master sync daemon \(mcast=lo, syncid=0' "no master sync daemon"
ip netns exec smoke-b ipvsadm --start-daemon backup --mcast-interface smoke-vb --syncid 7
daemons=$(ip netns exec smoke-b ipvsadm -L --daemon)
echo "$daemons"
expect "$daemons" '^backup sync daemon \(mcast=smoke-vb, syncid=7' "no backup sync daemon in smoke-b"
ipvsadm --stop-daemon master
[ -z "$(ipvsadm -L --daemon)" ] || fail "the master sync daemon did not stop"

step "tunnel devices"
ip -n smoke-a link add smoke-ipip type ipip local 192.168.50.1 remote 192.168.50.2
ip -n smoke-a link add smoke-gre type gre local 192.168.50.1 remote 192.168.50.2
ip -n smoke-a link add smoke-br type bridge
ip -n smoke-a link add smoke-dummy type dummy
tc -n smoke-a qdisc add dev smoke-va root netem delay 1ms

step "a client reaches a real server through a NAT virtual service"
# smoke-cl (10.1.0.2) -- smoke-dir (10.1.0.1, VIP 10.1.0.100; 10.2.0.1) -- smoke-rs (10.2.0.2)
ip netns add smoke-cl
ip netns add smoke-dir
ip netns add smoke-rs
ip link add smoke-c0 type veth peer name smoke-d0
ip link add smoke-d1 type veth peer name smoke-r0
ip link set smoke-c0 netns smoke-cl
ip link set smoke-d0 netns smoke-dir
ip link set smoke-d1 netns smoke-dir
ip link set smoke-r0 netns smoke-rs
ip -n smoke-cl addr add 10.1.0.2/24 dev smoke-c0
ip -n smoke-dir addr add 10.1.0.1/24 dev smoke-d0
ip -n smoke-dir addr add 10.1.0.100/32 dev smoke-d0
ip -n smoke-dir addr add 10.2.0.1/24 dev smoke-d1
ip -n smoke-rs addr add 10.2.0.2/24 dev smoke-r0
for dev in smoke-cl:smoke-c0 smoke-dir:smoke-d0 smoke-dir:smoke-d1 smoke-rs:smoke-r0; do
  ip -n "${dev%%:*}" link set lo up
  ip -n "${dev%%:*}" link set "${dev#*:}" up
done
ip -n smoke-rs route add default via 10.2.0.1
ip netns exec smoke-dir sysctl -qw net.ipv4.ip_forward=1
ip netns exec smoke-dir ipvsadm -A -t 10.1.0.100:8080 -s rr
ip netns exec smoke-dir ipvsadm -a -t 10.1.0.100:8080 -r 10.2.0.2:8080 -m

www=$(mktemp -d)
echo "hello through ipvs" >"$www/index.html"
ip netns exec smoke-rs python3 -m http.server 8080 --bind 10.2.0.2 --directory "$www" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
  ip netns exec smoke-rs curl -s -o /dev/null http://10.2.0.2:8080/ && break
  sleep 0.2
done
reply=$(ip netns exec smoke-cl curl -sS --max-time 20 http://10.1.0.100:8080/index.html) ||
  fail "curl through the virtual service failed"
[ "$reply" = "hello through ipvs" ] || fail "unexpected reply: $reply"
conns=$(ip netns exec smoke-dir ipvsadm -Lnc)
echo "$conns"
expect "$conns" 'TCP .* 10\.1\.0\.2:[0-9]+ +10\.1\.0\.100:8080 +10\.2\.0\.2:8080' "no connection entry for the request"

step "smoke: all checks passed"
