#!/usr/bin/env bash
# IPv4 reassembly against the Linux kernel: tern (reasm_host: a reassembler
# of two 4 KB buffers) on a TAP device in a private network namespace. The
# kernel's `ping -s 4000` (4008 bytes of ICMP, sent in three fragments) is
# answered, the reply cut to the 1500-byte MTU (RFC 1122 3.2.2.6), and
# ping counts every reply; a 3000-byte UDP datagram the kernel fragments
# arrives whole (the answer carries its length and hash); one too long for
# the buffers is dropped and counted; a flood of fragments does not keep
# pings from being answered; the capture is clean.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
require_root
ns_setup
ns_start reasm "$bin" --tap tap0 --addr 192.0.2.2/24 --pcap "$OUT/reasm_tap.pcap"
wait_for_log reasm 10 "listening"
nsx sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
nsx ip addr add 192.0.2.1/24 dev tap0
nsx ip link set tap0 up
nsx ping -c 3 -i 0.2 -W 2 192.0.2.2 || fail "no ping reply"

# The kernel fragments the request (1480 + 1480 + 1048 bytes); the reply
# is the request's first 1480 bytes of ICMP, which ping reports as
# truncated but counts.
nsx ping -c 3 -i 0.2 -W 2 -s 4000 192.0.2.2 >"$OUT/ping4000.txt" 2>&1 || true
cat "$OUT/ping4000.txt"
grep -q "3 packets transmitted, 3 received" "$OUT/ping4000.txt" ||
  fail "ping -s 4000: not every reply received"

# UDP: the kernel fragments what is longer than the MTU (PMTU discovery
# off, so it does not refuse); the answer is the length and FNV-1a hash
# of what arrived.
nsx /usr/bin/python3 - <<'PY'
import os, socket, struct, sys
def fnv1a(b):
    h = 2166136261
    for x in b:
        h = ((h ^ x) * 16777619) & 0xffffffff
    return h
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
s.settimeout(2)
for size in (3000, 4000, 1472, 0):
    data = os.urandom(size)
    want = struct.pack(">II", size, fnv1a(data))
    for attempt in range(3):
        s.sendto(data, ("192.0.2.2", 7))
        try:
            got, peer = s.recvfrom(100)
        except socket.timeout:
            continue
        if got != want:
            sys.exit("udp %d: answer %r, wanted %r" % (size, got, want))
        print("udp: %d bytes arrived whole (length and hash match)" % size)
        break
    else:
        sys.exit("udp %d: no answer" % size)
# 4100 bytes of payload (4108 of UDP) do not fit a 4096-byte buffer.
s.sendto(os.urandom(4100), ("192.0.2.2", 7))
try:
    got = s.recv(100)
    sys.exit("udp 4100: answered %r, wanted a drop" % got)
except socket.timeout:
    print("udp: 4100 bytes dropped (too big for the buffers)")
PY

# A flood of first fragments that never complete (1000 datagrams, two
# buffers: they evict each other) while the kernel pings: every ping of
# one frame is answered during it, and a fragmented one after it.
# The flood comes from 192.0.2.3, not the kernel's 192.0.2.1: its
# identifications (0x8000 on) would otherwise share tshark's reassembly
# key (source, destination, identification) with the kernel's fragmented
# pings now and then, and tshark would take the mix for malformed ICMP
# (tern keys by protocol too and answers them).
nsx /usr/bin/python3 - <<'PY' &
import os, socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
src, dst = socket.inet_aton("192.0.2.3"), socket.inet_aton("192.0.2.2")
for i in range(1000):
    # MF, offset 0, UDP, 1480 bytes: the kernel fills the checksum.
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0x8000 + i, 0x2000, 64,
                    17, 0, src, dst)
    s.sendto(h + os.urandom(1480), ("192.0.2.2", 0))
    time.sleep(0.001)
print("flood: 1000 first fragments sent")
PY
flood=$!
nsx ping -c 5 -i 0.2 -W 2 192.0.2.2 >"$OUT/ping_flood.txt" 2>&1 || true
wait "$flood"
cat "$OUT/ping_flood.txt"
grep -q "5 packets transmitted, 5 received" "$OUT/ping_flood.txt" ||
  fail "pings lost during the fragment flood"
nsx ping -c 2 -i 0.2 -W 2 -s 4000 192.0.2.2 | grep -q "2 received" ||
  fail "no fragmented ping answered after the flood"
echo "flood: every ping answered, during it and after it"

kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}" || true
PIDS=()
cat "$OUT/reasm.log"
# Five long pings and two UDP datagrams (3000 and 4000 bytes) completed;
# the 4100 bytes' last fragment refused as too big (its datagram with it);
# the flood evicted (at least the 900 it surely made: a few of its frames
# may not have reached the device).
grep -Eq "completed 7 " "$OUT/reasm.log" || fail "reassembler did not complete 7 datagrams"
grep -Eq "too_big 1 " "$OUT/reasm.log" || fail "the 4100-byte datagram was not refused"
grep -Eq "echo_replies 13 " "$OUT/reasm.log" || fail "not 13 echo replies"
evicted=$(sed -n 's/.* evicted \([0-9]*\).*/\1/p' "$OUT/reasm.log")
[ "${evicted:-0}" -ge 900 ] || fail "the flood evicted ${evicted:-0} datagrams"
cleanup
PIDS=()
pcap_clean "$OUT/reasm_tap.pcap"
echo "PASS"
