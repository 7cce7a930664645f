#!/usr/bin/env bash
# The echo firmware on the MPS2 AN385 in QEMU, its LAN9118 on a TAP device
# in a private network namespace, against the Linux kernel: ARP, ping (56
# and 1472 bytes), UDP echo through the kernel's sockets, port unreachable,
# TCP echo (a line through nc and socat, 256 KB of random bytes each way
# through a kernel socket compared by SHA-256, a reset for a closed port)
# and a clean capture (QEMU's filter-dump) checked by tshark.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
elf=$1
require_root
ns_setup
ns_tap tapq 192.0.2.2/24
ns_start qemu qemu-system-arm -M mps2-an385 -nographic -monitor none \
  -semihosting -kernel "$elf" \
  -netdev tap,id=n0,ifname=tapq,script=no,downscript=no \
  -net nic,netdev=n0,model=lan9118 \
  -object filter-dump,id=f0,netdev=n0,file="$OUT/echo_mps2.pcap"
wait_for_log qemu 20 "listening"
nsx ping -c 3 -i 0.2 -W 2 192.0.2.15 || fail "no ping reply"
nsx ping -c 2 -i 0.2 -W 2 -s 1472 -M do 192.0.2.15 || fail "no 1472-byte ping reply"
udp_roundtrip 192.0.2.15 7 32
udp_roundtrip 192.0.2.15 7 1472
udp_refused 192.0.2.15 9
echo "hello tern" | nsx timeout 10 nc -q 2 192.0.2.15 7 >"$OUT/nc.out" || true
grep -qx "hello tern" "$OUT/nc.out" || fail "tcp: nc got '$(cat "$OUT/nc.out")'"
echo "tcp: nc echoed"
echo "hello socat" | nsx timeout 10 socat -t 3 - TCP:192.0.2.15:7 >"$OUT/socat.out" || true
grep -qx "hello socat" "$OUT/socat.out" || fail "tcp: socat got '$(cat "$OUT/socat.out")'"
echo "tcp: socat echoed"
tcp_echo_sha 192.0.2.15 $((256 << 10)) || fail "tcp: 256 KB echo"
if nsx timeout 5 nc -z 192.0.2.15 9; then fail "tcp port 9 accepted"; fi
echo "tcp: closed port refused"
nsx ip neigh show dev tapq | grep -q "192.0.2.15 lladdr 02:00:00:00:00:15" ||
  fail "kernel did not learn the board's MAC"
cleanup
PIDS=()
pcap_clean "$OUT/echo_mps2.pcap"
echo "PASS"
