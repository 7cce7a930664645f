#!/usr/bin/env bash
# The AT-modem backend in firmware: the micro:bit in QEMU, its UART the
# pty of //platforms/host/modem_sim, which runs in a private network
# namespace (only loopback) with a TCP and a UDP echo on 127.0.0.1:7. The
# firmware connects over the modem, sends a line and reads it back over
# TCP, then over UDP, and exits 0 (semihosting) when both came back.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
elf=$1
sim=$2
require_root
ns_setup
ns_start tcp_echo socat TCP4-LISTEN:7,bind=127.0.0.1,reuseaddr,fork PIPE
ns_start udp_echo socat UDP4-RECVFROM:7,bind=127.0.0.1,fork PIPE
pty="$OUT/modem.pty"
ns_start modem_sim "$sim" --link "$pty"
for _ in $(seq 50); do
  [ -e "$pty" ] && break
  sleep 0.1
done
[ -e "$pty" ] || fail "modem_sim's pty never appeared"
sleep 0.5
rc=0
timeout 60 qemu-system-arm -M microbit -nographic -monitor none -semihosting \
  -kernel "$elf" -serial "$(readlink -f "$pty")" </dev/null \
  >"$OUT/qemu.log" 2>&1 || rc=$?
cat "$OUT/qemu.log"
[ "$rc" -eq 0 ] || fail "the firmware exited with $rc; modem_sim: $(cat "$OUT/modem_sim.log")"
grep -q "at_probe: tcp echo received over the modem" "$OUT/qemu.log" || fail "no tcp echo"
grep -q "at_probe: udp echo received over the modem" "$OUT/qemu.log" || fail "no udp echo"
echo "PASS"
