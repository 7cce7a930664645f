/* A pcap writer as a netdev adapter: wraps any tern_netdev and records
 * every packet that passes through it, received and sent, to a capture
 * file that Wireshark, tshark and tcpdump open.
 *
 *   static tern_pcap cap;
 *   static uint8_t cap_scratch[1514];   // a copy of each packet being sent
 *   int fd = open("tap.pcap", O_WRONLY | O_CREAT | O_TRUNC, 0644);
 *   tern_pcap_init(&cap, tap_dev, fd, cap_scratch, sizeof cap_scratch);
 *   tern_netdev dev = tern_pcap_netdev(&cap);   // use instead of tap_dev
 *
 * The file is the classic libpcap format: a 24-byte header (magic
 * 0xa1b2c3d4 in the host's byte order, version 2.4, snaplen 65535, link
 * type 1 (Ethernet) for TERN_MEDIUM_ETHERNET devices or 101 (raw IP,
 * IPv4 or IPv6) for TERN_MEDIUM_IP) and one record per packet: a 16-byte
 * header (seconds, microseconds, captured length, original length) and
 * the bytes. Timestamps come from CLOCK_REALTIME unless the caller sets a
 * clock (tern_pcap_set_clock).
 *
 * What is recorded:
 *  - a received packet, when the lower device hands it up (READY, err 0);
 *  - a sent packet, only when the lower device accepted it (READY, err 0):
 *    not when it refused it or made the caller wait. Since an accepted
 *    packet belongs to the device (which may free it at once), the
 *    adapter copies the packet into the caller's scratch buffer before
 *    passing it down and writes the record from the copy. A packet longer
 *    than the scratch buffer is recorded cut to its size (captured length
 *    below the original length, which pcap readers show as such).
 * Everything else passes through unchanged: info (MTU, headroom, medium,
 * flags, address), statistics (the lower device's), events (poll_event),
 * set_addr, mcast, the packets themselves (link_cast and the next hop at
 * the buffer's front included) and ownership. A lower device without
 * poll_event, set_addr or mcast behaves through the recorder as it does
 * alone (tern/netdev.h's wrappers).
 *
 * Host only: records go out with write(2) on a descriptor the caller
 * opened (a file; blocking, so records are written whole). A failed write
 * is counted (tern_pcap_stats.write_errors) and never affects traffic.
 * Heap-free: the adapter and scratch buffer are caller storage. */
#ifndef TERN_PCAP_H
#define TERN_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "tern/netdev.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pcap link types (the LINKTYPE_ registry). */
#define TERN_PCAP_LINKTYPE_ETHERNET 1u
#define TERN_PCAP_LINKTYPE_RAW 101u

/* Sizes of the file header and of a record header. */
#define TERN_PCAP_FILE_HEADER_LEN 24u
#define TERN_PCAP_RECORD_HEADER_LEN 16u

/* The snapshot length written in the file header: larger than any packet
 * a tern_pkt can hold. */
#define TERN_PCAP_SNAPLEN 65535u

/* A clock for timestamps: seconds and microseconds (0..999999) since the
 * Unix epoch, or any origin a test likes. */
typedef void (*tern_pcap_clock_fn)(void *ctx, uint32_t *sec, uint32_t *usec);

/* The adapter's own counters. */
typedef struct tern_pcap_stats {
  uint32_t records;      /* records written whole */
  uint32_t rx_records;   /* of which received packets */
  uint32_t tx_records;   /* of which sent packets */
  uint32_t truncated;    /* sent packets cut to the scratch buffer */
  uint32_t write_errors; /* records that could not be written */
} tern_pcap_stats;

/* Caller storage; fields are private. */
typedef struct tern_pcap {
  tern_netdev lower;
  int fd;
  uint32_t linktype;
  uint8_t *scratch;
  size_t scratch_len;
  tern_pcap_clock_fn clock;
  void *clock_ctx;
  tern_pcap_stats stats;
  int os_errno; /* errno of the last failed write */
} tern_pcap;

/* Wraps `lower` and writes the file header to fd. scratch (scratch_len
 * bytes, the lower device's MTU to record sent packets whole; may be NULL
 * with 0) holds the copy of each packet being sent. Returns 0, or
 * TERN_EINVAL (cap NULL, fd negative, scratch NULL with a length),
 * TERN_ENOTSUP (the lower device's medium is neither Ethernet nor IP) or
 * TERN_EIO (the header could not be written; cap->os_errno says why). */
int tern_pcap_init(tern_pcap *cap, tern_netdev lower, int fd, uint8_t *scratch,
                   size_t scratch_len);

/* Replaces the timestamp clock (NULL restores CLOCK_REALTIME). */
void tern_pcap_set_clock(tern_pcap *cap, tern_pcap_clock_fn clock, void *ctx);

/* The adapter as a netdev: use it wherever the lower device was used. */
tern_netdev tern_pcap_netdev(tern_pcap *cap);

/* The adapter's counters. */
const tern_pcap_stats *tern_pcap_get_stats(const tern_pcap *cap);

#ifdef __cplusplus
}
#endif

#endif /* TERN_PCAP_H */
