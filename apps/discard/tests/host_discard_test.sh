#!/usr/bin/env bash
# The discard host program on a TAP device in a private network namespace,
# against the Linux kernel: nc and socat send to TCP port 9 and discard
# must report exactly the bytes sent, 1 MB of random bytes through a
# kernel socket likewise (the kernel must see our FIN after its own), UDP
# datagrams are counted, and tshark finds the capture clean.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
require_root
ns_setup
ns_start discard "$bin" --tap tap0 --addr 192.0.2.2/24 --pcap "$OUT/discard.pcap"
wait_for_log discard 10 "listening"
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
nsx ip addr add 192.0.2.1/24 dev tap0
nsx ip link set tap0 up

head -c 100000 /dev/urandom >"$OUT/nc.in"
nsx timeout 20 nc -N 192.0.2.2 9 <"$OUT/nc.in" >"$OUT/nc.out" || fail "nc"
wait_for_log discard 10 "^discard: tcp 100000 bytes$" || fail "nc's bytes"
[ ! -s "$OUT/nc.out" ] || fail "discard sent something back"
echo "nc: 100000 bytes discarded"

head -c 54321 /dev/urandom >"$OUT/socat.in"
nsx timeout 20 socat -u "FILE:$OUT/socat.in" TCP:192.0.2.2:9 || fail "socat"
wait_for_log discard 10 "^discard: tcp 54321 bytes$" || fail "socat's bytes"
echo "socat: 54321 bytes discarded"

# 1 MB through a kernel socket: every byte taken (the kernel's close
# completes only once discard acknowledged them and sent its FIN).
nsx timeout 60 /usr/bin/python3 - <<'PY' || fail "1 MB to discard"
import os, socket
s = socket.create_connection(("192.0.2.2", 9), timeout=20)
s.sendall(os.urandom(1 << 20))
s.shutdown(socket.SHUT_WR)
if s.recv(1) != b"":
    raise SystemExit("discard sent data")
print("tcp: 1 MB sent, discard's FIN received")
PY
wait_for_log discard 10 "^discard: tcp 1048576 bytes$" || fail "1 MB count"
echo "tcp: discard counted 1048576 bytes"

nsx /usr/bin/python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for n in (0, 1, 100, 1472):
    s.sendto(b"x" * n, ("192.0.2.2", 9))
PY
wait_for_log discard 10 "4 datagrams, 1573 bytes in all" || fail "udp count"
echo "udp: 4 datagrams, 1573 bytes counted"
cleanup
PIDS=()
pcap_clean "$OUT/discard.pcap"
echo "PASS"
