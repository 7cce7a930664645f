#!/usr/bin/env bash
# The echo firmware on the micro:bit in QEMU speaking PPP on its UART to a
# real PPP peer: slirp (slirp-fullbolt ppp) on a pty, in a private network
# namespace with only loopback. slirp relays the board's datagram for its
# host alias 192.0.2.2:7 to a socat UDP echo on 127.0.0.1:7; the firmware
# (PPP probe build) negotiates LCP and IPCP, then exits 0 once the echo
# has come back over PPP.
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
printf 'special addr 192.0.2.0\ndns 127.0.0.1\n' >"$home/.slirprc"
ns_start udp_echo socat UDP4-RECVFROM:7,bind=127.0.0.1,fork PIPE
pty="$OUT/slirp.pty"
HOME="$home" ns_start slirp socat PTY,link="$pty",raw,echo=0 \
  EXEC:"slirp-fullbolt ppp",pty,raw,echo=0,setsid,ctty
for _ in $(seq 50); do
  [ -e "$pty" ] && break
  sleep 0.1
done
[ -e "$pty" ] || fail "slirp's pty never appeared"
sleep 1
rc=0
timeout 60 qemu-system-arm -M microbit -nographic -monitor none -semihosting \
  -kernel "$elf" -serial "$(readlink -f "$pty")" </dev/null \
  >"$OUT/qemu.log" 2>&1 || rc=$?
cat "$OUT/qemu.log"
[ "$rc" -eq 0 ] || fail "firmware exited $rc"
grep -q "probe: echo received from 192.0.2.2:7 over ppp" "$OUT/qemu.log" || fail "no echo over PPP"
echo "PASS"
