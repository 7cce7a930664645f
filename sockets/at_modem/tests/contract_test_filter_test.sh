#!/usr/bin/env bash
# contract_test, given the arguments its rule gives it, lists (not runs)
# only the case bazel's --test_filter names (TESTBRIDGE_TEST_ONLY), and
# without one every case but those its rule leaves out. Before, the rule's
# own --gtest_filter overrode TESTBRIDGE_TEST_ONLY: --test_filter had no
# effect and the whole suite ran.
set -euo pipefail
bin=$1
shift
list() { "$bin" "$@" --gtest_list_tests | awk '
  /^[^ ]/ { suite = $1 } /^  / { print suite $1 }'; }
one=ModemTest.StrayPromptIsNotAResult
got=$(TESTBRIDGE_TEST_ONLY=$one list "$@")
if [ "$got" != "$one" ]; then
  echo "TESTBRIDGE_TEST_ONLY=$one listed $(echo "$got" | wc -l) cases:" >&2
  echo "$got" | head -5 >&2
  exit 1
fi
got=$(TESTBRIDGE_TEST_ONLY='Modem/SocketContract.*AbortResets*:ModemTest.Stray*' list "$@")
if [ "$got" != "$one" ]; then
  echo "a case the rule leaves out was listed, or the filter ignored:" >&2
  echo "$got" >&2
  exit 1
fi
all=$(env -u TESTBRIDGE_TEST_ONLY "$bin" "$@" --gtest_list_tests | grep -c '^  ')
if [ "$all" -lt 100 ] ||
  env -u TESTBRIDGE_TEST_ONLY "$bin" "$@" --gtest_list_tests | grep -q 'AbortResetsThePeer'; then
  echo "without a filter: $all cases, or a left-out case listed" >&2
  exit 1
fi
# The mirror (ModemServer/) runs the cases with a listener only: the
# IPv4-only build's family cases open the posix client alone (before,
# the rule left out the local one's and ran the remote one's there).
if env -u TESTBRIDGE_TEST_ONLY "$bin" "$@" --gtest_list_tests |
  awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }' |
  grep 'ModemServer/.*InAnIpv4OnlyBuild'; then
  echo "the mirror lists a case that drives the posix client alone" >&2
  exit 1
fi
echo "ok: the filter narrows, the rule's exclusions stay"
