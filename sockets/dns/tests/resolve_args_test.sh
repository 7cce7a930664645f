#!/bin/bash
# The resolve command's command line: a bad value is one line on stderr
# naming it and exit status 2, before any device is opened or any query
# sent. Unprivileged (the command runs in a network namespace of its own
# when the test can make one, so a value let through opens no device and
# sends nothing outside it; without one the only query is to 127.0.0.1;
# each run is stopped after 3 s).
#   resolve_args_test.sh RESOLVE
set -u
RESOLVE=$1
NS=()
if unshare -n true 2>/dev/null; then
  NS=(unshare -n)
fi
failures=0

# expect_bad WANT ARGS...: exit status 2 and exactly one stderr line,
# matching the regex WANT.
expect_bad() {
  local want=$1 out rc
  shift
  out=$(timeout 3 "${NS[@]}" "$RESOLVE" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne 2 ] || [ "$(wc -l <<<"$out")" -ne 1 ] ||
    ! grep -qE -- "$want" <<<"$out"; then
    echo "FAIL: resolve $*: exit $rc, stderr: ${out:-(none)}"
    failures=$((failures + 1))
  else
    echo "ok: resolve $*: $out"
  fi
}

# --timeout MS is 1..60000 and --rounds N 1..8, each in plain digits:
# strtol took "10x" as 10 and "2junk" as 2.
for t in 10x 0 "" " 5" +5 010 60001; do
  expect_bad "bad --timeout" --timeout "$t" --server 127.0.0.1 x.test
done
for r in 2junk 9 0 "" +2 02; do
  expect_bad "bad --rounds" --rounds "$r" --server 127.0.0.1 x.test
done
# --addr is A.B.C.D/P with P 0..32 in plain digits (strtol took "/+8" and
# "/ 8" as 8, "/010" as 10), and --gw an address.
for a in 192.0.2.2/+8 192.0.2.2/010 "192.0.2.2/ 8" 192.0.2.2/ 192.0.2.2 \
  192.0.2.2/33 192.0.2.2/8x 192.0.2.256/8; do
  expect_bad "bad --addr" --tap tern9 --addr "$a" --server 192.0.2.1 x.test
done
expect_bad "bad --gw" --tap tern9 --addr 192.0.2.2/24 --gw 192.0.2.1/24 \
  --server 192.0.2.1 x.test

# Good values get past the checks: the posix backend asks 127.0.0.1 once
# (in a namespace of its own, where nothing is reachable: exit 1; else an
# answer or a timeout after 100 ms), anything but 2.
out=$(timeout 3 "${NS[@]}" "$RESOLVE" --timeout 100 --rounds 1 \
  --server 127.0.0.1 x.test 2>&1 >/dev/null)
rc=$?
if [ "$rc" -eq 2 ]; then
  echo "FAIL: resolve --timeout 100 --rounds 1: exit 2, stderr: $out"
  failures=$((failures + 1))
else
  echo "ok: resolve --timeout 100 --rounds 1: exit $rc, stderr: ${out:-(none)}"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failed"
  exit 1
fi
echo "PASS"
