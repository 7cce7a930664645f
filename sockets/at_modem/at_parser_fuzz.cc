// Fuzz target for the AT response parser. The first four input bytes
// choose the line buffer's size (TERN_AT_LINE_MIN..+255), the +IPD limit
// (1..4081), the mode (0: single-link, or 1..16 links), and a chunking
// seed (its top bit: whether a +CIPRECVDATA: answer carries the sender);
// the rest is what the modem sent.
// Properties: the parser never reads or writes outside the input and the
// line buffer (both allocated at exactly their size, so ASan sees it);
// every event is well formed (links in range, a +IPD within its limit, one
// over it within TERN_AT_IPD_LEN_MAX and its payload skipped as
// TOO_LONG_DATA, a malformed header said outside any payload (its payload
// skipped only when just its sender did not parse), payload
// bytes inside the input, line text inside the buffer); feeding
// all at once, byte by byte and in seeded chunks gives the same events and
// statistics.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "tern/at_parser.h"

namespace {

struct Run {
  std::string events;  // a flat transcript of every event
  tern_at_stats stats;
};

void Check(bool ok) {
  if (!ok) {
    abort();
  }
}

void Append(std::string *out, const void *p, size_t n) {
  out->append(static_cast<const char *>(p), n);
}

// Feeds data in chunks of the sizes next_chunk gives and records events.
// IPD_DATA is recorded as its bytes only, so the transcript does not
// depend on the chunking.
template <typename Chunker>
Run Parse(const uint8_t *data, size_t size, size_t cap, uint32_t ipd_max,
          unsigned links, int rd_remote, Chunker next_chunk) {
  uint8_t *buf = static_cast<uint8_t *>(malloc(cap));
  Check(buf != nullptr);
  tern_at_parser p;
  Check(tern_at_parser_init(&p, buf, cap, ipd_max, links) == 0);
  tern_at_parser_recvdata_remote(&p, rd_remote);
  Run r;
  size_t off = 0;
  uint32_t payload_left = 0;
  while (off < size) {
    size_t chunk = next_chunk();
    if (chunk > size - off) {
      chunk = size - off;
    }
    // A copy of exactly this chunk, so reads past it are caught.
    uint8_t *in = static_cast<uint8_t *>(malloc(chunk));
    Check(in != nullptr);
    memcpy(in, data + off, chunk);
    size_t used = 0;
    while (used < chunk) {
      tern_at_event ev;
      size_t n = tern_at_parser_feed(&p, in + used, chunk - used, &ev);
      Check(n > 0 && n <= chunk - used);
      bool about_a_link =
          ev.kind == TERN_AT_EV_CONNECT || ev.kind == TERN_AT_EV_CLOSED ||
          ev.kind == TERN_AT_EV_CONNECT_FAIL || ev.kind == TERN_AT_EV_IPD ||
          ev.kind == TERN_AT_EV_IPD_DATA || ev.kind == TERN_AT_EV_IPD_HELD;
      // A +CIPRECVDATA too long or malformed names no link, a +IPD its
      // own.
      bool hdr_dropped = ev.kind == TERN_AT_EV_IPD_TOO_LONG ||
                         ev.kind == TERN_AT_EV_TOO_LONG_DATA ||
                         ev.kind == TERN_AT_EV_IPD_BAD;
      Check(hdr_dropped ? ev.link == TERN_AT_NO_LINK || ev.link < links
            : about_a_link && links != 0 ? ev.link < links
                                         : ev.link == TERN_AT_NO_LINK);
      Check(ev.kind != TERN_AT_EV_IPD_TOO_LONG ||
            (payload_left == 0 && ev.value > ipd_max &&
             ev.value <= TERN_AT_IPD_LEN_MAX &&
             tern_at_parser_in_payload(&p) == (ev.value > 0)));
      // A malformed header is said outside any payload; its payload is
      // skipped (value: its length) only when its length parsed and its
      // sender did not.
      Check(ev.kind != TERN_AT_EV_IPD_BAD ||
            (payload_left == 0 && ev.value <= TERN_AT_IPD_LEN_MAX &&
             tern_at_parser_in_payload(&p) == (ev.value > 0) &&
             !ev.has_remote));
      if (ev.kind == TERN_AT_EV_IPD_TOO_LONG || ev.kind == TERN_AT_EV_IPD_BAD) {
        payload_left = ev.value;
      }
      switch (ev.kind) {
        case TERN_AT_EV_NONE: Check(n == chunk - used); break;
        case TERN_AT_EV_IPD_DATA:
        case TERN_AT_EV_RECVDATA_DATA:
        case TERN_AT_EV_TOO_LONG_DATA:
          Check(ev.data == in + used + n - ev.len && ev.len > 0);
          Check(ev.len <= payload_left && ev.value == payload_left - ev.len);
          payload_left = ev.value;
          Append(&r.events, ev.data, ev.len);
          break;
        case TERN_AT_EV_IPD:
        case TERN_AT_EV_RECVDATA:
          Check(payload_left == 0 && ev.value <= ipd_max);
          payload_left = ev.value;
          Check(tern_at_parser_in_payload(&p) == (ev.value > 0));
          r.events += ev.kind == TERN_AT_EV_IPD ? "<IPD>" : "<RD>";
          Append(&r.events, &ev.link, 1);
          Append(&r.events, &ev.value, sizeof ev.value);
          Append(&r.events, &ev.has_remote, 1);
          if (ev.has_remote) {
            char text[TERN_ENDPOINT_STRLEN];
            int tl = tern_endpoint_format(&ev.remote, text, sizeof text);
            Check(tl > 0);
            r.events.append(text, static_cast<size_t>(tl));
          }
          break;
        case TERN_AT_EV_LINE:
        case TERN_AT_EV_ECHO:
          Check(ev.data == buf && ev.len > 0 && ev.len <= cap);
          for (size_t i = 0; i < ev.len; i++) {
            Check(ev.data[i] >= 0x20 && ev.data[i] != 0x7F);
          }
          r.events += "<L>";
          Append(&r.events, ev.data, ev.len);
          {
            // The information-line readers run over every line the
            // parser hands on; a result must be in range.
            unsigned link = 99;
            tern_endpoint remote;
            uint16_t lport;
            tern_ip_addr ip;
            if (tern_at_info_cipstatus(ev.data, ev.len, &link, &remote,
                                       &lport) == 0) {
              Check(link <= 15 && remote.addr.family != TERN_IP_NONE);
            }
            if (tern_at_info_staip(ev.data, ev.len, &ip) == 0) {
              Check(ip.family != TERN_IP_NONE);
            }
          }
          break;
        default:
          Check(ev.kind != TERN_AT_EV_LINE && ev.kind <= TERN_AT_EV_IPD_BAD &&
                ev.data == nullptr);
          Check(ev.kind != TERN_AT_EV_IPD_HELD ||
                !tern_at_parser_in_payload(&p));
          r.events += "<E>";
          Append(&r.events, &ev.kind, 1);
          Append(&r.events, &ev.link, 1);
          Append(&r.events, &ev.value, sizeof ev.value);
          break;
      }
      used += n;
    }
    free(in);
    off += chunk;
  }
  r.stats = p.stats;
  free(buf);
  return r;
}

bool Same(const Run &a, const Run &b) {
  return a.events == b.events &&
         memcmp(&a.stats, &b.stats, sizeof(tern_at_stats)) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 4) {
    return 0;
  }
  size_t cap = TERN_AT_LINE_MIN + data[0];
  uint32_t ipd_max = 1 + (static_cast<uint32_t>(data[1]) << 4);
  unsigned links = data[2] % (TERN_AT_MAX_LINKS + 1); /* 0: single-link */
  uint32_t seed = data[3] & 0x7F;
  int rd_remote = data[3] >> 7;
  data += 4;
  size -= 4;

  Run whole =
      Parse(data, size, cap, ipd_max, links, rd_remote, [&] { return size; });
  Run bytes = Parse(data, size, cap, ipd_max, links, rd_remote,
                    [] { return size_t{1}; });
  Check(Same(whole, bytes));
  uint32_t x = seed * 2654435761u + 1;
  Run chunks = Parse(data, size, cap, ipd_max, links, rd_remote, [&x] {
    x = x * 1103515245u + 12345u;
    return size_t{1} + (x >> 16) % 97;
  });
  Check(Same(whole, chunks));
  return 0;
}
