#!/usr/bin/env bash
# Runs every test tern has and ends with "N passed, N failed":
#   1. the format check,
#   2. bazel test //...            host GoogleTest, QEMU firmware tests,
#                                  interop tests, fuzz seeds replayed,
#   3. bazel test --config=asan    every host test under ASan + UBSan,
#   4. bazel test --config=fuzz    each fuzz target fuzzed for
#                                  TERN_FUZZ_SECONDS (default 10) with libFuzzer.
# Exits non-zero when anything failed. Extra arguments go to every bazel test.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log_dir=$(mktemp -d)

# Counts one bazel test run from its per-test summary lines.
run_bazel() {
  local step=$1
  shift
  local log="$log_dir/$step.log"
  echo "=== $step: bazel test $*"
  bazel test --test_summary=short "$@" 2>&1 | tee "$log" |
    grep -E --line-buffered '^(//|@)|^ERROR|^FAIL|Executed'
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -cE '^(//|@)\S+\s+(\(cached\) )?PASSED' "$log")
  f=$(grep -cE '^(//|@)\S+\s+(\(cached\) )?(FAILED|TIMEOUT|FLAKY|NO STATUS|INCOMPLETE|FAILED TO BUILD)' "$log")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1 # the build itself failed before any test ran
  fi
  passed=$((passed + p))
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

run_bazel all //... "$@"
run_bazel asan --config=asan --build_tag_filters=-firmware \
  --test_tag_filters=-firmware //... "$@"
run_bazel fuzz --config=fuzz --build_tag_filters=fuzz --test_tag_filters=fuzz \
  --test_env=TERN_FUZZ_SECONDS="${TERN_FUZZ_SECONDS:-10}" //... "$@"

rm -rf "$log_dir"
if [ ${#failures[@]} -gt 0 ]; then
  echo "failed steps: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
