/* lwIP 2.1.3 options for tools/bench/lwip_size.sh: the stack tern's
 * Ethernet size firmware (apps/echo/size_stack.c with TERN_SIZE_ETHERNET)
 * links, as close as lwIP's options get: Ethernet + ARP with queueing,
 * IPv4 + ICMP + UDP, software checksums, NO_SYS=1, nothing else; with
 * TERN_BENCH_TCP=1 (the script's --tcp) also TCP with every option that
 * has a counterpart in tern's TCP, for the counterpart of
 * transport/tcp/bench/size_stack_tcp.c ("TCP" below). Each
 * option says why it has its value; the ones that move the size most are
 * marked [size] with what the other value changes in the text of all
 * lwIP's objects (measured with the script's -D; docs/size-history.md).
 * Every option is #ifndef-guarded so that one can be varied from the
 * command line (`tools/bench/lwip_size.sh -DLWIP_NETIF_LOOPBACK=0`)
 * without editing this file.
 *
 * Benchmark only: neither lwIP nor this file is part of tern's build. */
#ifndef TERN_BENCH_LWIPOPTS_H
#define TERN_BENCH_LWIPOPTS_H

/* 1: the TCP echo firmware (main.c's TCP echo, lwIP's TCP with the
 * options below); 0: the UDP echo firmware alone. */
#ifndef TERN_BENCH_TCP
#define TERN_BENCH_TCP 0
#endif

/* ---- System: bare metal, one main loop ---------------------------------
 * NO_SYS=1: no threads, no tcpip_thread, no mailboxes; the application
 * calls the stack from its main loop (the raw/callback API), as tern's
 * tasks run on one executor. [size: the threaded API, not measured] */
#ifndef NO_SYS
#define NO_SYS 1
#endif
/* lwIP's own timer list (timeouts.c, sys_check_timeouts): it runs
 * etharp_tmr every second. tern's ARP timers run on its executor's timer
 * queue, so the comparison counts timeouts.c on lwIP's side as tern counts
 * its executor. */
#ifndef LWIP_TIMERS
#define LWIP_TIMERS 1
#endif
/* Buffers are allocated and freed with interrupts masked (PRIMASK, in
 * main.c): tern's packet pool does the same (tern_port_critical_enter). */
#ifndef SYS_LIGHTWEIGHT_PROT
#define SYS_LIGHTWEIGHT_PROT 1
#endif
/* No sequential or socket API: both need NO_SYS=0. tern's UDP sockets are
 * its own async API (transport/udp), compared with lwIP's raw udp_pcb. */
#ifndef LWIP_NETCONN
#define LWIP_NETCONN 0
#endif
#ifndef LWIP_SOCKET
#define LWIP_SOCKET 0
#endif

/* ---- Memory: static pools, no malloc -----------------------------------
 * lwIP's own heap (mem.c) over a static array, and static pools (memp.c):
 * no libc malloc, as tern has no heap. The sizes are RAM, not text; they
 * follow the size firmware's: 4 packets of 600 bytes. */
#ifndef MEM_LIBC_MALLOC
#define MEM_LIBC_MALLOC 0
#endif
#ifndef MEMP_MEM_MALLOC
#define MEMP_MEM_MALLOC 0
#endif
#ifndef MEM_ALIGNMENT
#define MEM_ALIGNMENT 4 /* 32-bit core: word-aligned buffers */
#endif
/* The heap gives PBUF_RAM buffers: ARP requests, the copies ARP queueing
 * makes of packets waiting for a MAC, ICMP and UDP headers that do not
 * fit in front of a datagram; lwIP's default size. With TCP also the
 * segments tcp_write copies data into (its send buffer, TCP_SND_BUF,
 * with their headers) and its empty ACKs: 1,600 more. */
#ifndef MEM_SIZE
#define MEM_SIZE (1600 + TERN_BENCH_TCP * 1600)
#endif
/* Received frames: 4 pool buffers of 600 bytes (tern: 4 x 600). */
#ifndef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE 4
#endif
#ifndef PBUF_POOL_BUFSIZE
#define PBUF_POOL_BUFSIZE 600
#endif
/* PBUF_REF/PBUF_ROM headers (ARP queueing references such pbufs instead
 * of copying them; the echo never makes one). */
#ifndef MEMP_NUM_PBUF
#define MEMP_NUM_PBUF 2
#endif
/* One UDP pcb: the echo's (tern's firmware binds one socket). */
#ifndef MEMP_NUM_UDP_PCB
#define MEMP_NUM_UDP_PCB 1
#endif
/* Packets waiting for ARP, all entries together: tern holds at most
 * TERN_ETH_HOLD_MAX (4) for all neighbours. */
#ifndef MEMP_NUM_ARP_QUEUE
#define MEMP_NUM_ARP_QUEUE 4
#endif

/* ---- Link: Ethernet and ARP --------------------------------------------
 * ARP over Ethernet (etharp.c, ethernet.c), as tern's link/ethernet. */
#ifndef LWIP_ARP
#define LWIP_ARP 1
#endif
#ifndef LWIP_ETHERNET
#define LWIP_ETHERNET 1
#endif
/* 4 entries: the size firmware's neighbour cache has 4. */
#ifndef ARP_TABLE_SIZE
#define ARP_TABLE_SIZE 4
#endif
/* Packets sent while their next hop's MAC is unknown are queued, not
 * dropped: tern holds them too (RFC 1122 2.3.2.2). Off, lwIP keeps only
 * the latest one per entry. [size: off, -96] */
#ifndef ARP_QUEUEING
#define ARP_QUEUEING 1
#endif
/* At most 4 queued per entry (tern: 4 for all of them). */
#ifndef ARP_QUEUE_LEN
#define ARP_QUEUE_LEN 4
#endif
/* No static ARP entries, no 802.1Q, no padding in front of the Ethernet
 * header: tern has none of them. */
#ifndef ETHARP_SUPPORT_STATIC_ENTRIES
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#endif
#ifndef ETHARP_SUPPORT_VLAN
#define ETHARP_SUPPORT_VLAN 0
#endif
#ifndef ETH_PAD_SIZE
#define ETH_PAD_SIZE 0
#endif

/* ---- Interfaces ---------------------------------------------------------
 * Several interfaces, as tern's IP core has (tern_ip_iface_add); with
 * LWIP_SINGLE_NETIF=1 lwIP would drop its interface list and routing
 * loop. [size: 1, -278] */
#ifndef LWIP_SINGLE_NETIF
#define LWIP_SINGLE_NETIF 0
#endif
/* Link state and its callbacks: tern's devices report link up/down and
 * the IP core and Ethernet act on them (announcements, flushes, senders
 * told TERN_ENETDOWN). */
#ifndef LWIP_NETIF_LINK_CALLBACK
#define LWIP_NETIF_LINK_CALLBACK 1
#endif
#ifndef LWIP_NETIF_STATUS_CALLBACK
#define LWIP_NETIF_STATUS_CALLBACK 1
#endif
/* Datagrams to one of our own addresses come back up the stack: tern's IP
 * core loops them back. No 127.0.0.1 interface (tern has none).
 * [size: off, -248] */
#ifndef LWIP_NETIF_LOOPBACK
#define LWIP_NETIF_LOOPBACK 1
#endif
#ifndef LWIP_HAVE_LOOPIF
#define LWIP_HAVE_LOOPIF 0
#endif
#ifndef LWIP_NETIF_HOSTNAME
#define LWIP_NETIF_HOSTNAME 0
#endif
#ifndef LWIP_NETIF_API
#define LWIP_NETIF_API 0
#endif

/* ---- IPv4 and ICMP ------------------------------------------------------ */
#ifndef LWIP_IPV4
#define LWIP_IPV4 1
#endif
/* A host: no forwarding (tern: "hosts do not forward"). */
#ifndef IP_FORWARD
#define IP_FORWARD 0
#endif
/* No reassembly and no fragmentation: tern has neither yet (reassembly is
 * planned). lwIP's defaults are 1 and 1. [size: on, +2,176] */
#ifndef IP_REASSEMBLY
#define IP_REASSEMBLY 0
#endif
#ifndef IP_FRAG
#define IP_FRAG 0
#endif
/* lwIP's default: options are accepted (skipped). tern skips them too. */
#ifndef IP_OPTIONS_ALLOWED
#define IP_OPTIONS_ALLOWED 1
#endif
/* TTL 64, as tern (TERN_IPV4_DEFAULT_TTL) and Linux send; no size effect. */
#ifndef IP_DEFAULT_TTL
#define IP_DEFAULT_TTL 64
#endif
/* ICMP: echo replies, and port unreachables from UDP (tern sends both;
 * tern's are rate-limited, lwIP's are not). */
#ifndef LWIP_ICMP
#define LWIP_ICMP 1
#endif
/* Pings to broadcast or multicast addresses are not answered (tern
 * neither; both are lwIP's defaults). */
#ifndef LWIP_BROADCAST_PING
#define LWIP_BROADCAST_PING 0
#endif
#ifndef LWIP_MULTICAST_PING
#define LWIP_MULTICAST_PING 0
#endif

/* ---- UDP ------------------------------------------------------------------
 * UDP with lwIP's udp_pcb (bind, connect, sendto, receive callback); no
 * UDP-Lite. */
#ifndef LWIP_UDP
#define LWIP_UDP 1
#endif
#ifndef LWIP_UDPLITE
#define LWIP_UDPLITE 0
#endif

/* ---- Checksums: all in software, generated and checked ------------------
 * tern computes and checks every checksum itself (no offload). lwIP's
 * default algorithm (2: 16-bit loop with an odd-start fix). */
#ifndef LWIP_CHECKSUM_CTRL_PER_NETIF
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#endif
#ifndef CHECKSUM_GEN_IP
#define CHECKSUM_GEN_IP 1
#endif
#ifndef CHECKSUM_GEN_UDP
#define CHECKSUM_GEN_UDP 1
#endif
#ifndef CHECKSUM_GEN_ICMP
#define CHECKSUM_GEN_ICMP 1
#endif
#ifndef CHECKSUM_CHECK_IP
#define CHECKSUM_CHECK_IP 1
#endif
#ifndef CHECKSUM_CHECK_UDP
#define CHECKSUM_CHECK_UDP 1
#endif
#ifndef CHECKSUM_CHECK_ICMP
#define CHECKSUM_CHECK_ICMP 1
#endif
#ifndef LWIP_CHECKSUM_ON_COPY
#define LWIP_CHECKSUM_ON_COPY 0
#endif

/* ---- TCP (TERN_BENCH_TCP=1) -----------------------------------------------
 * Off for the UDP echo firmware (apps/echo's Ethernet size firmware has
 * no TCP); on for the counterpart of transport/tcp/bench/size_stack_tcp.c,
 * with every option lwIP 2.1.3 has for a feature tern's TCP has (window
 * scale, timestamps, SACK blocks sent, a listen backlog, keepalive,
 * out-of-order segments kept within a bound). What tern's TCP has and
 * lwIP has no option for is in transport/tcp/bench/README.md. The
 * options below act only when LWIP_TCP is 1; their [size] figures are
 * the text of all lwIP's objects in the --tcp firmware (22,668 with
 * them all on; every marked option off together, -2,288). */
#ifndef LWIP_TCP
#define LWIP_TCP TERN_BENCH_TCP
#endif
/* The MSS a 600-byte frame carries (586 - 40): tern announces its route's
 * MTU less the headers. */
#ifndef TCP_MSS
#define TCP_MSS 546
#endif
/* Windows and send buffer of two segments (lwIP's sanity checks want at
 * least that much; tern's firmware has 512-byte rings). RAM, not text. */
#ifndef TCP_WND
#define TCP_WND (2 * TCP_MSS)
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF (2 * TCP_MSS)
#endif
/* TCP_SND_QUEUELEN stays lwIP's formula (8 here); its sanity check wants
 * as many tcp_seg. */
#ifndef MEMP_NUM_TCP_SEG
#define MEMP_NUM_TCP_SEG 8
#endif
/* Two connections and one listener: tern's firmware gives its listener
 * two connection slots. */
#ifndef MEMP_NUM_TCP_PCB
#define MEMP_NUM_TCP_PCB 2
#endif
#ifndef MEMP_NUM_TCP_PCB_LISTEN
#define MEMP_NUM_TCP_PCB_LISTEN 1
#endif
/* A listen backlog (tcp_listen_with_backlog): tern's listener has one.
 * [size: off, -114] */
#ifndef TCP_LISTEN_BACKLOG
#define TCP_LISTEN_BACKLOG 1
#endif
/* RFC 7323 window scale: tern always offers it, with the shift its
 * receive ring needs (0 for 512 bytes); lwIP's TCP_RCV_SCALE is that
 * shift (1 measures the same). [size: off, -372] */
#ifndef LWIP_WND_SCALE
#define LWIP_WND_SCALE 1
#endif
#ifndef TCP_RCV_SCALE
#define TCP_RCV_SCALE 0
#endif
/* RFC 7323 timestamps: tern sends them and uses them (RTT, PAWS); lwIP
 * only echoes them back (opt.h: "not really used locally").
 * [size: off, -416] */
#ifndef LWIP_TCP_TIMESTAMPS
#define LWIP_TCP_TIMESTAMPS 1
#endif
/* SACK-permitted and SACK blocks sent for held out-of-order data (RFC
 * 2018), 4 ranges as tern's receive ring holds; lwIP does not use the
 * peer's blocks (there is no LWIP_TCP_SACK_IN). [size: off, -1,228] */
#ifndef LWIP_TCP_SACK_OUT
#define LWIP_TCP_SACK_OUT 1
#endif
#ifndef LWIP_TCP_MAX_SACK_NUM
#define LWIP_TCP_MAX_SACK_NUM 4
#endif
/* Out-of-order segments kept, within a bound: tern holds them in the
 * receive ring, never more than it, at most 4 ranges; lwIP's closest
 * bounds are bytes (the window) and pbufs (4) per connection. (SACK
 * blocks need TCP_QUEUE_OOSEQ.) [size: both bounds off, -232] */
#ifndef TCP_QUEUE_OOSEQ
#define TCP_QUEUE_OOSEQ 1
#endif
#ifndef TCP_OOSEQ_MAX_BYTES
#define TCP_OOSEQ_MAX_BYTES TCP_WND
#endif
#ifndef TCP_OOSEQ_MAX_PBUFS
#define TCP_OOSEQ_MAX_PBUFS 4
#endif
/* Keepalive with its idle time, interval and count per connection
 * (tern_tcp_set_keepalive; lwIP's keepalive itself is always in, this
 * adds the per-connection values). [size: off, -32] */
#ifndef LWIP_TCP_KEEPALIVE
#define LWIP_TCP_KEEPALIVE 1
#endif
/* The MSS bounded by the route's MTU (lwIP's default, as tern). */
#ifndef TCP_CALCULATE_EFF_SEND_MSS
#define TCP_CALCULATE_EFF_SEND_MSS 1
#endif
/* Every TCP checksum computed and checked (lwIP's defaults, as tern). */
#ifndef CHECKSUM_GEN_TCP
#define CHECKSUM_GEN_TCP 1
#endif
#ifndef CHECKSUM_CHECK_TCP
#define CHECKSUM_CHECK_TCP 1
#endif
/* The raw API's callbacks (lwIP's default), no altcp layer, no extra
 * per-connection arguments. LWIP_HOOK_TCP_ISN is not defined: lwIP's ISN
 * is its own counter (RFC 6528's hash is a hook lwIP's source leaves to
 * the port). */
#ifndef LWIP_CALLBACK_API
#define LWIP_CALLBACK_API 1
#endif
#ifndef LWIP_ALTCP
#define LWIP_ALTCP 0
#endif
#ifndef LWIP_TCP_PCB_NUM_EXT_ARGS
#define LWIP_TCP_PCB_NUM_EXT_ARGS 0
#endif

/* ---- Everything tern's echo firmware does not have ---------------------- */
#ifndef LWIP_RAW
#define LWIP_RAW 0 /* no raw IP pcbs */
#endif
#ifndef LWIP_DHCP
#define LWIP_DHCP 0 /* a static address, as the firmware's */
#endif
#ifndef LWIP_AUTOIP
#define LWIP_AUTOIP 0
#endif
#ifndef LWIP_IGMP
#define LWIP_IGMP 0 /* no multicast groups (tern's firmware joins none) */
#endif
#ifndef LWIP_DNS
#define LWIP_DNS 0
#endif
#ifndef LWIP_IPV6
#define LWIP_IPV6 0
#endif
#ifndef PPP_SUPPORT
#define PPP_SUPPORT 0
#endif

/* ---- No statistics, no debug output ---------------------------------------
 * LWIP_STATS=0 drops lwIP's counters. tern keeps its per-layer drop
 * counters in the release build, so this favours lwIP. [size: on, +838;
 * in the --tcp firmware +1,138] */
#ifndef LWIP_STATS
#define LWIP_STATS 0
#endif
#ifndef MIB2_STATS
#define MIB2_STATS 0
#endif
#ifndef LWIP_PERF
#define LWIP_PERF 0
#endif
/* LWIP_DEBUG is not defined: no debug messages. */

#endif
