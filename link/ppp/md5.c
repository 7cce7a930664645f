#include "tern/md5.h"

#include <string.h>

/* RFC 1321 section 3.4: T[i] = floor(2^32 * abs(sin(i + 1))). */
static const uint32_t T[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu, 0xf57c0fafu,
    0x4787c62au, 0xa8304613u, 0xfd469501u, 0x698098d8u, 0x8b44f7afu,
    0xffff5bb1u, 0x895cd7beu, 0x6b901122u, 0xfd987193u, 0xa679438eu,
    0x49b40821u, 0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
    0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u, 0x21e1cde6u,
    0xc33707d6u, 0xf4d50d87u, 0x455a14edu, 0xa9e3e905u, 0xfcefa3f8u,
    0x676f02d9u, 0x8d2a4c8au, 0xfffa3942u, 0x8771f681u, 0x6d9d6122u,
    0xfde5380cu, 0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u, 0xd9d4d039u,
    0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u, 0xf4292244u, 0x432aff97u,
    0xab9423a7u, 0xfc93a039u, 0x655b59c3u, 0x8f0ccc92u, 0xffeff47du,
    0x85845dd1u, 0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};

/* The rotations of each round, four per round (section 3.4). */
static const uint8_t S[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static uint32_t rol(uint32_t x, unsigned n) {
  return (x << n) | (x >> (32 - n));
}

static void transform(uint32_t st[4], const uint8_t b[64]) {
  uint32_t x[16];
  for (int i = 0; i < 16; i++) {
    x[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
           (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
  }
  uint32_t a = st[0], bb = st[1], c = st[2], d = st[3];
  for (unsigned i = 0; i < 64; i++) {
    unsigned round = i / 16;
    uint32_t f;
    unsigned k;
    switch (round) {
      case 0:
        f = (bb & c) | (~bb & d);
        k = i;
        break;
      case 1:
        f = (bb & d) | (c & ~d);
        k = (5 * i + 1) % 16;
        break;
      case 2:
        f = bb ^ c ^ d;
        k = (3 * i + 5) % 16;
        break;
      default:
        f = c ^ (bb | ~d);
        k = (7 * i) % 16;
        break;
    }
    uint32_t t = d;
    d = c;
    c = bb;
    bb = bb + rol(a + f + x[k] + T[i], S[round][i % 4]);
    a = t;
  }
  st[0] += a;
  st[1] += bb;
  st[2] += c;
  st[3] += d;
}

void tern_md5_init(tern_md5 *m) {
  m->state[0] = 0x67452301u;
  m->state[1] = 0xefcdab89u;
  m->state[2] = 0x98badcfeu;
  m->state[3] = 0x10325476u;
  m->len = 0;
}

void tern_md5_update(tern_md5 *m, const void *data, size_t n) {
  const uint8_t *p = data;
  while (n > 0) {
    size_t at = m->len % 64;
    size_t take = 64 - at < n ? 64 - at : n;
    memcpy(m->block + at, p, take);
    m->len += (uint32_t)take;
    p += take;
    n -= take;
    if (m->len % 64 == 0) {
      transform(m->state, m->block);
    }
  }
}

void tern_md5_final(tern_md5 *m, uint8_t out[16]) {
  /* Section 3.1-3.2: a 1 bit, zeros to 56 mod 64, the length in bits. */
  uint32_t bits_lo = m->len << 3, bits_hi = m->len >> 29;
  uint8_t pad[72] = {0x80};
  size_t at = m->len % 64;
  size_t padlen = (at < 56 ? 56 : 120) - at;
  for (int i = 0; i < 4; i++) {
    pad[padlen + i] = (uint8_t)(bits_lo >> (8 * i));
    pad[padlen + 4 + i] = (uint8_t)(bits_hi >> (8 * i));
  }
  tern_md5_update(m, pad, padlen + 8);
  for (int i = 0; i < 16; i++) {
    out[i] = (uint8_t)(m->state[i / 4] >> (8 * (i % 4)));
  }
}
