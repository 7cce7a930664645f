#!/bin/bash
# Bulk TCP transfer, tern and lwIP 2.1.3 in the same run: instructions per
# byte (callgrind, sender and receiver together) of the same 16 MB one way
# between two stacks in one process over a memory link, MSS 1460, 64 KB
# windows with window scaling, every checksum on, no loss. A benchmark
# tool, never part of tern's build or tests: lwIP's source comes from Debian's
# source package (toolchains/install.sh) and nothing of it is committed.
#
# Each stack runs twice: copying (tern's poll_write and poll_read; lwIP's
# tcp_write with TCP_WRITE_FLAG_COPY and pbuf_copy_partial into a buffer)
# and zero-copy, each stack with its own zero-copy API (tern's
# tcp_bulk_bench --zero-copy: the pattern copied straight into the send
# ring's free run by poll_reserve/commit, the receive ring read in place by
# poll_peek/consume; lwIP's bulk --zero-copy: tcp_write without the copy
# flag, referring to the static pattern, and pbuf payloads read in place).
#
#   tools/bench/lwip_bulk.sh [--lwip-src DIR] [--work DIR] [--bytes N]
#
# --lwip-src DIR  an unpacked lwip-2.1.3 tree (default: the copy
#                 toolchains/install.sh unpacks from Debian's source
#                 package; see tools/bench/lwip_source.sh)
# --work DIR      objects, binary and download (default
#                 ${TMPDIR:-/tmp}/tern-lwip-bulk)
# --bytes N       bytes to move (default 16777216)
#
# tern's side is transport/tcp/bench/bench_callgrind.sh (bazel -c opt);
# lwIP's is tools/bench/lwip_bulk/bulk.c with lwipopts.h and arch/cc.h
# from that folder, compiled with the host's gcc and the flags Bazel's -c
# opt gives tern (-O2 -DNDEBUG, function sections, --gc-sections). Each
# figure is callgrind's count for the whole process divided by the bytes,
# and for bench_transfer alone (no setup). lwIP's memory link copies each
# packet (bulk.c says why); that copy, link_output's inclusive count, is
# shown and taken out for the comparison.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
bench="$here/lwip_bulk"

lwip_src=""
work="${TMPDIR:-/tmp}/tern-lwip-bulk"
bytes=16777216
while [ $# -gt 0 ]; do
  case "$1" in
    --lwip-src) lwip_src=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --bytes) bytes=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "lwip_bulk.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)

# ---- lwIP's source (tools/bench/lwip_source.sh) -------------------------
tool=lwip_bulk.sh
. "$here/lwip_source.sh"

# ---- lwIP's benchmark: core, IPv4, TCP; the host's gcc, -c opt's flags -----
cflags=(-O2 -DNDEBUG -ffunction-sections -fdata-sections -fstack-protector
  -fno-omit-frame-pointer -std=gnu11 -I "$bench" -I "$lwip_src/src/include")
core=(init def inet_chksum ip mem memp netif pbuf stats sys timeouts tcp
  tcp_in tcp_out)
core4=(icmp ip4 ip4_addr)
rm -f "$work/lwip.txt"
obj="$work/obj"
rm -rf "$obj"
mkdir -p "$obj"
objs=()
for f in "${core[@]}"; do
  gcc "${cflags[@]}" -c "$lwip_src/src/core/$f.c" -o "$obj/$f.o"
  objs+=("$obj/$f.o")
done
for f in "${core4[@]}"; do
  gcc "${cflags[@]}" -c "$lwip_src/src/core/ipv4/$f.c" -o "$obj/$f.o"
  objs+=("$obj/$f.o")
done
gcc "${cflags[@]}" -Wall -Wextra -Werror -c "$bench/bulk.c" -o "$obj/bulk.o"
bin="$work/lwip_bulk"
gcc -Wl,--gc-sections "$obj/bulk.o" "${objs[@]}" -o "$bin"

# ---- Counting ----------------------------------------------------------------
# Twice, as tern's script counts: as the process runs, and with glibc's
# memcpy held to its vector loop (callgrind counts `rep movsb`, used above
# 2 KB, as one instruction per byte).
total() {
  callgrind_annotate "$1" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
}
vector=glibc.cpu.x86_rep_movsb_threshold=1000000000
echo "== lwIP $lwip_version ($lwip_src), gcc $(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion) -O2"
for api in copying zero-copy; do
  zc=()
  name=lwIP
  if [ "$api" = zero-copy ]; then
    zc=(--zero-copy)
    name=lwIP/zero-copy
  fi
  "$bin" "$bytes" "${zc[@]}"
  for mode in as-run vector-memcpy; do
    tun=
    [ "$mode" = as-run ] || tun=$vector
    whole="$work/lwip.$api.$mode.callgrind"
    part="$work/lwip_transfer.$api.$mode.callgrind"
    GLIBC_TUNABLES=$tun valgrind --tool=callgrind \
      --callgrind-out-file="$whole" "$bin" "$bytes" "${zc[@]}" >/dev/null 2>&1
    GLIBC_TUNABLES=$tun valgrind --tool=callgrind --toggle-collect=bench_transfer \
      --callgrind-out-file="$part" "$bin" "$bytes" "${zc[@]}" >/dev/null 2>&1
    link=$(callgrind_annotate --inclusive=yes "$whole" 2>/dev/null |
      awk '/[: ]link_output( |$)/ { gsub(",", "", $1); print $1; exit }')
    awk -v w="$(total "$whole")" -v t="$(total "$part")" -v k="${link:-0}" \
      -v b="$bytes" -v m="$mode" -v n="$name" 'BEGIN {
      printf "%s (%s), whole process: %d instructions, %.3f instructions/byte\n", n, m, w, w / b
      printf "%s (%s), bench_transfer only: %d instructions, %.3f instructions/byte\n", n, m, t, t / b
      printf "%s (%s), the link'"'"'s copy (link_output, inclusive): %d instructions, %.3f instructions/byte\n", n, m, k, k / b
      printf "%s (%s), bench_transfer without the link'"'"'s copy: %.3f instructions/byte\n", n, m, (t - k) / b
    }' | tee -a "$work/lwip.txt"
  done
  echo "top functions ($name, as run; exclusive, whole process):"
  callgrind_annotate "$work/lwip.$api.as-run.callgrind" 2>/dev/null |
    awk '/file:function/ { on = 1; getline; next } on && NF' |
    sed -e 's/ \[.*\]$//' -e 's/[^ ]*://' | head -15
done

echo
echo "== tern: transport/tcp/bench/bench_callgrind.sh $bytes"
"$top/transport/tcp/bench/bench_callgrind.sh" "$bytes" | tee "$work/tern.txt"
echo
echo "== tern: transport/tcp/bench/bench_callgrind.sh $bytes --zero-copy"
"$top/transport/tcp/bench/bench_callgrind.sh" "$bytes" --zero-copy |
  tee -a "$work/tern.txt"

echo
for api in copying zero-copy; do
  t_name=tern
  l_name=lwIP
  if [ "$api" = zero-copy ]; then
    t_name=tern/zero-copy
    l_name=lwIP/zero-copy
  fi
  for mode in as-run vector-memcpy; do
    t=$(awk -v n="$t_name" -v m="($mode)," '$1 == n && $2 == m && /bench_transfer only/ { print $(NF - 6) }' "$work/tern.txt")
    l=$(awk -v n="$l_name" -v m="($mode)," '$1 == n && $2 == m && /without the link/ { print $(NF - 1) }' "$work/lwip.txt")
    awk -v t="$t" -v l="$l" -v m="$mode" -v a="$api" 'BEGIN {
      printf "== %s, %s, bench_transfer, instructions/byte: tern %.3f, lwIP %.3f (without its link copy); lwIP / tern = %.2f\n", a, m, t, l, l / t
    }'
  done
done
