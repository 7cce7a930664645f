#!/usr/bin/env bash
# The host echo program on a TAP device in a private network namespace,
# against the Linux kernel's own stack: ARP, ping (56 and 1472 bytes), UDP
# echo of small and 1472-byte datagrams through the kernel's sockets, port
# unreachable for a closed port, and a clean capture by tshark.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
require_root
ns_setup
ns_start echo "$bin" --tap tap0 --addr 192.0.2.2/24 --pcap "$OUT/echo_tap.pcap"
wait_for_log echo 10 "listening"
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
nsx ip addr add 192.0.2.1/24 dev tap0
nsx ip link set tap0 up
nsx ping -c 3 -i 0.2 -W 2 192.0.2.2 || fail "no ping reply"
nsx ping -c 2 -i 0.2 -W 2 -s 1472 -M do 192.0.2.2 || fail "no 1472-byte ping reply"
udp_roundtrip 192.0.2.2 7 11
udp_roundtrip 192.0.2.2 7 1472
udp_roundtrip 192.0.2.2 7 0
udp_refused 192.0.2.2 9
echo "hello tern" | nsx nc -u -w 1 192.0.2.2 7 >"$OUT/nc.out" || true
grep -qx "hello tern" "$OUT/nc.out" || fail "nc -u got '$(cat "$OUT/nc.out")'"
echo "nc -u: echoed"
nsx ip neigh show dev tap0 | grep -q "192.0.2.2 lladdr" || fail "kernel did not learn our MAC"
cleanup
PIDS=()
pcap_clean "$OUT/echo_tap.pcap"
echo "PASS"
