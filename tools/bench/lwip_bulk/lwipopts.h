/* lwIP 2.1.3 options for tools/bench/lwip_bulk.sh: the counterpart of
 * tern's transport/tcp/bench/tcp_bulk_bench.c. IPv4 + TCP over two netifs
 * of IP packets (no Ethernet, as tern's memory netdev pair carries IP
 * packets), NO_SYS=1 with the raw TCP API, MSS 1460, 64 KB windows each
 * way with window scaling (shift 1, as tern's 64 KB ring gets), every
 * checksum computed and checked in software, no statistics. Memory is
 * sized so that the transfer never waits for a buffer.
 *
 * Benchmark only: neither lwIP nor this file is part of tern's build. */
#ifndef TERN_BENCH_LWIP_BULK_LWIPOPTS_H
#define TERN_BENCH_LWIP_BULK_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_TIMERS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* one thread, no interrupts */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

/* Memory: lwIP's heap over a static array and static pools. The heap
 * holds the copies tcp_write makes (TCP_WRITE_FLAG_COPY, like tern's send
 * ring) for a 64 KB send buffer; the pool holds what the memory link
 * delivers (one 1,536-byte pbuf a packet). */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
#define MEM_SIZE (256 * 1024)
#define PBUF_POOL_SIZE 192
#define PBUF_POOL_BUFSIZE 1536
/* PBUF_ROM pbufs: bulk.c --zero-copy's tcp_write without the copy flag
 * takes one for each segment it queues (up to 64 KB of 1,460-byte
 * segments); the copying mode uses none. */
#define MEMP_NUM_PBUF 128
#define MEMP_NUM_TCP_PCB 4
#define MEMP_NUM_TCP_PCB_LISTEN 2
#define MEMP_NUM_TCP_SEG 256
#define MEMP_NUM_UDP_PCB 1
#define MEMP_NUM_SYS_TIMEOUT 8

/* IPv4 on two interfaces of IP packets; a packet goes out of the interface
 * whose address is its source (bulk.c's bench_route), as each of tern's
 * two stacks has its own interface. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define IP_FORWARD 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define IP_DEFAULT_TTL 64
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
struct netif;
struct ip4_addr;
struct netif *bench_route(const struct ip4_addr *src,
                          const struct ip4_addr *dest);
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) bench_route(src, dest)

/* TCP: MSS 1460, 64 KB windows (TCP_WND 65536 with a receive scale of
 * 1), a 64 KB send buffer. Timestamps and SACK are lwIP's defaults
 * (off). */
#define LWIP_TCP 1
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 1
#define TCP_WND 65536
#define TCP_SND_BUF 65536
#define TCP_SND_QUEUELEN 256
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_TIMESTAMPS 0
#define LWIP_CALLBACK_API 1

/* Checksums: all in software, generated and checked (tern computes and
 * checks every one); lwIP's default algorithm; no checksum-on-copy
 * (lwIP's default; tern has none). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define LWIP_CHECKSUM_ON_COPY 0

/* No statistics, no debug output (favours lwIP: tern counts its drops). */
#define LWIP_STATS 0
#define MIB2_STATS 0
#define LWIP_PERF 0

#endif
