#!/usr/bin/env bash
# Instructions per byte of tern_checksum_add on the host, counted by
# callgrind over checksum_bench (8 passes over 1 MiB). Run from anywhere in
# the workspace:  ip/checksum/bench_callgrind.sh [extra bazel flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build -c opt "$@" //ip/checksum:checksum_bench
bin=bazel-bin/ip/checksum/checksum_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --toggle-collect=tern_checksum_add \
  --callgrind-out-file="$out" "$bin" >/dev/null 2>&1
total=$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
bytes=$((8 * 1048576))
echo "tern_checksum_add: $total instructions for $bytes bytes"
awk -v t="$total" -v b="$bytes" 'BEGIN { printf "%.4f instructions/byte\n", t / b }'
