#!/usr/bin/env bash
# The resolver in firmware: the MPS2 AN385 in QEMU, its LAN9118 on a TAP
# device in a private network namespace, dnsmasq on the kernel's side
# (192.0.2.2) with answers chosen at random for this run. The firmware
# resolves peer.test (A and AAAA), many.test (40 addresses: too long for
# UDP, so TC and then TCP) and nothing.test (NXDOMAIN), prints each answer
# on its UART and exits 0; every printed answer must be dnsmasq's.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
elf=$1
require_root
command -v dnsmasq >/dev/null || fail "no dnsmasq (toolchains/install.sh installs it)"
ns_setup
ns_tap tapq 192.0.2.2/24

# This run's answers: a hard-coded address in the firmware cannot pass.
v4="198.51.100.$((RANDOM % 254 + 1))"
v6=$(printf '2001:db8::%x:%x' $((RANDOM % 65535 + 1)) $((RANDOM % 65535 + 1)))
base=$((RANDOM % 200 + 1))
many=()
for i in $(seq 1 40); do many+=("--host-record=many.test,10.$base.0.$i"); done
echo "this run: peer.test A $v4, AAAA $v6; many.test 10.$base.0.1 to .40"
ns_start dnsmasq dnsmasq --conf-file=/dev/null --pid-file= --no-daemon \
  --no-resolv --no-hosts --port=53 --bind-interfaces \
  --listen-address=192.0.2.2 --local=/test/ \
  --host-record=peer.test,"$v4","$v6" "${many[@]}" --log-queries
wait_for_log dnsmasq 10 "started"

rc=0
t0=$(date +%s%N)
nsx timeout 60 qemu-system-arm -M mps2-an385 -nographic -monitor none \
  -semihosting -kernel "$elf" \
  -netdev tap,id=n0,ifname=tapq,script=no,downscript=no \
  -net nic,netdev=n0,model=lan9118 \
  -object filter-dump,id=f0,netdev=n0,file="$OUT/resolve_mps2.pcap" \
  </dev/null >"$OUT/qemu.log" 2>&1 || rc=$?
echo "qemu: exit $rc in $((($(date +%s%N) - t0) / 1000000)) ms"
tr -d '\r' <"$OUT/qemu.log" >"$OUT/uart.txt"
cat "$OUT/uart.txt"
[ "$rc" -eq 0 ] || fail "the firmware exited with $rc"

got() { grep -E "^resolve: $1 $2 " "$OUT/uart.txt" | sed -E "s/^resolve: $1 $2 //"; }
[ "$(got peer.test A)" = "$v4" ] || fail "peer.test A: '$(got peer.test A)', dnsmasq has $v4"
[ "$(got peer.test AAAA)" = "$v6" ] || fail "peer.test AAAA: '$(got peer.test AAAA)', dnsmasq has $v6"
want=$(for i in $(seq 1 40); do echo "10.$base.0.$i"; done | sort)
[ "$(got many.test A | sort)" = "$want" ] || fail "many.test A: not dnsmasq's 40 addresses"
[ "$(got nothing.test A)" = "error NXDOMAIN" ] ||
  fail "nothing.test A: '$(got nothing.test A)', want the NXDOMAIN error"
grep -qE "^resolve: done, [0-9]+ queries, 1 tcp," "$OUT/uart.txt" ||
  fail "many.test: no TCP fallback"
# dnsmasq saw the board's queries, from the board's address.
n=$(grep -cE "query\[(A|AAAA)\] (peer|many|nothing)\.test from 192\.0\.2\.35" \
  "$OUT/dnsmasq.log" || true)
echo "dnsmasq logged $n queries from 192.0.2.35"
[ "$n" -ge 5 ] || fail "dnsmasq logged $n queries from the board, want at least 5"
cleanup
PIDS=()
pcap_clean "$OUT/resolve_mps2.pcap"
echo "PASS"
