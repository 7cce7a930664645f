#!/usr/bin/env bash
# TCP echo of the host echo program on a TAP device in a private network
# namespace, against the Linux kernel's TCP: a short line through nc and
# socat, 1 MB of random bytes each way through a kernel socket compared
# by SHA-256 (the kernel's SACK,
# window scaling and timestamps on, as by default), a reset for a closed
# port, and a capture tshark finds clean.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
require_root
ns_setup
ns_start echo "$bin" --tap tap0 --addr 192.0.2.2/24 --pcap "$OUT/echo_tcp.pcap"
wait_for_log echo 10 "listening"
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
nsx ip addr add 192.0.2.1/24 dev tap0
nsx ip link set tap0 up
echo "hello tern" | nsx timeout 10 nc -q 2 192.0.2.2 7 >"$OUT/nc.out" || true
grep -qx "hello tern" "$OUT/nc.out" || fail "nc got '$(cat "$OUT/nc.out")'"
echo "nc: echoed"
echo "hello socat" | nsx timeout 10 socat -t 3 - TCP:192.0.2.2:7 >"$OUT/socat.out" || true
grep -qx "hello socat" "$OUT/socat.out" || fail "socat got '$(cat "$OUT/socat.out")'"
echo "socat: echoed"
# 1 MB each way at once through the kernel's socket, then its FIN: every
# byte back, then ours.
tcp_echo_sha 192.0.2.2 $((1 << 20)) || fail "1 MB echo"
if nsx timeout 5 nc -z 192.0.2.2 9; then fail "port 9 accepted"; fi
echo "closed port refused"
cleanup
PIDS=()
pcap_clean "$OUT/echo_tcp.pcap"
echo "PASS"
