#!/usr/bin/env bash
# Runs one fuzz target (see toolchains/fuzz.bzl): usage BIN SEED...
# With libFuzzer it fuzzes for TERN_FUZZ_SECONDS from a copy of the seeds and
# keeps any crashing input in the test's undeclared outputs; without, it
# replays the seeds once.
set -euo pipefail
bin=$1
shift
work="${TEST_TMPDIR:-$(mktemp -d)}/corpus"
out="${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-/tmp}}"
mkdir -p "$work" "$out"
cp "$@" "$work/"
exec "$bin" -max_total_time="${TERN_FUZZ_SECONDS:-10}" -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" "$work"
