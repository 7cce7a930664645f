#!/usr/bin/env bash
# tern's TCP against the Linux kernel's, 16 MB at a time, in a private
# network namespace: the tern programs (echo, discard, bulk) sit on TAP
# devices enslaved to a bridge whose address is the kernel's end.
#   1. No loss: curl through telnet:// to echo (1 MB back, SHA-256) and to
#      discard (16 MB counted), curl --http0.9 reading 16 MB from bulk
#      --listen (SHA-256 of the pattern); 16 MB each way through echo with
#      a kernel socket (SHA-256); tern's client (bulk --connect) sending
#      16 MB to a kernel listener (SHA-256).
#   2. nftables on the bridge drops 2 % of the TCP segments each way at
#      random (its counters must show drops both ways), with the kernel's
#      SACK on, then off (net.ipv4.tcp_sack in the namespace): 16 MB from
#      the kernel to discard (counted; with SACK on, through echo and
#      back, SHA-256) and 16 MB from bulk --connect to a kernel listener
#      (SHA-256).
# Each tern program's capture must be clean: no malformed TCP/IP and no
# bad checksum, with every TCP payload decoded as plain data (so that no
# upper-layer heuristic dissector misreads random bytes).
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bulk=$1 echo_bin=$2 discard=$3
MB16=$((16 << 20))
require_root
command -v nft >/dev/null || fail "nft (Debian package nftables) is missing"
ns_setup

# The kernel's end: a bridge at 192.0.2.1. gso_max_segs 1 makes the
# kernel's TCP build one segment per packet, so that nftables drops
# segments, not 64 KB bursts of them.
nsx ip link add br0 type bridge
nsx sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
nsx ip link set br0 gso_max_segs 1
nsx ip addr add 192.0.2.1/24 dev br0
nsx ip link set br0 up
# Enslaves TAP $1 (made by a tern program) to the bridge.
attach() {
  nsx sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"
  nsx ip link set "$1" master br0
  nsx ip link set "$1" up
}

# Kernel-side helpers in Python.
cat >"$OUT/pattern.py" <<'PY'
import hashlib
def pattern_sha(size):
    block = bytes((i * 7 + (i >> 8)) & 255 for i in range(65536))
    h = hashlib.sha256()
    for off in range(0, size, 65536):
        h.update(block[: min(65536, size - off)])
    return h.hexdigest()
PY
# listen PORT SIZE: accepts one connection, reads to the end, checks the
# count and SHA-256 against tern_bulk_pattern.
cat >"$OUT/listen.py" <<'PY'
import hashlib, socket, sys, time
sys.path.insert(0, sys.argv[3])
from pattern import pattern_sha
port, size = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", port))
ls.listen(1)
print("listening", flush=True)
ls.settimeout(30)
s, _ = ls.accept()
s.settimeout(60)
t0 = time.monotonic()
h, n = hashlib.sha256(), 0
while True:
    b = s.recv(65536)
    if not b:
        break
    h.update(b)
    n += len(b)
want = pattern_sha(size)
if n != size or h.hexdigest() != want:
    sys.exit("got %d bytes, sha256 %s; want %d, %s" % (n, h.hexdigest(), size, want))
print("kernel: %d bytes of the pattern in %.2f s, sha256 %s" % (n, time.monotonic() - t0, want))
PY
# send HOST PORT SIZE: random bytes, then our FIN; the peer must answer
# with its FIN and nothing else (discard).
cat >"$OUT/send.py" <<'PY'
import os, socket, sys, time
host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port), timeout=30)
s.settimeout(120)
t0 = time.monotonic()
s.sendall(os.urandom(size))
s.shutdown(socket.SHUT_WR)
if s.recv(1) != b"":
    sys.exit("the peer sent data")
print("kernel: %d bytes sent in %.2f s, the peer's FIN received" % (size, time.monotonic() - t0))
PY

# The kernel's TCP counters named in $@ (absolute, this namespace's).
kstat() {
  nsx nstat -asz "$@" | awk 'NR > 1 { printf "%s %s  ", $1, $2 } END { print "" }'
}
KSTATS="TcpRetransSegs TcpExtTCPLossProbes TcpExtTCPFastRetrans TcpExtTCPTimeouts TcpExtTCPSackRecovery TcpExtTCPRenoRecovery TcpExtTCPOFOQueue"

# Captures clean: packets present; none malformed, flagged an error by
# tshark's experts, or with a bad IP or TCP checksum. Every TCP payload is
# decoded as data. The kernel sometimes sends a TCP checksum of 0xffff,
# which one's complement takes as 0x0000 (tern accepts it) and tshark
# calls bad (RFC 1624): allowed from the kernel's address only.
pcap_tcp_clean() {
  local file=$1 total bad
  [ -s "$file" ] || fail "no capture at $file"
  local args=(-r "$file" -d "tcp.port==1-65535,data" -o ip.check_checksum:TRUE
    -o tcp.check_checksum:TRUE)
  local filter="_ws.malformed || _ws.expert.severity >= error || ip.checksum.status == 0"
  filter+=" || (tcp.checksum.status == 0 && !(tcp.checksum.ffff && ip.src == 192.0.2.1))"
  total=$(tshark "${args[@]}" 2>/dev/null | wc -l)
  bad=$(tshark "${args[@]}" -Y "$filter" 2>/dev/null | wc -l)
  echo "pcap: $total packets in $(basename "$file"), $bad malformed or with bad checksums"
  [ "$total" -gt 0 ] || fail "empty capture"
  if [ "$bad" -ne 0 ]; then
    tshark "${args[@]}" -Y "$filter" 2>/dev/null | head -20 >&2
    fail "bad packets in $file"
  fi
}

# The tern programs that stay up: echo, discard, bulk --listen.
ns_start echo "$echo_bin" --tap tap0 --addr 192.0.2.2/24 --pcap "$OUT/echo.pcap"
ns_start discard "$discard" --tap tap1 --addr 192.0.2.3/24 --pcap "$OUT/discard.pcap"
ns_start listen "$bulk" --tap tap2 --addr 192.0.2.4/24 --bytes "$MB16" \
  --listen 5001 --pcap "$OUT/bulk_listen.pcap"
wait_for_log echo 10 "listening"
wait_for_log discard 10 "listening"
wait_for_log listen 10 "listening"
attach tap0
attach tap1
attach tap2

# bulk --connect NAME TAP ADDR PORT: tern's client sends 16 MB to a kernel
# listener on PORT; both check.
tern_client() {
  local name=$1 tap=$2 addr=$3 port=$4
  ns_start "$name-reader" /usr/bin/python3 "$OUT/listen.py" "$port" "$MB16" "$OUT"
  wait_for_log "$name-reader" 10 "listening" || fail "$name: kernel listener"
  ns_start "$name" "$bulk" --tap "$tap" --addr "$addr/24" --bytes "$MB16" \
    --connect "192.0.2.1:$port" --pcap "$OUT/$name.pcap"
  local pid=${PIDS[-1]}
  wait_for_log "$name" 10 "connecting" || fail "$name: start"
  attach "$tap"
  wait_for_log "$name-reader" 120 "^kernel: $MB16 bytes" || fail "$name: kernel listener"
  grep "^kernel" "$OUT/$name-reader.log"
  wait "$pid" || fail "$name: bulk --connect exited with $?"
  grep "^bulk:" "$OUT/$name.log" | grep -v connecting
}

echo "== no loss"
# curl telnet:// to echo: 1 MB of base64 text (telnet doubles byte 255,
# text has none) must come back whole. curl never closes by itself: once
# every byte is back it is stopped.
head -c 786432 /dev/urandom | base64 -w 0 >"$OUT/curl_echo.in" # 1 MB
ns_start curl-echo curl -sS -N -T "$OUT/curl_echo.in" telnet://192.0.2.2:7
cpid=${PIDS[-1]}
cout="$OUT/curl-echo.log"
for _ in $(seq 300); do
  [ "$(stat -c %s "$cout")" -ge 1048576 ] && break
  sleep 0.1
done
kill "$cpid"
cmp "$OUT/curl_echo.in" "$cout" || fail "curl telnet to echo: $(stat -c %s "$cout") bytes back"
echo "curl telnet: 1048576 bytes echoed, sha256 $(sha256sum <"$cout" | cut -c1-64)"

# curl telnet:// to discard: 16 MB of text, stopped once the kernel has
# had every byte acknowledged; discard must count exactly that at curl's FIN.
head -c 12582912 /dev/urandom | base64 -w 0 >"$OUT/curl_discard.in" # 16 MB
ns_start curl-discard curl -sS -T "$OUT/curl_discard.in" telnet://192.0.2.3:9
cpid=${PIDS[-1]}
acked=0
for _ in $(seq 600); do
  acked=$(nsx ss -tinH dst 192.0.2.3:9 | grep -o 'bytes_acked:[0-9]*' | cut -d: -f2 || true)
  [ "${acked:-0}" = "$((MB16 + 1))" ] || [ "${acked:-0}" = "$MB16" ] && break
  sleep 0.1
done
kill "$cpid"
wait_for_log discard 10 "^discard: tcp $MB16 bytes$" || fail "curl telnet to discard"
echo "curl telnet: discard counted $MB16 bytes"

# curl --http0.9 reading from bulk --listen: its request is never read, the
# 16 MB that come back are the pattern.
nsx timeout 60 curl -sS --http0.9 -o "$OUT/curl_bulk.out" http://192.0.2.4:5001/ ||
  fail "curl from bulk --listen"
want=$(cd "$OUT" && /usr/bin/python3 -c "from pattern import pattern_sha; print(pattern_sha($MB16))")
have=$(sha256sum <"$OUT/curl_bulk.out" | cut -c1-64)
[ "$have" = "$want" ] || fail "curl from bulk: sha256 $have, want $want"
wait_for_log listen 10 "^bulk: sent $MB16 bytes in [0-9]+ ms$" || fail "listen report"
echo "curl --http0.9: $MB16 bytes of the pattern from bulk --listen, sha256 $have"
grep "^bulk: sent" "$OUT/listen.log"

# 16 MB each way at once through echo with a kernel socket.
tcp_echo_sha 192.0.2.2 "$MB16" || fail "16 MB echo"
tern_client connect0 tap3 192.0.2.5 5002
echo "kernel: $(kstat $KSTATS)"

# Random loss, on the bridge's TCP segments to and from the TAP devices.
loss() {
  nsx nft delete table bridge loss 2>/dev/null || true
  nsx nft -f - <<'NFT'
table bridge loss {
  chain to_kernel {
    type filter hook input priority 0; policy accept;
    meta l4proto tcp numgen random mod 100 < 2 counter drop
  }
  chain to_tern {
    type filter hook output priority 0; policy accept;
    meta l4proto tcp numgen random mod 100 < 2 counter drop
  }
}
NFT
}
dropped() {
  nsx nft list chain bridge loss "$1" | grep -o 'packets [0-9]*' | cut -d' ' -f2
}
check_drops() {
  local in out
  in=$(dropped to_kernel)
  out=$(dropped to_tern)
  echo "nftables dropped $in segments from tern, $out to tern"
  [ "$in" -gt 0 ] && [ "$out" -gt 0 ] || fail "no drop in one direction"
}

n=0
for sack in 1 0; do
  echo "== 2 % loss each way, kernel's SACK $sack"
  nsx sysctl -qw net.ipv4.tcp_sack=$sack
  loss
  before=$(kstat $KSTATS)
  if [ $sack = 1 ]; then
    tcp_echo_sha 192.0.2.2 "$MB16" || fail "16 MB echo at 2 % loss"
  else
    # Without SACK, discard: its duplicate ACKs are bare, the ones the
    # kernel counts (echo's ride on its data).
    nsx timeout 180 /usr/bin/python3 "$OUT/send.py" 192.0.2.3 9 "$MB16" ||
      fail "16 MB to discard at 2 % loss"
    wait_for_log discard 10 "^discard: tcp $MB16 bytes$" || fail "discard's count"
    echo "discard counted $MB16 bytes"
  fi
  n=$((n + 1))
  tern_client "connect$n" "tap$((3 + n))" "192.0.2.$((5 + n))" $((5002 + n))
  check_drops
  echo "kernel before: $before"
  echo "kernel after:  $(kstat $KSTATS)"
done
nsx nft delete table bridge loss

cleanup
PIDS=()
for f in echo discard bulk_listen connect0 connect1 connect2; do
  pcap_tcp_clean "$OUT/$f.pcap"
done
# Passed: the captures and the 16 MB files (about 200 MB) are not kept.
rm -f "$OUT"/*.pcap "$OUT"/curl_*
echo "PASS"
