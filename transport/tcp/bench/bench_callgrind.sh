#!/usr/bin/env bash
# Instructions per byte of a bulk TCP transfer between two tern stacks in
# one process (tcp_bulk_bench: 16 MB one way over a memory netdev pair,
# MSS from MTU 1500, 64 KB windows, checksums on, no loss), sender and
# receiver together, counted by callgrind:
#   - the whole process (loader and setup included) divided by the bytes;
#   - bench_transfer alone (handshake, transfer, close; no setup).
# Each twice: as the process runs, and with glibc's memcpy held to its
# vector loop (GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold raised):
# above that threshold (a few KB) it copies with `rep movsb`, which
# callgrind counts as one instruction per byte moved. Then the top
# functions by exclusive instructions (as the process runs). With
# --zero-copy it runs tcp_bulk_bench --zero-copy (the application in the
# rings: reserve and commit, peek and consume; no poll_write or poll_read
# copy) and labels its lines "tern/zero-copy". Run from anywhere in the
# workspace:
#   transport/tcp/bench/bench_callgrind.sh [BYTES] [--zero-copy]
set -euo pipefail
cd "$(dirname "$0")/../../.."
bytes=16777216
zc=()
name=tern
for arg in "$@"; do
  case "$arg" in
    --zero-copy) zc=(--zero-copy); name=tern/zero-copy ;;
    *) bytes=$arg ;;
  esac
done
bazel build -c opt //transport/tcp/bench:tcp_bulk_bench >/dev/null 2>&1 ||
  bazel build -c opt //transport/tcp/bench:tcp_bulk_bench
# The -c opt output tree by name: the bazel-bin link follows the last
# build, and another one (a plain `bazel run`) moves it to fastbuild.
bin=$(bazel info -c opt bazel-bin)/transport/tcp/bench/tcp_bulk_bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vector=glibc.cpu.x86_rep_movsb_threshold=1000000000
"$bin" "$bytes" "${zc[@]}"
total() {
  callgrind_annotate "$1" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
for mode in as-run vector-memcpy; do
  tun=
  [ "$mode" = as-run ] || tun=$vector
  GLIBC_TUNABLES=$tun valgrind --tool=callgrind \
    --callgrind-out-file="$work/whole.$mode" "$bin" "$bytes" "${zc[@]}" >/dev/null 2>&1
  GLIBC_TUNABLES=$tun valgrind --tool=callgrind --toggle-collect=bench_transfer \
    --callgrind-out-file="$work/part.$mode" "$bin" "$bytes" "${zc[@]}" >/dev/null 2>&1
  awk -v w="$(total "$work/whole.$mode")" -v t="$(total "$work/part.$mode")" \
    -v b="$bytes" -v m="$mode" -v n="$name" 'BEGIN {
    printf "%s (%s), whole process: %d instructions, %.3f instructions/byte\n", n, m, w, w / b
    printf "%s (%s), bench_transfer only: %d instructions, %.3f instructions/byte (%.1f %% of the process)\n", n, m, t, t / b, 100 * t / w
  }'
done
echo "top functions (as run; exclusive, whole process):"
callgrind_annotate "$work/whole.as-run" 2>/dev/null |
  awk '/file:function/ { on = 1; getline; next } on && NF' |
  sed -e 's/ \[.*\]$//' -e 's/[^ ]*://' | head -15
