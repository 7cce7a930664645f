#!/usr/bin/env bash
# The host echo program with --dhcp on a TAP device in a private network
# namespace, against dnsmasq: an INIT-REBOOT for an address of another
# network NAKed, then DISCOVER/OFFER/REQUEST/ACK, the address, router and
# DNS servers learnt and printed, the address answering ping and UDP echo,
# and a renewal (dnsmasq's shortest lease is 2 minutes, so T1 is set to
# 5 s with its option 58: the renewal comes in seconds, not a minute).
# With --expiry (host_dhcp_expiry_test) dnsmasq then stops: the client
# rebinds at T2 (100 s) and, unanswered, gives the address up when the
# lease ends, 120 s after its last renewal (about two minutes of waiting;
# so that target runs once, not again under ASan: the exact timings of
# every path are in ip/dhcpv4's unit tests, in virtual time, under ASan
# too).
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
expiry=${2:-}
require_root
command -v dnsmasq >/dev/null || fail "no dnsmasq (toolchains/install.sh installs it)"
ns_setup
# The TAP device exists and dnsmasq serves it before the program starts.
ns_tap tap0 192.0.2.1/24
ns_start dnsmasq dnsmasq --conf-file=/dev/null --pid-file= --no-daemon \
  --port=0 --bind-interfaces --interface=tap0 --dhcp-authoritative \
  --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m \
  --dhcp-option=option:router,192.0.2.1 \
  --dhcp-option=option:dns-server,192.0.2.53,192.0.2.1 \
  --dhcp-option=option:T1,5 --dhcp-option=option:T2,100 \
  --dhcp-leasefile="$OUT/dnsmasq.leases" --log-dhcp
wait_for_log dnsmasq 10 "DHCP, IP range"
ns_start echo "$bin" --tap tap0 --dhcp --dhcp-remember 10.9.9.9 \
  --pcap "$OUT/echo_dhcp.pcap"
wait_for_log echo 60 "dhcp lease 192\.0\.2\.1[0-9][0-9]/24"
line=$(grep -m1 "dhcp lease 192" "$OUT/echo.log")
echo "$line"
addr=$(echo "$line" | sed -E 's/.*lease (192\.0\.2\.[0-9]+)\/24.*/\1/')
echo "$line" | grep -q "router 192.0.2.1 server 192.0.2.1 lease 120s t1 5s t2 100s" ||
  fail "wrong lease: $line"
echo "$line" | grep -q "dns 192.0.2.53 192.0.2.1$" || fail "wrong DNS: $line"
echo "$line" | grep -q "naks 1" || fail "the INIT-REBOOT was not NAKed: $line"
grep -q "DHCPNAK(tap0) 10.9.9.9" "$OUT/dnsmasq.log" || fail "dnsmasq sent no NAK"
nsx ping -c 3 -i 0.2 -W 2 "$addr" || fail "no ping reply from $addr"
udp_roundtrip "$addr" 7 100
# The renewal: a second lease line, and a REQUEST unicast to the server
# from the address.
for _ in $(seq 150); do
  [ "$(grep -c "dhcp lease 192" "$OUT/echo.log")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c "dhcp lease 192" "$OUT/echo.log")" -ge 2 ] || {
  cat "$OUT/echo.log" "$OUT/dnsmasq.log" >&2
  fail "no renewal"
}
grep "dhcp lease 192" "$OUT/echo.log" | sed -n 2p
# Lease expiry: dnsmasq (the first process started) stops answering.
if [ "$expiry" = --expiry ]; then
  kill "${PIDS[0]}"
  wait "${PIDS[0]}" 2>/dev/null || true
  wait_for_log echo 135 "dhcp lease lost \(naks [0-9]+, expiries 1\)" || {
    tail -5 "$OUT/echo.log" >&2
    fail "the lease did not expire"
  }
  grep -m1 "dhcp lease lost" "$OUT/echo.log"
  if nsx ping -c 1 -W 1 "$addr" >/dev/null; then
    fail "$addr still answers after the lease expired"
  fi
  echo "expiry: $addr given up"
fi
cleanup
PIDS=()
renews=$(tshark -r "$OUT/echo_dhcp.pcap" \
  -Y "dhcp.option.dhcp == 3 && ip.src == $addr && ip.dst == 192.0.2.1" \
  2>/dev/null | wc -l)
[ "$renews" -ge 1 ] || fail "no unicast renewing REQUEST in the capture"
echo "renew: $renews REQUEST(s) unicast from $addr to the server"
pcap_clean "$OUT/echo_dhcp.pcap"
echo "PASS"
