#!/usr/bin/env bash
# The host echo program on a TUN device (IP packets, point to point) in a
# private network namespace: ping and UDP echo from the kernel, and a clean
# capture.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
require_root
ns_setup
ns_start echo "$bin" --tun tun0 --addr 192.0.2.2/24 --pcap "$OUT/echo_tun.pcap"
wait_for_log echo 10 "listening"
nsx sysctl -qw net.ipv6.conf.tun0.disable_ipv6=1
nsx ip addr add 192.0.2.1 peer 192.0.2.2 dev tun0
nsx ip link set tun0 up
nsx ping -c 3 -i 0.2 -W 2 192.0.2.2 || fail "no ping reply"
nsx ping -c 2 -i 0.2 -W 2 -s 1472 -M do 192.0.2.2 || fail "no 1472-byte ping reply"
udp_roundtrip 192.0.2.2 7 100
udp_roundtrip 192.0.2.2 7 1472
udp_refused 192.0.2.2 9
cleanup
PIDS=()
pcap_clean "$OUT/echo_tun.pcap"
echo "PASS"
