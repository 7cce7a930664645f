#!/usr/bin/env bash
# The echo firmware built with TERN_ECHO_DHCP on the MPS2 AN385 in QEMU,
# its LAN9118 on a TAP device in a private network namespace served by
# dnsmasq: the board gets its address (and router) by DHCP, probes it (RFC
# 5227), prints the lease, and answers ping and UDP echo there.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
elf=$1
require_root
command -v dnsmasq >/dev/null || fail "no dnsmasq (toolchains/install.sh installs it)"
ns_setup
ns_tap tapq 192.0.2.2/24
ns_start dnsmasq dnsmasq --conf-file=/dev/null --pid-file= --no-daemon \
  --port=0 --bind-interfaces --interface=tapq \
  --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,2m \
  --dhcp-option=option:router,192.0.2.2 \
  --dhcp-leasefile="$OUT/dnsmasq.leases" --log-dhcp
wait_for_log dnsmasq 10 "DHCP, IP range"
ns_start qemu qemu-system-arm -M mps2-an385 -nographic -monitor none \
  -semihosting -kernel "$elf" \
  -netdev tap,id=n0,ifname=tapq,script=no,downscript=no \
  -net nic,netdev=n0,model=lan9118 \
  -object filter-dump,id=f0,netdev=n0,file="$OUT/echo_mps2_dhcp.pcap"
wait_for_log qemu 60 "dhcp lease 192\.0\.2\.1[0-9][0-9]/24 router 192\.0\.2\.2"
line=$(grep -m1 "dhcp lease" "$OUT/qemu.log" | tr -d '\r')
echo "$line"
addr=$(echo "$line" | sed -E 's/.*lease (192\.0\.2\.[0-9]+)\/24.*/\1/')
grep -q "DHCPACK(tapq) $addr 02:00:00:00:00:15 tern-mps2" "$OUT/dnsmasq.log" ||
  fail "dnsmasq did not ACK $addr to the board"
nsx ping -c 3 -i 0.2 -W 2 "$addr" || fail "no ping reply from $addr"
udp_roundtrip "$addr" 7 32
cleanup
PIDS=()
probes=$(tshark -r "$OUT/echo_mps2_dhcp.pcap" \
  -Y "arp.src.proto_ipv4 == 0.0.0.0 && arp.dst.proto_ipv4 == $addr" \
  2>/dev/null | wc -l)
[ "$probes" -ge 1 ] || fail "no RFC 5227 probe of $addr in the capture"
echo "probes: $probes ARP probes of $addr before use"
pcap_clean "$OUT/echo_mps2_dhcp.pcap"
echo "PASS"
