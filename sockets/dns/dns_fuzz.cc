// Fuzz target for the DNS codec. The input is read three ways:
// - as an answer to the query its own header and question describe (so
//   that the fuzzer reaches the record walk and the CNAME chase, not only
//   the question check), for A and for AAAA;
// - as a TCP stream (length prefix, then the message);
// - as a name given to tern_dns_query_build.
// Any input must be refused with a known reason or give a result whose
// counts stay in bounds; a query that builds must be read back as a
// query (and refused as an answer: QR is clear).
#include <stdint.h>
#include <string.h>

#include <vector>

#include "tern/dns_wire.h"
#include "tern/err.h"

static int Fill(void *self, void *buf, size_t len) {
  memset(buf, *static_cast<const uint8_t *>(self), len);
  return 0;
}

static void Check(const uint8_t *query, size_t qlen, const uint8_t *msg,
                  size_t len) {
  tern_dns_answer ans;
  tern_ip_addr addrs[3];
  // Exactly len bytes on the heap: ASan sees any read past them.
  std::vector<uint8_t> exact(msg, msg + len);
  int rc = tern_dns_parse(query, qlen, exact.data(), len, &ans, addrs, 3);
  if (rc == TERN_EINVAL) {
    return;
  }
  if (rc < 0) {
    if (-rc < TERN_DNS_DROP_SHORT || -rc >= TERN_DNS_DROP_COUNT) {
      __builtin_trap();
    }
    return;
  }
  if (rc > TERN_DNS_SERVER_ERROR || ans.n_addrs > 3 ||
      ans.n_addrs > ans.n_found || ans.cnames > TERN_DNS_MAX_CNAME ||
      (rc == TERN_DNS_OK) != (ans.n_found > 0)) {
    __builtin_trap();
  }
  // Each address is the RDATA of a record of the message: its bytes are
  // somewhere in it.
  for (unsigned i = 0; i < ans.n_addrs; i++) {
    size_t n = addrs[i].family == TERN_IP_V4 ? 4 : 16;
    if ((addrs[i].family != TERN_IP_V4 && addrs[i].family != TERN_IP_V6) ||
        memmem(msg, len, addrs[i].u.w, n) == nullptr) {
      __builtin_trap();
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The query this input would answer: its ID and its question, if the
  // question is a plain (uncompressed) name.
  size_t end = TERN_DNS_HDR_LEN;
  while (end < size && data[end] != 0 && data[end] < 64) {
    end += 1u + data[end];
  }
  if (end + 5 <= size && end - TERN_DNS_HDR_LEN < TERN_DNS_MAX_NAME) {
    std::vector<uint8_t> q(data, data + end + 5);
    for (unsigned type : {TERN_DNS_TYPE_A, TERN_DNS_TYPE_AAAA}) {
      q[end + 1] = uint8_t(type >> 8);
      q[end + 2] = uint8_t(type);
      Check(q.data(), q.size(), data, size);
    }
  }
  // A fixed query: most inputs fail its ID or question.
  static const uint8_t kPeer[] = {0x00, 0xd6, 1,   0,   0,   1,   0,   0,   0,
                                  0,    0,    0,   4,   'p', 'e', 'e', 'r', 4,
                                  't',  'e',  's', 't', 0,   0,   1,   0,   1};
  Check(kPeer, sizeof kPeer, data, size);

  // TCP: the length prefix, then the message it frames.
  int n = tern_dns_tcp_length(data, size);
  if (n > 0 && size_t(n) + 2 <= size) {
    Check(kPeer, sizeof kPeer, data + 2, size_t(n));
  } else if (n < 0 && (size < 2 || (data[0] == 0 && data[1] < 12)) == false) {
    __builtin_trap();
  }

  // The input as a name.
  std::vector<char> name(data, data + size);
  name.push_back('\0');
  uint8_t q[TERN_DNS_QUERY_MAX];
  uint8_t id = size > 0 ? data[0] : 0;
  const tern_rng rng = {Fill, &id};
  // (An IPv4-only build has no AAAA queries: TERN_EAFNOSUPPORT.)
  bool aaaa = TERN_CONFIG_IPV6 && size % 2 == 0;
  int qlen =
      tern_dns_query_build(q, sizeof q, name.data(),
                           aaaa ? TERN_DNS_TYPE_AAAA : TERN_DNS_TYPE_A, &rng);
  if (qlen == TERN_EINVAL) {
    return 0;
  }
  if (qlen < int(TERN_DNS_HDR_LEN + 6) || qlen > int(TERN_DNS_QUERY_MAX)) {
    __builtin_trap();
  }
  tern_dns_answer ans;
  if (tern_dns_parse(q, size_t(qlen), q, size_t(qlen), &ans, nullptr, 0) !=
      -TERN_DNS_DROP_NOT_ANSWER) {
    __builtin_trap();
  }
  // As an answer (QR set), it is a valid one with no records: no data.
  q[2] |= 0x80;
  std::vector<uint8_t> sent(q, q + qlen);
  sent[2] &= 0x7f;
  if (tern_dns_parse(sent.data(), sent.size(), q, size_t(qlen), &ans, nullptr,
                     0) != TERN_DNS_NODATA) {
    __builtin_trap();
  }
  return 0;
}
