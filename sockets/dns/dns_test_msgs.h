// DNS messages for the resolver's tests: names, records and a server's
// answer to a query, built by hand.
#ifndef TERN_DNS_TEST_MSGS_H
#define TERN_DNS_TEST_MSGS_H

#include <stdint.h>

#include <string>
#include <vector>

#include "tern/dns_wire.h"

namespace tern_test {

inline std::vector<uint8_t> Name(const std::string &text) {
  std::vector<uint8_t> w;
  size_t start = 0;
  while (start < text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string::npos)
      dot = text.size();
    w.push_back(static_cast<uint8_t>(dot - start));
    w.insert(w.end(), text.begin() + start, text.begin() + dot);
    start = dot + 1;
  }
  w.push_back(0);
  return w;
}

inline const std::vector<uint8_t> kQname = {0xc0, 0x0c};  // the question's name

struct Rr {
  std::vector<uint8_t> owner;
  uint16_t type;
  uint32_t ttl;
  std::vector<uint8_t> rdata;
};

inline Rr A(std::vector<uint8_t> owner, uint8_t last, uint32_t ttl = 300) {
  return Rr{owner, TERN_DNS_TYPE_A, ttl, {192, 0, 2, last}};
}

inline Rr Soa(uint32_t ttl, uint32_t minimum) {
  std::vector<uint8_t> rd = {0, 0};  // root MNAME and RNAME
  for (int i = 0; i < 4; i++) {
    rd.insert(rd.end(), {0, 0, 0, 1});
  }
  rd.insert(rd.end(), {uint8_t(minimum >> 24), uint8_t(minimum >> 16),
                       uint8_t(minimum >> 8), uint8_t(minimum)});
  return Rr{{0}, TERN_DNS_TYPE_SOA, ttl, rd};
}

inline void Put16(std::vector<uint8_t> &m, size_t at, uint16_t v) {
  m[at] = uint8_t(v >> 8);
  m[at + 1] = uint8_t(v);
}

// A server's answer to query q: its header and question, QR and RA set.
inline std::vector<uint8_t> Answer(const std::vector<uint8_t> &q, int rcode,
                                   const std::vector<Rr> &an,
                                   const std::vector<Rr> &ns = {},
                                   bool tc = false) {
  std::vector<uint8_t> m(q);
  m[2] = uint8_t(0x81 | (tc ? 0x02 : 0));
  m[3] = uint8_t(0x80 | rcode);
  Put16(m, 6, uint16_t(an.size()));
  Put16(m, 8, uint16_t(ns.size()));
  for (const auto *sec : {&an, &ns}) {
    for (const Rr &r : *sec) {
      m.insert(m.end(), r.owner.begin(), r.owner.end());
      m.insert(
          m.end(),
          {uint8_t(r.type >> 8), uint8_t(r.type), 0, 1, uint8_t(r.ttl >> 24),
           uint8_t(r.ttl >> 16), uint8_t(r.ttl >> 8), uint8_t(r.ttl),
           uint8_t(r.rdata.size() >> 8), uint8_t(r.rdata.size())});
      m.insert(m.end(), r.rdata.begin(), r.rdata.end());
    }
  }
  return m;
}

inline std::vector<uint8_t> Framed(const std::vector<uint8_t> &m) {
  std::vector<uint8_t> f = {uint8_t(m.size() >> 8), uint8_t(m.size())};
  f.insert(f.end(), m.begin(), m.end());
  return f;
}

}  // namespace tern_test

#endif  // TERN_DNS_TEST_MSGS_H
