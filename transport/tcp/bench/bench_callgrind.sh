#!/usr/bin/env bash
# Instructions per byte of a bulk TCP transfer between two tern stacks in
# one process (tcp_bulk_bench: 16 MB one way over a memory netdev pair,
# MSS from MTU 1500, 64 KB
# windows, checksums on, no loss), sender and receiver together, counted
# by callgrind:
#   - the whole process (loader and setup included) divided by the bytes;
#   - bench_transfer alone (handshake, transfer, close; no setup).
# Then the top functions by exclusive instructions. Run from anywhere in
# the workspace:  transport/tcp/bench/bench_callgrind.sh [BYTES]
set -euo pipefail
cd "$(dirname "$0")/../../.."
bytes=${1:-16777216}
bazel build -c opt //transport/tcp/bench:tcp_bulk_bench >/dev/null 2>&1 ||
  bazel build -c opt //transport/tcp/bench:tcp_bulk_bench
bin=bazel-bin/transport/tcp/bench/tcp_bulk_bench
whole=$(mktemp)
part=$(mktemp)
trap 'rm -f "$whole" "$part"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$whole" "$bin" "$bytes" \
  2>/dev/null
valgrind --tool=callgrind --toggle-collect=bench_transfer \
  --callgrind-out-file="$part" "$bin" "$bytes" >/dev/null 2>&1
total() {
  callgrind_annotate "$1" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
t_whole=$(total "$whole")
t_part=$(total "$part")
echo "tern, whole process: $t_whole instructions for $bytes bytes"
awk -v t="$t_whole" -v b="$bytes" 'BEGIN { printf "  %.3f instructions/byte\n", t / b }'
echo "tern, bench_transfer only: $t_part instructions"
awk -v t="$t_part" -v w="$t_whole" -v b="$bytes" \
  'BEGIN { printf "  %.3f instructions/byte (%.1f %% of the process)\n", t / b, 100 * t / w }'
echo "top functions (exclusive, whole process):"
callgrind_annotate "$whole" 2>/dev/null |
  awk '/file:function/ { on = 1; getline; next } on && NF' |
  sed -e 's/ \[.*\]$//' -e 's/[^ ]*://' | head -15
