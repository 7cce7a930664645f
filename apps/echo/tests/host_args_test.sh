#!/bin/bash
# The host programs' command lines: a bad value is one clear line on
# stderr and exit status 2, before any device is opened. Unprivileged
# (each program runs in a network namespace of its own when it can make
# one, so that a check that let a bad value through opens no device in
# the test's namespace; it is stopped after 3 s).
#   host_args_test.sh ECHO DISCARD BULK HTTP_GET_TERN
set -u
ECHO=$1 DISCARD=$2 BULK=$3 HTTP_GET=$4
NS=()
if unshare -n true 2>/dev/null; then
  NS=(unshare -n)
fi
failures=0

# apps/echo/host and the like, for messages.
name() {
  echo "$(basename "$(dirname "$1")")/$(basename "$1")"
}

# expect_bad WANT PROGRAM ARGS...: exit status 2 and a stderr line
# matching the regex WANT.
expect_bad() {
  local want=$1 out rc
  shift
  out=$(timeout 3 "${NS[@]}" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne 2 ] || ! grep -qE -- "$want" <<<"$out"; then
    echo "FAIL: $(name "$1") ${*:2}: exit $rc, stderr: ${out:-(none)}"
    failures=$((failures + 1))
  else
    echo "ok: $(name "$1") ${*:2}: $out"
  fi
}

# A prefix length that is missing or not plain digits.
for a in "192.0.2.2/" "192.0.2.2/+8" "192.0.2.2/ 8" "192.0.2.2/33" \
  "192.0.2.2/8x" "192.0.2.2" "192.0.2.2/024"; do
  expect_bad "bad --addr" "$ECHO" --tun tern9 --addr "$a"
  expect_bad "bad --addr" "$DISCARD" --tap tern9 --addr "$a"
  expect_bad "bad --addr" "$BULK" --tap tern9 --addr "$a" --bytes 5 \
    --listen 9
  expect_bad "bad --addr" "$HTTP_GET" --tap tern9 --addr "$a" \
    http://192.0.2.1/
done

# Numbers that are not whole decimal numbers in range.
for n in "" abc 5x -1 " 5" 99999999999999999999999; do
  expect_bad "bad --bytes" "$BULK" --tap tern9 --addr 192.0.2.2/24 \
    --bytes "$n" --listen 9
done
for p in "" 9x 0 65536 " 9"; do
  expect_bad "bad --listen" "$BULK" --tap tern9 --addr 192.0.2.2/24 \
    --bytes 5 --listen "$p"
  expect_bad "bad --connect" "$BULK" --tap tern9 --addr 192.0.2.2/24 \
    --bytes 5 --connect "192.0.2.1:$p"
done
# A SLIP MTU the device or the IPv4 layer would refuse: under 576
# (TERN_IPV4_MIN_MTU) or over the program's 1,536-byte buffers.
for m in "" abc 0 1006x 70000 575 1537 65535; do
  expect_bad "bad --mtu" "$ECHO" --tun tern9 --addr 192.0.2.2/24 --mtu "$m"
done
# http_get's --timeout (seconds, 1..86400) is whole too: strtol took a
# leading space or sign.
for t in "" " 5" "+5" 5x 0 86401; do
  expect_bad "bad --timeout" "$HTTP_GET" --timeout "$t" --tap tern9 \
    --addr 192.0.2.2/24 http://192.0.2.1/
done

if [ "$failures" -ne 0 ]; then
  echo "$failures failed"
  exit 1
fi
echo "PASS"
