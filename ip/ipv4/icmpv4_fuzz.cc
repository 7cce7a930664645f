// Fuzz target for the ICMPv4 parser and emitters: any message must be
// rejected cleanly or emit back to the same bytes (up to the one's
// complement checksum's two zeros) and the same value; an error about any
// checkable datagram must itself check, and its quote parse back to the
// datagram's addresses and protocol; the quote of any message either is
// refused or lies inside it and starts with an IPv4 header.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tern/icmpv4_wire.h"
#include "tern/ipv4_wire.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static uint8_t out[65536];
  // The input as a datagram to complain about: whatever comes back must be
  // a well-formed error quoting its start, or a refusal.
  int n = tern_icmpv4_emit_dest_unreach(TERN_ICMPV4_PORT_UNREACH, data, size,
                                        out, TERN_ICMPV4_ERROR_MAX_LEN);
  tern_icmpv4_quote q;
  if (n > 0) {
    tern_icmpv4_repr e;
    if (tern_icmpv4_repr_parse(&e, out, (size_t)n) != 0 ||
        e.type != TERN_ICMPV4_DEST_UNREACH ||
        memcmp(e.data, data, e.data_len) != 0) {
      abort();
    }
    // The error quotes the header and min(8, payload) bytes: with 8 or
    // more, the quote reads back as the datagram.
    size_t hlen = tern_ipv4_header_len(data);
    if (tern_ipv4_total_len(data) >= hlen + 8) {
      if (tern_icmpv4_quote_parse(&q, out, (size_t)n) != 0 ||
          memcmp(q.src.b, tern_ipv4_src(data), 4) != 0 ||
          memcmp(q.dst.b, tern_ipv4_dst(data), 4) != 0 ||
          q.protocol != tern_ipv4_protocol(data) ||
          q.payload != out + TERN_ICMPV4_HEADER_LEN + hlen ||
          memcmp(q.payload, data + hlen, 8) != 0) {
        abort();
      }
    }
  } else if (n != TERN_EINVAL && n != TERN_EPROTO) {
    abort();
  }

  // The input as a received error message (its checksum aside: the quote
  // parser reads only what lies inside the message).
  int qrc = tern_icmpv4_quote_parse(&q, data, size);
  if (qrc != 0) {
    if (qrc != TERN_ICMPV4_DROP_QUOTE) {
      abort();
    }
  } else {
    const uint8_t *ip = data + TERN_ICMPV4_HEADER_LEN;
    if (size < TERN_ICMPV4_HEADER_LEN + TERN_IPV4_HEADER_LEN + 8 ||
        ip[0] >> 4 != 4 || q.payload_len < 8 || q.payload < ip + 20 ||
        q.payload + q.payload_len != data + size ||
        memcmp(q.src.b, ip + 12, 4) != 0 || memcmp(q.dst.b, ip + 16, 4) != 0 ||
        q.protocol != ip[9]) {
      abort();
    }
  }

  tern_icmpv4_repr r, r2;
  int rc = tern_icmpv4_repr_parse(&r, data, size);
  if (rc != 0) {
    if (rc != TERN_ICMPV4_DROP_TRUNCATED && rc != TERN_ICMPV4_DROP_CHECKSUM) {
      abort();
    }
    return 0;
  }
  if (r.data != data + TERN_ICMPV4_HEADER_LEN ||
      r.data_len + TERN_ICMPV4_HEADER_LEN != size) {
    abort();
  }
  n = tern_icmpv4_repr_emit(&r, out, sizeof out);
  if (n < 0 || (size_t)n != size || memcmp(out + 4, data + 4, size - 4) != 0 ||
      out[0] != data[0] || out[1] != data[1] ||
      tern_icmpv4_repr_parse(&r2, out, size) != 0 || r2.type != r.type ||
      r2.code != r.code || r2.ident != r.ident || r2.seq != r.seq ||
      r2.data_len != r.data_len) {
    abort();
  }
  return 0;
}
