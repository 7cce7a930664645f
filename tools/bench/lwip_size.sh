#!/bin/bash
# lwIP 2.1.3 beside tern on Cortex-M0: what the same Ethernet + ARP + IPv4 +
# ICMP + UDP echo (or, with --tcp, the same with a TCP echo) costs in flash
# (text) with each stack, built with the same compiler and flags. A
# benchmark tool, never part of tern's build or tests: lwIP's source comes
# from Debian's source package (toolchains/install.sh) and nothing of it is
# committed.
#
#   tools/bench/lwip_size.sh [--tcp] [--ipv4-only] [--lwip-src DIR]
#                            [--work DIR] [--no-tern] [-DNAME=VALUE ...]
#
# --tcp           the TCP firmware: lwIP's with TERN_BENCH_TCP=1 (a TCP
#                 echo on port 7 beside the UDP one, lwIP's TCP with the
#                 options of lwipopts.h's "TCP" section), against
#                 `bazel run //transport/tcp/bench:size_stack_tcp_m0_size`;
#                 also prints lwIP's sizeof(struct tcp_pcb) with those
#                 options. Without it: the UDP echo firmware, against
#                 `bazel run //apps/echo:size_eth_m0_size`.
# --ipv4-only     tern's side built IPv4-only as well (the _v4_ size
#                 targets: `size_stack_tcp_v4_m0_size`, `size_eth_v4_m0_size`;
#                 ip/addr/README.md), like for like: lwIP's set here is
#                 IPv4-only already (LWIP_IPV6 0), tern's default build
#                 keeps room and paths for IPv6.
# --lwip-src DIR  an unpacked lwip-2.1.3 tree (default: the copy
#                 toolchains/install.sh unpacks from Debian's source
#                 package, without Debian's patches: a Linux port, socket
#                 and thread API changes and CMake files, nothing that this
#                 build compiles but a preprocessor check; see
#                 tools/bench/lwip_source.sh)
# --work DIR      objects, ELF, map and the download (default
#                 ${TMPDIR:-/tmp}/tern-lwip-size)
# --no-tern       skip tern's side of the table (the bazel run above)
# -DNAME=VALUE    an lwIP option overriding tools/bench/lwip/lwipopts.h
#                 (every option there is #ifndef-guarded), to measure what
#                 one option costs
#
# The lwIP firmware is tools/bench/lwip/main.c (the counterpart of
# apps/echo/size_stack.c, or with --tcp of
# transport/tcp/bench/size_stack_tcp.c) with lwipopts.h and arch/cc.h from
# the same folder, compiled like tern's board build for the micro:bit
# (toolchains/arm/cc_toolchain_config.bzl plus -c opt's -DNDEBUG) and linked
# with tern's micro:bit linker script, --gc-sections and newlib-nano. Text
# is counted from the linker map as tern's size report counts it (.text,
# .rodata and .ARM.exidx input sections; platforms/size_report.py, which
# also checks its totals against the ELF). The results and what they mean
# are in docs/size-history.md ("Compared with lwIP") and, for --tcp, in
# transport/tcp/bench/README.md ("Code size on Cortex-M0").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
bench="$here/lwip"

lwip_src=""
work="${TMPDIR:-/tmp}/tern-lwip-size"
run_tern=1
tcp=0
v4=""
defines=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tcp) tcp=1; shift ;;
    --ipv4-only) v4=_v4; shift ;;
    --lwip-src) lwip_src=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --no-tern) run_tern=0; shift ;;
    -D*) defines+=("$1"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "lwip_size.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$work"
work=$(cd "$work" && pwd)
if [ "$tcp" -eq 1 ]; then
  # The firmware's switch; the user's -D come after it.
  defines=(-DTERN_BENCH_TCP=1 "${defines[@]}")
  name=lwip_m0_tcp
  tern_target=//transport/tcp/bench:size_stack_tcp${v4}_m0_size
else
  name=lwip_m0
  tern_target=//apps/echo:size_eth${v4}_m0_size
fi

# ---- lwIP's source (tools/bench/lwip_source.sh) -------------------------
tool=lwip_size.sh
. "$here/lwip_source.sh"

# ---- The toolchain and flags: tern's board build ---------------------------
gcc_version=$(arm-none-eabi-gcc -dumpversion)
case "$gcc_version" in
  12.2.*) ;;
  *) echo "lwip_size.sh: warning: arm-none-eabi-gcc $gcc_version, tern's figures are from 12.2" >&2 ;;
esac
# toolchains/arm/cc_toolchain_config.bzl (cortex_m0) and -c opt.
arch=(-mcpu=cortex-m0 -mthumb)
cflags=("${arch[@]}" -Os -g -ffunction-sections -fdata-sections -fno-common
  -Wno-builtin-macro-redefined '-D__DATE__="redacted"'
  '-D__TIMESTAMP__="redacted"' '-D__TIME__="redacted"' -std=gnu11 -DNDEBUG)
# shellcheck disable=SC2054 # -Wl,a,b is one argument
ldflags=("${arch[@]}" --specs=nano.specs --specs=nosys.specs -nostartfiles
  -Wl,--gc-sections -Wl,--no-warn-rwx-segments
  -T "$top/platforms/microbit/linker.ld" "-L$top/platforms/cortex_m"
  -Wl,-e,bench_reset_handler)
includes=(-I "$bench" -I "$lwip_src/src/include")

# lwIP's core, its IPv4 files and its Ethernet netif: Filelists.mk's
# COREFILES and CORE4FILES plus netif/ethernet.c. Files an option turns
# off compile to nothing; --gc-sections keeps what main() reaches.
core=(init def dns inet_chksum ip mem memp netif pbuf raw stats sys altcp
  altcp_alloc altcp_tcp tcp tcp_in tcp_out timeouts udp)
core4=(autoip dhcp etharp icmp igmp ip4_frag ip4 ip4_addr)
srcs=()
for f in "${core[@]}"; do srcs+=("$lwip_src/src/core/$f.c"); done
for f in "${core4[@]}"; do srcs+=("$lwip_src/src/core/ipv4/$f.c"); done
srcs+=("$lwip_src/src/netif/ethernet.c")

obj="$work/obj_$name"
rm -rf "$obj"
mkdir -p "$obj"
objs=()
for src in "${srcs[@]}"; do
  o="$obj/$(basename "${src%.c}").o"
  arm-none-eabi-gcc "${cflags[@]}" "${defines[@]}" "${includes[@]}" \
    -c "$src" -o "$o"
  objs+=("$o")
done
# The firmware's own file: held to tern's warning flags.
arm-none-eabi-gcc "${cflags[@]}" "${defines[@]}" -Wall -Wextra -Werror \
  "${includes[@]}" -c "$bench/main.c" -o "$obj/main.o"
elf="$work/$name.elf"
map="$work/$name.map"
arm-none-eabi-gcc "${ldflags[@]}" "$obj/main.o" "${objs[@]}" \
  -o "$elf" "-Wl,-Map=$map"

# ---- The report --------------------------------------------------------------
echo "== lwIP 2.1.3 ($lwip_src), arm-none-eabi-gcc $gcc_version, Cortex-M0 -Os"
[ "$tcp" -eq 0 ] || echo "== the TCP firmware (-DTERN_BENCH_TCP=1)"
[ ${#defines[@]} -eq "$tcp" ] || echo "== options overridden: ${defines[*]:$tcp}"
echo "== $elf"
arm-none-eabi-size "$elf"
echo
echo "-- the whole firmware by object, as tern's size report counts it:"
/usr/bin/python3 "$top/platforms/size_report.py" "$map" --elf "$elf"
echo

# Groups, with netif.c split by function: its address and loopback
# functions are IP layer (tern's IP core and IPv4 hold interfaces'
# addresses and loopback), the rest (adding an interface, up/down, link
# state and their callbacks) is the interface plumbing that goes with
# pbufs, memory and timers.
/usr/bin/python3 - "$map" "$top/platforms" <<'EOF'
import re
import sys
from collections import defaultdict

sys.path.insert(0, sys.argv[2])
from size_report import placed_sections

# What counts where (lwIP's files by the objects' names). The TCP objects
# are empty unless LWIP_TCP is 1.
PROTOCOL = ["etharp.o", "ethernet.o", "ip4.o", "ip4_addr.o", "icmp.o",
            "udp.o", "tcp.o", "tcp_in.o", "tcp_out.o", "inet_chksum.o",
            "ip.o"]
SUPPORT = ["pbuf.o", "mem.o", "memp.o", "netif.o", "init.o", "def.o",
           "timeouts.o"]
NETIF_IP = re.compile(r"^netif_(set_addr|set_ipaddr|set_netmask|set_gw|"
                      r"do_set_\w+|do_ip_addr_changed|issue_reports|"
                      r"loop_output\w*|poll|ip4_addr_changed)$")

per = defaultdict(lambda: {"text": 0, "data": 0, "bss": 0})
netif_fn = defaultdict(int)
with open(sys.argv[1]) as f:
    for kind, sec, size, path in placed_sections(f):
        # lwIP's and main's objects only: the toolchain's are archive members.
        if not path.startswith("/") or "(" in path:
            continue
        o = path.rsplit("/", 1)[-1]
        per[o][kind] += size
        if o == "netif.o" and kind == "text":
            # .text.netif_x.isra.0 -> netif_x (gcc's clones keep the name)
            fn = re.sub(r"\.(isra|part|constprop)\.\d+$", "",
                        sec.split(".", 2)[-1])
            netif_fn[fn] += size

lwip = [o for o in per if o != "main.o" and per[o]["text"] + per[o]["data"]
        + per[o]["bss"]]
unknown = sorted(set(lwip) - set(PROTOCOL) - set(SUPPORT))

netif_ip = sum(s for f, s in netif_fn.items() if NETIF_IP.match(f))
netif_rest = per["netif.o"]["text"] - netif_ip

print("-- lwIP's objects (text data bss):")
for o in PROTOCOL + SUPPORT + unknown:
    if o in per:
        print("  %-16s %6d %6d %6d" % (o, per[o]["text"], per[o]["data"],
                                       per[o]["bss"]))
print("-- netif.c by function (text); * = counted as IP layer:")
for f, s in sorted(netif_fn.items(), key=lambda x: -x[1]):
    print("  %s %-28s %5d" % ("*" if NETIF_IP.match(f) else " ", f, s))
proto = sum(per[o]["text"] for o in PROTOCOL) + netif_ip
allin = sum(per[o]["text"] for o in lwip)
print()
print("group lwIP protocol (%s + netif.c's IP-layer functions): "
      "text %d bytes" % (" + ".join(o for o in PROTOCOL if o in lwip), proto))
print("group lwIP protocol, all of netif.c counted: text %d bytes"
      % (proto + netif_rest))
print("group lwIP all-in (every lwIP object; %s): text %d bytes, data %d, "
      "bss %d" % (" + ".join(o for o in SUPPORT + unknown if o in lwip),
                  allin, sum(per[o]["data"] for o in lwip),
                  sum(per[o]["bss"] for o in lwip)))
if unknown:
    print("note: objects in no group: %s" % ", ".join(unknown))
# The layers for the side-by-side table, in the order the shell reads them.
t = lambda *objs: sum(per[o]["text"] for o in objs)
layers = {
    "l_link": t("etharp.o", "ethernet.o"),
    "l_ip": t("ip4.o", "ip4_addr.o", "icmp.o", "ip.o") + netif_ip,
    "l_udp": t("udp.o"),
    "l_tcp": t("tcp.o", "tcp_in.o", "tcp_out.o"),
    "l_sum": t("inet_chksum.o"),
    "l_proto": proto,
    "l_netif_rest": netif_rest,
    "l_support": allin - proto,
    "l_all": allin,
}
with open(sys.argv[1] + ".groups", "w") as f:
    f.write(" ".join(str(v) for v in layers.values()) + "\n")
EOF

# lwIP's per-connection state with these options, as the compiler lays it
# out for this core: arrays of each struct's size, read back by nm.
if [ "$tcp" -eq 1 ]; then
  printf '%s\n' '#include "lwip/priv/tcp_priv.h"' \
    'char bench_tcp_pcb[sizeof(struct tcp_pcb)];' \
    'char bench_tcp_pcb_listen[sizeof(struct tcp_pcb_listen)];' \
    'char bench_tcp_seg[sizeof(struct tcp_seg)];' >"$obj/sizes.c"
  arm-none-eabi-gcc "${cflags[@]}" "${defines[@]}" "${includes[@]}" \
    -c "$obj/sizes.c" -o "$obj/sizes.o"
  echo
  echo "-- lwIP's structures with these options (bytes, Cortex-M0):"
  arm-none-eabi-nm -S -t d "$obj/sizes.o" |
    awk '$4 ~ /^bench_/ { sub(/^bench_/, "", $4); printf "  sizeof(struct %s) %d\n", $4, $2 + 0 }'
fi

[ "$run_tern" -eq 1 ] || exit 0

# ---- tern's side: the same firmware on tern ----------------------------------
echo
echo "== tern: bazel run $tern_target"
tern_report="$work/tern_$name.txt"
if ! (cd "$top" && bazel run "$tern_target") >"$tern_report" 2>"$work/bazel.log"; then
  cat "$work/bazel.log" >&2
  exit 1
fi
cat "$tern_report"
read -r l_link l_ip l_udp l_tcp l_sum l_proto l_netif_rest l_support l_all <"$map.groups"
text_of() {
  local sum=0 lib
  for lib in "$@"; do
    sum=$((sum + $(awk -v lib="$lib" '$1 == lib { t = $2 } END { print t + 0 }' "$tern_report")))
  done
  echo "$sum"
}
t_proto=$(sed -n 's/^group protocol layers: text \([0-9]*\) bytes.*/\1/p' "$tern_report")
t_link=$(text_of link/ethernet/libethernet.a link/ethernet/libwire.a link/neighbour/libneighbour.a)
t_ip=$(text_of ip/core/libcore.a ip/core/libsiphash.a ip/ipv4/libipv4.a ip/ipv4/libwire.a)
t_udp=$(text_of transport/udp/libudp.a transport/udp/libwire.a)
t_tcp=0
if [ "$tcp" -eq 1 ]; then
  t_tcp=$(sed -n 's/^group tcp: text \([0-9]*\) bytes.*/\1/p' "$tern_report")
fi
t_sum=$(text_of ip/checksum/libchecksum.a)
t_pkt=$(text_of executor/io/libpkt.a)
t_exec=$(text_of platforms/cortex_m/libexecutor.lo executor/libcore.a)
t_support=$((t_pkt + t_exec))
t_all=$((t_proto + t_support))
if [ $((t_link + t_ip + t_udp + t_tcp + t_sum)) -ne "$t_proto" ]; then
  echo "lwip_size.sh: tern's protocol layers group is not link + IP + UDP + TCP + checksum: a library was added; update this script" >&2
  exit 1
fi
if [ "$tcp" -eq 1 ]; then
  t_stack=$(sed -n 's/^group stack: text \([0-9]*\) bytes.*/\1/p' "$tern_report")
  if [ "$t_all" -ne "$t_stack" ]; then
    echo "lwip_size.sh: tern's protocol layers + packets + executor ($t_all) is not its \"stack\" group ($t_stack); update this script" >&2
    exit 1
  fi
fi
# A TCP row when either side has TCP (-DLWIP_TCP=1 alone gives lwIP's).
tcp_row=""
if [ "$l_tcp" -ne 0 ] || [ "$t_tcp" -ne 0 ]; then
  tcp_row="| TCP (lwIP: tcp, tcp_in, tcp_out; tern: transport/tcp's libraries, the report's \"tcp\" group) | $l_tcp | $t_tcp |"
fi

cat <<EOF

== side by side: text in bytes, Cortex-M0, arm-none-eabi-gcc $gcc_version -Os
| | lwIP 2.1.3 | tern |
|---|---|---|
| Ethernet + ARP (lwIP: etharp, ethernet; tern: link/ethernet, link/neighbour) | $l_link | $t_link |
| IPv4 + ICMP (lwIP: ip4, ip4_addr, icmp, ip, netif.c's address and loopback functions; tern: ip/core, siphash, ip/ipv4 and its wire library) | $l_ip | $t_ip |
| UDP (lwIP: udp; tern: transport/udp and its wire library) | $l_udp | $t_udp |
${tcp_row:+$tcp_row
}| checksum (lwIP: inet_chksum; tern: ip/checksum) | $l_sum | $t_sum |
| **protocol code** (tern: the "protocol layers" group) | **$l_proto** | **$t_proto** |
| buffers, memory, timers, the rest of netif.c (lwIP: pbuf, mem, memp, netif $l_netif_rest, init, def, timeouts; tern: executor/io/libpkt.a $t_pkt, the executor $t_exec) | $l_support | $t_support |
| **all-in** | **$l_all** | **$t_all** |
EOF
