#!/usr/bin/env bash
# The resolve command against dnsmasq in a private network namespace, over
# both backends: tern's stack on a TAP device (--tap) and the host's
# sockets (run inside the namespace). A, AAAA, a CNAME, an answer too long
# for UDP (TC, then TCP), NXDOMAIN and no data (exit 1 with a reason), a
# silent server (timeout), a server address where nothing listens (its
# kernel's ICMP port unreachable: "no server could be reached"), and a
# silent first server then dnsmasq.
# Usage: resolve_interop_test.sh RESOLVE ipv6|ipv4only (the build's
# families, BUILD's select: an IPv4-only build refuses every AAAA query
# before sending it, exit 1 "address family not supported").
set -euo pipefail
source apps/echo/tests/netns_lib.sh # (tests run from the runfiles root)
bin=$1
build=${2:-ipv6}
case "$build" in
  ipv6 | ipv4only) ;;
  *) fail "build $build: want ipv6 or ipv4only" ;;
esac
require_root
command -v dnsmasq >/dev/null || fail "no dnsmasq (toolchains/install.sh installs it)"
ns_setup
# .2: the silent server; .3: nothing on port 53 (refused)
ns_tap tap0 192.0.2.1/24 192.0.2.2/24 192.0.2.3/24
many=()
for i in $(seq 1 40); do many+=("--host-record=many.test,10.0.0.$i"); done
ns_start dnsmasq dnsmasq --conf-file=/dev/null --pid-file= --no-daemon \
  --no-resolv --no-hosts --port=53 --bind-interfaces \
  --listen-address=192.0.2.1 --local=/test/ \
  --address=/peer.test/192.0.2.77 \
  --host-record=v6.test,192.0.2.66,2001:db8::66 \
  --host-record=v4.test,192.0.2.44 \
  --cname=alias.test,v6.test "${many[@]}" --log-queries
wait_for_log dnsmasq 10 "started"
# A UDP socket on 192.0.2.2:53 that reads and never answers.
ns_start silent /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 53))
print("silent: bound", flush=True)
while True:
    s.recvfrom(2048)
'
wait_for_log silent 10 "bound"

# expect NAME TYPE EXIT OUTPUT-PATTERN [extra args]: runs the command over
# the backend in $mode and checks its exit code and output.
expect() {
  local name=$1 type=$2 code=$3 pattern=$4
  shift 4
  local args=(-v --timeout 1000 --rounds 2 "$@")
  if [ "$mode" = tern ]; then
    args=(--tap tap0 --addr 192.0.2.50/24 "${args[@]}")
  fi
  local out rc=0 t0 t1
  t0=$(date +%s%N)
  out=$(nsx timeout 20 "$bin" "${args[@]}" "$name" "$type" 2>&1) || rc=$?
  t1=$(date +%s%N)
  echo "$mode: resolve ${args[*]} $name $type -> exit $rc in $(((t1 - t0) / 1000000)) ms:"
  echo "$out" | sed 's/^/    /'
  [ "$rc" -eq "$code" ] || fail "$mode $name $type: exit $rc, want $code"
  echo "$out" | grep -qE -- "$pattern" || fail "$mode $name $type: want /$pattern/"
  LAST="$out"
}

# expect_aaaa NAME EXIT OUTPUT-PATTERN [extra args]: expect for an AAAA
# query in a build with IPv6; in an IPv4-only build the resolver refuses it
# with TERN_EAFNOSUPPORT and sends nothing.
expect_aaaa() {
  local name=$1 code=$2 pattern=$3
  shift 3
  if [ "$build" = ipv4only ]; then
    expect "$name" AAAA 1 "^resolve: $name: address family not supported$" "$@"
    echo "$LAST" | grep -q "resolve: 0 queries," ||
      fail "$mode $name AAAA: a query went out in an IPv4-only build"
  else
    expect "$name" AAAA "$code" "$pattern" "$@"
  fi
}

for mode in posix tern; do
  s=(--server 192.0.2.1)
  expect peer.test A 0 '^192\.0\.2\.77$' "${s[@]}"
  expect_aaaa v6.test 0 '^2001:db8::66$' "${s[@]}"
  expect v6.test A 0 '^192\.0\.2\.66$' "${s[@]}"
  expect alias.test A 0 '^192\.0\.2\.66$' "${s[@]}"
  expect_aaaa alias.test 0 '^2001:db8::66$' "${s[@]}"
  expect many.test A 0 '^10\.0\.0\.40$' "${s[@]}"
  echo "$LAST" | grep -q " 1 tcp," || fail "$mode many.test: no TCP fallback"
  [ "$(echo "$LAST" | grep -cE '^10\.0\.0\.[0-9]+$')" -eq 40 ] ||
    fail "$mode many.test: want the 40 addresses"
  expect nothing.test A 1 'NXDOMAIN' "${s[@]}"
  expect_aaaa v4.test 1 "no AAAA record" "${s[@]}"
  expect peer.test A 1 'timed out' --server 192.0.2.2 --timeout 200 --rounds 2
  echo "$LAST" | grep -q "2 queries, 0 tcp, 2 timeouts" || fail "$mode: want 2 timeouts"
  # Refused each time, at once: the reason, not "timed out" (before).
  expect peer.test A 1 'no server could be reached \(connection refused\)$' \
    --server 192.0.2.3 --timeout 5000 --rounds 2
  echo "$LAST" | grep -q "2 queries, 0 tcp, 0 timeouts, 0 server errors, 2 socket errors" ||
    fail "$mode: want 2 refusals and no timeout"
  expect peer.test A 0 '^192\.0\.2\.77$' --server 192.0.2.2 --server 192.0.2.1 \
    --timeout 300 --rounds 1
done
# dnsmasq saw the TCP fallback: a TCP query is logged with the client's
# port as "query[A] many.test from 192.0.2.x" like any other; the count of
# many.test queries is 2 per backend (UDP, then TCP).
n=$(grep -c "query\[A\] many.test" "$OUT/dnsmasq.log" || true)
echo "dnsmasq logged $n queries for many.test"
[ "$n" -eq 4 ] || fail "want 4 queries for many.test (UDP and TCP, two backends)"
echo "PASS"
