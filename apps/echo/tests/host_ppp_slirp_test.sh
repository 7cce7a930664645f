#!/usr/bin/env bash
# The host echo program speaking PPP on a pty to a real PPP peer: slirp
# (slirp-fullbolt, "ppp" mode) in a private network namespace with only
# loopback. LCP and IPCP negotiate (slirp wants to be given its own
# address: --ppp-peer 192.0.2.2), the interface takes the address IPCP
# gave it, and the probe's datagram to slirp's host alias 192.0.2.2:7 is
# relayed by slirp to a socat UDP echo on 127.0.0.1:7 and comes back.
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
host=$1
require_root
command -v slirp-fullbolt >/dev/null || fail "slirp-fullbolt is not installed"
ns_setup
home="$OUT/slirphome"
mkdir -p "$home"
# slirp's special addresses moved from 10.0.2.x to 192.0.2.x: 192.0.2.2 is
# its host alias (relayed to 127.0.0.1), 192.0.2.15 the client's address.
printf 'special addr 192.0.2.0\ndns 127.0.0.1\n' >"$home/.slirprc"
ns_start udp_echo socat UDP4-RECVFROM:7,bind=127.0.0.1,fork PIPE
pty="$OUT/slirp.pty"
HOME="$home" ns_start slirp socat -x PTY,link="$pty",raw,echo=0 \
  EXEC:"slirp-fullbolt ppp",pty,raw,echo=0,setsid,ctty
for _ in $(seq 50); do
  [ -e "$pty" ] && break
  sleep 0.1
done
[ -e "$pty" ] || fail "slirp's pty never appeared"
sleep 1
rc=0
timeout 60 ip netns exec "$NS" "$host" --ppp "$(readlink -f "$pty")" \
  --ppp-peer 192.0.2.2 --probe 192.0.2.2 --pcap "$OUT/ppp.pcap" \
  >"$OUT/host.log" 2>&1 || rc=$?
cat "$OUT/host.log"
[ "$rc" -eq 0 ] || fail "the echo program exited $rc"
grep -q "ppp: local 10.0.2.15 peer 192.0.2.2 dns 127.0.0.1" "$OUT/host.log" ||
  fail "IPCP did not give the addresses slirp offers"
grep -q "probe: echo received" "$OUT/host.log" || fail "no echo over PPP"
grep -q "probe: ping answered" "$OUT/host.log" || fail "no ping reply"
# The capture of the PPP device holds slirp's echo reply and the datagram.
if command -v tshark >/dev/null; then
  n=$(tshark -r "$OUT/ppp.pcap" -Y "icmp.type == 0 && ip.src == 192.0.2.2" |
    wc -l)
  [ "$n" -ge 1 ] || fail "no ICMP echo reply from 192.0.2.2 in the capture"
  n=$(tshark -r "$OUT/ppp.pcap" -Y "udp.srcport == 7 && ip.src == 192.0.2.2" |
    wc -l)
  [ "$n" -ge 1 ] || fail "no UDP echo from 192.0.2.2 in the capture"
fi
echo "PASS"
