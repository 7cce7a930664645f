#!/usr/bin/env bash
# Instructions per byte of tern_checksum_add on the host, counted by
# callgrind over checksum_bench (8 passes over 1 MiB), then per segment of
# the shapes a TCP segment has (checksum_bench.c says which). Run from
# anywhere in the workspace:  ip/checksum/bench_callgrind.sh [extra bazel flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build -c opt "$@" //ip/checksum:checksum_bench
bin=bazel-bin/ip/checksum/checksum_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
count() {
  valgrind --tool=callgrind --toggle-collect="$1" \
    --callgrind-out-file="$out" "$bin" >/dev/null 2>&1
  callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
total=$(count whole_buffer)
bytes=$((8 * 1048576))
echo "tern_checksum_add: $total instructions for $bytes bytes"
awk -v t="$total" -v b="$bytes" 'BEGIN { printf "%.4f instructions/byte\n", t / b }'
# 1000 segments each; the bytes are the TCP segment's (1480) or the
# payload's (1448).
for f in segment_sums:1480 copy_then_sum:1448 copy_and_sum:1448; do
  n=${f%%:*}
  b=${f##*:}
  t=$(count "$n")
  awk -v n="$n" -v t="$t" -v b="$b" 'BEGIN {
    printf "%s: %.0f instructions a segment, %.4f instructions/byte\n", n, t / 1000, t / (1000 * b)
  }'
done
