#!/usr/bin/env bash
# Runs every test tern has and ends with "N passed, N failed" (after a line
# "N skipped"):
#   1. the format check,
#   2. bazel test //...            host GoogleTest, QEMU firmware tests,
#                                  interop tests, fuzz seeds replayed,
#   3. bazel test --config=ipv4only  the unit tests of the layers the
#                                  IPv4-only build changes (ip, udp, the
#                                  sockets, Ethernet) built with
#                                  TERN_CONFIG_IPV6 0
#                                  (ip/addr/README.md) that step 2's
#                                  *_v4_only_test wrappers do not run so,
#   4. bazel test //... in examples/consumer, a workspace that uses tern
#                                  as an external repository,
#   5. bazel test --config=asan    every host test under ASan + UBSan
#                                  (but those tagged "noasan": long waits
#                                  whose code paths have unit tests there),
#   6. bazel test --config=fuzz    each fuzz target fuzzed for
#                                  TERN_FUZZ_SECONDS (default 10) with libFuzzer.
# Exits non-zero when anything failed. Extra arguments go to every bazel test.
#
# A test that skips (an interop test run without root, say) passes for
# Bazel but is counted here as skipped, not passed. A test skips by printing
# a line that begins "SKIP: " (apps/echo/tests/netns_lib.sh's require_root
# does) or with GTEST_SKIP() (GoogleTest prints "[  SKIPPED ]"); this script
# reads each passed test's log (found through the build event file) for
# either. A test that skipped only some of
# its cases counts as skipped, and so does one Bazel lists SKIPPED (not run:
# incompatible with the platform). With CI set (CI=true), where tests run as
# root and nothing may skip, a skipped test counts as failed.
# Before the counts it lists each test that failed, with its step and
# Bazel's status; FLAKY (passed on a retry) counts as failed, and says so.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
skipped=0
failures=()
failed_tests=()
skips=()
log_dir=$(mktemp -d)
# Removed however the script ends (a failure, Ctrl-C, CI cancelling it).
trap 'rm -rf "$log_dir"' EXIT

# "LABEL<tab>LOG" for each test.log of a passed test (every shard and run,
# cached or not) in the build event file $1.
passed_logs() {
  /usr/bin/python3 - "$1" <<'EOF'
import json, sys, urllib.parse

for line in open(sys.argv[1]):
    event = json.loads(line)
    result = event.get("testResult")
    if not result or result.get("status") != "PASSED":
        continue
    for out in result.get("testActionOutput", []):
        uri = out.get("uri", "")
        if out.get("name") == "test.log" and uri.startswith("file://"):
            label = event["id"]["testResult"]["label"]
            print(label + "\t" + urllib.parse.unquote(uri[len("file://"):]))
EOF
}

# The first skip marker in the logs of test $1 listed in file $2, or nothing.
skip_line() {
  local label=$1 list=$2 l log
  while IFS=$'\t' read -r l log; do
    [ "$l" = "$label" ] || continue
    grep -m1 -E '^(SKIP: |\[  SKIPPED \] )' "$log" && return
  done <"$list"
}

# Runs one bazel test in workspace $2 and counts it from its per-test
# summary lines and, for skips, from the passed tests' logs.
run_bazel() {
  local step=$1 ws=$2
  shift 2
  local log="$log_dir/$step.log" bep="$log_dir/$step.bep.json"
  local step_start=$SECONDS
  echo "=== $step: bazel test $* ${ws:+(in $ws)}"
  (cd "${ws:-.}" && bazel test --test_summary=short \
    --build_event_json_file="$bep" "$@") 2>&1 | tee "$log" |
    grep -E --line-buffered '^(//|@)|^ERROR|^FAIL|Executed'
  local rc=${PIPESTATUS[0]}
  local p=0 s=0 f label why
  echo "=== $step took $((SECONDS - step_start)) s"
  : >"$bep.logs"
  [ -f "$bep" ] && passed_logs "$bep" >"$bep.logs"
  while read -r label; do
    why=$(skip_line "$label" "$bep.logs")
    if [ -n "$why" ]; then
      s=$((s + 1))
      skips+=("$label ($step): $why")
    else
      p=$((p + 1))
    fi
  done < <(grep -oE '^(//|@)\S+(\s+\(cached\))?\s+PASSED' "$log" | awk '{print $1}')
  # Bazel's own skip: a test incompatible with the platform (its
  # target_compatible_with) is listed SKIPPED, and not run.
  while read -r label; do
    s=$((s + 1))
    skips+=("$label ($step): Bazel skipped it (target_compatible_with)")
  done < <(grep -oE '^(//|@)\S+\s+SKIPPED' "$log" | awk '{print $1}')
  # Each test that did not pass, by name with Bazel's word for it. FLAKY
  # (failed, then passed on a retry: only with --flaky_test_attempts among
  # the extra arguments, no tern test is marked flaky) counts as failed,
  # though Bazel's own summary counts it as passed and exits 0: the line
  # says so.
  f=0
  while read -r label status; do
    f=$((f + 1))
    case $status in
      *FLAKY*) status="$status (passed on a retry: counted as failed)" ;;
    esac
    failed_tests+=("$label ($step): $status")
  done < <(grep -E '^(//|@)\S+\s+(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|FAILED TO BUILD)' "$log" |
    sed -E 's/^(\S+)\s+/\1 /; s/ in [0-9.]+s$//')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1 # the build itself failed before any test ran
  elif [ $((p + s + f)) -eq 0 ]; then
    # Every step runs tests: Bazel succeeded but listed none (a
    # --test_summary other than short among the extra arguments, say).
    echo "=== $step: no test in Bazel's summary: counted as failed"
    f=1
  fi
  passed=$((passed + p))
  skipped=$((skipped + s))
  failed=$((failed + f))
  [ "$f" -eq 0 ] || failures+=("$step")
}

echo "=== format"
if tools/format_check.sh; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  failures+=(format)
fi

run_bazel all "" //... "$@"
# The IPv4-only build: every GoogleTest of those layers but the fuzz,
# interop and manual ones, and but those the default build's
# *_v4_only_test wrappers (ip/addr/ipv4_only.bzl) already ran IPv4-only in
# step 2 (TCP's connection machine among them: conn_v4_only_test).
v4_scope='//ip/... + //link/ethernet/... + //transport/udp/... + //sockets/...'
v4_tests=$(bazel query "kind(cc_test, $v4_scope) except \
  attr(tags, 'manual|fuzz|interop', $v4_scope) except \
  labels(test, kind(ipv4_only_test, //...))" 2>/dev/null) ||
  echo "=== ipv4only: bazel query failed (its errors hidden): no test to run"
run_bazel ipv4only "" --config=ipv4only $v4_tests "$@"
run_bazel consumer examples/consumer //... "$@"
run_bazel asan "" --config=asan --build_tag_filters=-firmware \
  --test_tag_filters=-firmware,-noasan //... "$@"
run_bazel fuzz "" --config=fuzz --build_tag_filters=fuzz --test_tag_filters=fuzz \
  --test_env=TERN_FUZZ_SECONDS="${TERN_FUZZ_SECONDS:-10}" //... "$@"

if [ ${#skips[@]} -gt 0 ]; then
  echo "skipped tests:"
  printf '  %s\n' "${skips[@]}"
  if [ -n "${CI:-}" ] && [ "${CI:-}" != "false" ]; then
    echo "CI is set: nothing may skip there, so the $skipped skipped tests count as failed"
    failed=$((failed + skipped))
    skipped=0
    failures+=("skipped under CI")
  fi
fi
if [ ${#failed_tests[@]} -gt 0 ]; then
  echo "failed tests:"
  printf '  %s\n' "${failed_tests[@]}"
fi
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed steps: ${failures[*]}"
fi
echo "all steps took $SECONDS s"
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
