/* ICMPv4 (RFC 792, RFC 1122 3.2.2): echo replies, rate-limited
 * destination unreachables, and the errors that come back about our own
 * datagrams, passed to their transport. Answers are built in the received
 * packet (no pool packet is taken) with the wire library's emitters. */
#include <string.h>

#include "ipv4_internal.h"
#include "tern/bytes.h"
#include "tern/timer.h"

/* Linux sends ICMP errors with precedence "internetwork control" (TOS
 * 0xc0, RFC 791 3.1, RFC 1812 4.3.2.5), and so do we, so errors match the
 * kernel's on the wire. */
#define ERROR_TOS 0xc0

/* Datagrams no ICMP message may be about, or answer (RFC 1122 3.2.2,
 * 3.2.2.6): those to a broadcast or multicast address, at the IP or the
 * link layer, and those to an address that is not ours yet. */
#define NOT_ANSWERED                                                         \
  (TERN_IP_RX_BROADCAST | TERN_IP_RX_MULTICAST | TERN_IP_RX_LINK_BROADCAST | \
   TERN_IP_RX_LINK_MULTICAST | TERN_IP_RX_UNCONFIGURED)

/* Sends an answer (its ICMP message is pkt's data) back to rx's source,
 * from the address it was sent to, through the interface it came in on.
 * Takes pkt. Returns whether it was queued. */
static bool answer(tern_ipv4_layer *v4, const tern_ip_rx *rx, tern_pkt *pkt,
                   uint8_t tos) {
  tern_ip_route r;
  if (tern__ipv4_route(&v4->family, &rx->src, rx->iface->id, &r) != 0) {
    v4->stats.tx_no_route++;
    tern_pkt_free(pkt);
    return false;
  }
  /* From r.src: the interface's address, which rx->dst is (an answered
   * datagram was to no broadcast and to an interface with an address).
   * Linux replies with the request's TOS and sends errors with ERROR_TOS,
   * both without DF; so do we. */
  r.tos = tos;
  return tern__ipv4_send(&v4->family, pkt, &r, &rx->src, TERN_IP_PROTO_ICMP,
                         0) == 0;
}

/* What each destination unreachable code (RFC 792, RFC 1122 3.2.2.1, RFC
 * 1812 5.2.7.1) means for a transport, as Linux's icmp_err_convert maps
 * them (with tern's codes): the network ones ENETUNREACH, protocol EPROTO,
 * port ECONNREFUSED, fragmentation needed EMSGSIZE, the rest
 * EHOSTUNREACH. */
static const int8_t unreach_err[16] = {
    TERN_ENETUNREACH,  TERN_EHOSTUNREACH, TERN_EPROTO,       TERN_ECONNREFUSED,
    TERN_EMSGSIZE,     TERN_EHOSTUNREACH, TERN_ENETUNREACH,  TERN_EHOSTUNREACH,
    TERN_EHOSTUNREACH, TERN_ENETUNREACH,  TERN_EHOSTUNREACH, TERN_ENETUNREACH,
    TERN_EHOSTUNREACH, TERN_EHOSTUNREACH, TERN_EHOSTUNREACH, TERN_EHOSTUNREACH,
};

/* What an ICMP error means for the transport: parameter problems
 * EPROTO, time exceeded in transit EHOSTUNREACH (as Linux's UDP reports
 * it), unreachables by the table. */
static int error_code(uint8_t type, uint8_t code) {
  if (type == TERN_ICMPV4_PARAM_PROBLEM) {
    return TERN_EPROTO;
  }
  if (type == TERN_ICMPV4_DEST_UNREACH && code < sizeof unreach_err) {
    return unreach_err[code];
  }
  return TERN_EHOSTUNREACH;
}

/* An error about a datagram we sent: checked, then handed to the quoted
 * datagram's transport. */
static void error_input(tern_ipv4_layer *v4, const tern_ip_rx *rx,
                        const uint8_t *m, size_t n) {
  int qlen = tern_icmpv4_quote_check(m, n);
  if (qlen < 0) {
    v4->stats.icmp_rx_drop[-qlen]++;
    return;
  }
  /* The wire check's accessors read the quoted header in place, and its
   * addresses are taken as words, as input takes a datagram's. */
  const uint8_t *q = m + TERN_ICMPV4_HEADER_LEN;
  tern_ip_error e;
  e.quoted_len = tern_ipv4_total_len(q); /* the quote check bounds it */
  e.src.family = TERN_IP_V4;
  e.src.u.w[0] = tern_ld32(tern_ipv4_src(q));
  /* Errors are never sent to broadcasts (RFC 1122 3.2.2), and one about
   * a datagram that is not ours is a forgery or a mistake. */
  if ((rx->flags & NOT_ANSWERED) != 0 ||
      tern__ipv4_addr_iface(v4->stack, e.src.u.w[0]) == NULL) {
    v4->stats.icmp_rx_bad_error++;
    return;
  }
  e.dst.family = TERN_IP_V4;
  e.dst.u.w[0] = tern_ld32(tern_ipv4_dst(q));
  e.err = error_code(m[0], m[1]);
  e.type = m[0];
  e.code = m[1];
  e.mtu = e.err == TERN_EMSGSIZE ? tern_icmpv4_next_hop_mtu(m) : 0;
  e.iface = rx->iface;
  e.reporter = rx->src;
  e.protocol = tern_ipv4_protocol(q);
  e.quote = q + qlen;
  e.quote_len = n - TERN_ICMPV4_HEADER_LEN - (size_t)qlen;
  /* Counted where it went: a quoted protocol no transport hears errors
   * of (an unknown one, ICMP itself: a router's time exceeded about our
   * echo reply, or a UDP layer without a connected socket) is ignored. */
  if (tern_ip_deliver_error(v4->stack, &e)) {
    v4->stats.icmp_rx_errors++;
  } else {
    v4->stats.icmp_rx_ignored++;
  }
}

void tern__icmpv4_input(tern_ipv4_layer *v4, const tern_ip_rx *rx,
                        tern_pkt *pkt) {
  uint8_t *m = tern_pkt_data(pkt);
  size_t n = tern_pkt_len(pkt);
  int rc = tern_icmpv4_check(m, n);
  if (rc != 0) {
    v4->stats.icmp_rx_drop[-rc]++;
    tern_pkt_free(pkt);
    return;
  }
  switch (m[0]) {
    case TERN_ICMPV4_ECHO_REQUEST:
      /* 3.2.2.6 allows ignoring echo requests to broadcasts; Linux does
       * by default, and it keeps a smurf amplifier off the net. */
      if ((rx->flags & NOT_ANSWERED) != 0) {
        v4->stats.icmp_echo_bcast++;
        break;
      }
      /* The reply is the request with the type changed, in place (IP
       * options are not returned: answer() writes a plain header). A
       * request that came in fragments may not fit the interface's MTU:
       * we do not fragment, so the reply is cut to it (RFC 1122 3.2.2.6
       * says a reply that would need fragmentation MUST be truncated). */
      if (n + TERN_IPV4_HEADER_LEN > rx->iface->mtu) {
        n = rx->iface->mtu - (size_t)TERN_IPV4_HEADER_LEN;
        TERN_MUST(tern_pkt_trim(pkt, n) == 0);
      }
      tern_icmpv4_echo_reply(m, n);
      if (answer(v4, rx, pkt, rx->tos)) {
        v4->stats.icmp_echo_replies++;
      }
      return;
    case TERN_ICMPV4_DEST_UNREACH:
    case TERN_ICMPV4_TIME_EXCEEDED:
    case TERN_ICMPV4_PARAM_PROBLEM: error_input(v4, rx, m, n); break;
    default:
      /* Replies, redirects (a host may ignore them: we have one default
       * router per interface), source quench (RFC 6633: ignore), ... */
      v4->stats.icmp_rx_ignored++;
      break;
  }
  tern_pkt_free(pkt);
}

/* The token bucket (see tern_ipv4_layer.icmp_tat): whether an error may go now,
 * taking a token if so. */
static bool take_token(tern_ipv4_layer *v4) {
  tern_time now = tern_now();
  uint32_t ahead = v4->icmp_tat - now;
  if (ahead > TERN_IPV4_ICMP_BURST * TERN_IPV4_ICMP_INTERVAL_MS) {
    ahead = 0; /* icmp_tat is in the past: the bucket is full */
  }
  if (ahead > (TERN_IPV4_ICMP_BURST - 1) * TERN_IPV4_ICMP_INTERVAL_MS) {
    return false;
  }
  v4->icmp_tat = now + ahead + TERN_IPV4_ICMP_INTERVAL_MS;
  return true;
}

bool tern__icmpv4_error(tern_ipv4_layer *v4, const tern_ip_rx *rx,
                        tern_pkt *pkt, unsigned hlen, uint8_t type,
                        uint8_t code) {
  /* RFC 1122 3.2.2: no error about a broadcast or multicast (at either
   * layer), nor about a datagram to an address that is not ours yet. The
   * rest of 3.2.2's cases never get here: input dropped sources that are
   * not one host, ICMP messages go to tern__icmpv4_input, which answers
   * none with an error, and the reassembler sends its time exceeded only
   * about a first fragment, never about an ICMP error. So this is the
   * one place that decides, and the message is built with the wire
   * library's tern_icmpv4_emit_header, not tern_icmpv4_emit_dest_unreach
   * (which would check the datagram again). */
  uint32_t *count = &v4->stats.icmp_refused;
  if ((rx->flags & NOT_ANSWERED) != 0) {
    goto drop;
  }
  count = &v4->stats.icmp_rate_limited;
  if (!take_token(v4)) {
    goto drop;
  }
  /* The datagram with its header again, cut to what the message quotes:
   * as much as fits 576 bytes (RFC 1812 4.3.2.3, as Linux does) and the
   * buffer, and at least the header and 8 bytes (3.2.2): every IPv4
   * interface's MTU holds that (TERN_IPV4_MIN_MTU), but a buffer might
   * not. The buffer holds what goes in front of the quote too: the ICMP
   * header, the IP header and the device's headroom (answer()'s route is
   * rx->iface's, the only one its scope takes); the quote moves back in
   * its buffer when the headroom is short (a datagram that fills its
   * buffer: SLIP receives into MTU-sized buffers at offset 0). A buffer
   * smaller than those headers alone wraps room round to the most: the
   * ICMP header's make_room below or the IP layer's then finds no room,
   * counted as every short buffer is (a test of it costs more). */
  TERN_MUST(tern_pkt_push(pkt, hlen) != NULL); /* the header pulled */
  size_t quote = tern_pkt_len(pkt);
  size_t room = tern_pkt_capacity(pkt) - rx->iface->headroom -
                (TERN_IPV4_HEADER_LEN + TERN_ICMPV4_HEADER_LEN);
  if (room > TERN_ICMPV4_ERROR_MAX_LEN - TERN_ICMPV4_HEADER_LEN) {
    room = TERN_ICMPV4_ERROR_MAX_LEN - TERN_ICMPV4_HEADER_LEN;
  }
  count = &v4->stats.tx_no_room;
  if (quote > room) {
    if (room < hlen + 8) {
      goto drop; /* a buffer smaller than the quote needs */
    }
    quote = room;
    TERN_MUST(tern_pkt_trim(pkt, quote) == 0);
  }
  if (tern_ip_make_room(pkt, TERN_ICMPV4_HEADER_LEN) != 0) {
    goto drop;
  }
  TERN_MUST(tern_pkt_push(pkt, TERN_ICMPV4_HEADER_LEN) != NULL);
  tern_icmpv4_emit_header(tern_pkt_data(pkt), type, code, 0, 0,
                          TERN_ICMPV4_HEADER_LEN + quote);
  return answer(v4, rx, pkt, ERROR_TOS);
drop:
  (*count)++;
  tern_pkt_free(pkt);
  return false;
}
