#!/usr/bin/env bash
# Instructions the reassembler takes for a 4008-byte datagram in three
# fragments (Linux's `ping -s 4000`), counted by callgrind on the host over
# reasm_bench (1000 datagrams; `reassemble`: the layer's hook three times
# and the free). Run from anywhere in the workspace:
#   ip/ipv4/tests/reasm_bench_callgrind.sh [extra bazel flags]
set -euo pipefail
cd "$(dirname "$0")/../../.."
bazel build -c opt "$@" //ip/ipv4:reasm_bench
bin=bazel-bin/ip/ipv4/reasm_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --toggle-collect=reassemble \
  --callgrind-out-file="$out" "$bin" >/dev/null 2>&1
total=$(callgrind_annotate "$out" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "reassemble: $total instructions for 1000 datagrams of 4008 bytes"
awk -v t="$total" 'BEGIN { printf "%.0f instructions per datagram, %.3f per byte\n", t / 1000, t / 1000 / 4008 }'
callgrind_annotate "$out" | grep -E "memcpy|memmove" | head -3 || true
