#!/usr/bin/env bash
# The echo firmware on the micro:bit in QEMU speaking SLIP on its UART to a
# real SLIP peer: slirp (slirp-fullbolt) on a pty, in a private network
# namespace with only loopback. slirp relays the board's datagram for its
# host alias 192.0.2.2:7 to a socat UDP echo on 127.0.0.1:7; the firmware
# (probe build) says so once the echo has come back over SLIP. Then TCP
# echo on the board: slirp redirects its host's port 5555 to the board's
# port 7, and nc, socat and a kernel socket (4 KB by SHA-256) go through
# it and back. slirp keeps the client's source address, so the clients
# connect from 198.51.100.1 (on lo): the board rightly drops segments
# from 127.0.0.0/8.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
elf=$1
require_root
command -v slirp-fullbolt >/dev/null || fail "slirp-fullbolt is not installed"
ns_setup
home="$OUT/slirphome"
mkdir -p "$home"
# Move slirp's special addresses from 10.0.2.x to 192.0.2.x: 192.0.2.2 is
# its host alias (relayed to 127.0.0.1), 192.0.2.15 the client address.
printf 'special addr 192.0.2.0\ndns 127.0.0.1\nredir 5555 192.0.2.15:7\n' \
  >"$home/.slirprc"
ns_start udp_echo socat UDP4-RECVFROM:7,bind=127.0.0.1,fork PIPE
pty="$OUT/slirp.pty"
HOME="$home" ns_start slirp socat PTY,link="$pty",raw,echo=0 \
  EXEC:slirp-fullbolt,pty,raw,echo=0,setsid,ctty
for _ in $(seq 50); do
  [ -e "$pty" ] && break
  sleep 0.1
done
[ -e "$pty" ] || fail "slirp's pty never appeared"
sleep 1
timeout 120 qemu-system-arm -M microbit -nographic -monitor none -semihosting \
  -kernel "$elf" -serial "$(readlink -f "$pty")" </dev/null \
  >"$OUT/qemu.log" 2>&1 &
PIDS+=($!)
wait_for_log qemu 60 "probe: (echo received|no echo)"
cat "$OUT/qemu.log"
grep -q "probe: echo received" "$OUT/qemu.log" || fail "no echo over SLIP"
nsx ip addr add 198.51.100.1/32 dev lo
echo "hello tern" | nsx timeout 20 nc -q 5 198.51.100.1 5555 >"$OUT/nc.out" || true
grep -qx "hello tern" "$OUT/nc.out" || fail "tcp: nc got '$(cat "$OUT/nc.out")'"
echo "tcp: nc echoed over SLIP"
echo "hello socat" | nsx timeout 20 socat -t 5 - TCP:198.51.100.1:5555 >"$OUT/socat.out" || true
grep -qx "hello socat" "$OUT/socat.out" || fail "tcp: socat got '$(cat "$OUT/socat.out")'"
echo "tcp: socat echoed over SLIP"
tcp_echo_sha 198.51.100.1 4096 5555 || fail "tcp: 4 KB echo over SLIP"
kill -0 "${PIDS[-1]}" || fail "the firmware exited: $(cat "$OUT/qemu.log")"
echo "PASS"
