#include "tern/checksum.h"

#include <stdbool.h>
#include <string.h>

/* Two implementations of tern_checksum_add and tern_checksum_copy, one
 * contract (checksum.h):
 *
 * - TERN_CHECKSUM_SMALL 1, the default on 32-bit targets and in builds for
 *   size (-Os): one loop of byte loads, the fewest bytes of code. On
 *   Cortex-M0 it is a quarter of the fast one's size (README.md).
 * - TERN_CHECKSUM_SMALL 0, the default on 64-bit hosts built for speed:
 *   wide aligned words, deferred carries, unrolled loops.
 *
 * Define TERN_CHECKSUM_SMALL to 0 or 1 to choose; the tests run both on the
 * host (checksum_test, checksum_small_test). */
#ifndef TERN_CHECKSUM_SMALL
#if UINTPTR_MAX > 0xffffffffu && !defined(__OPTIMIZE_SIZE__)
#define TERN_CHECKSUM_SMALL 0
#else
#define TERN_CHECKSUM_SMALL 1
#endif
#endif

/* 32-bit end-around-carry addition of partial sums. */
static inline tern_csum add_csum(tern_csum a, uint32_t b) {
  a += b;
  a += a < b;
  return a;
}

#if TERN_CHECKSUM_SMALL

/* Each byte is added where it sits in its big-endian 16-bit word: the high
 * half at even offsets of the piece, the low half at odd ones, so an odd
 * last byte is padded with zero and the piece's address does not matter.
 * Before each addition the sum is folded (its upper half, the carries, added
 * to its lower half: the same value modulo 0xffff, which is all a one's
 * complement sum keeps), so it stays below 2^18 and never overflows,
 * whatever the length; a fold is one instruction fewer than adding the
 * carry back (Cortex-M0). The sum is 0 only while every byte was 0, as
 * with end-around carries, so finished values are the same.
 * tern_checksum_copy is the same loop with a store; the two are separate
 * functions so that firmware which never copies (the UDP sockets copy with
 * memcpy, then sum) links only this one. */
static inline tern_csum fold_add(tern_csum sum, uint32_t b) {
  return (sum & 0xffffu) + (sum >> 16) + b;
}

tern_csum tern_checksum_add(tern_csum sum, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    uint32_t b = p[i];
    if ((i & 1) == 0) {
      b <<= 8;
    }
    sum = fold_add(sum, b);
  }
  return sum;
}

tern_csum tern_checksum_copy(tern_csum sum, void *dst, const void *src,
                             size_t len) {
  const uint8_t *p = src;
  uint8_t *d = dst;
  for (size_t i = 0; i < len; i++) {
    uint32_t b = p[i];
    d[i] = (uint8_t)b;
    if ((i & 1) == 0) {
      b <<= 8;
    }
    sum = fold_add(sum, b);
  }
  return sum;
}

#else /* !TERN_CHECKSUM_SMALL */

/* How it is fast (RFC 1071 section 2):
 *
 * - Byte-order independence: the one's complement sum of native-order
 *   16-bit words is the byte swap of the sum of big-endian words. So the
 *   data is summed in whatever order the machine loads it and only the
 *   final 16-bit result is put into big-endian order.
 * - Wide words and deferred carries: the sum of 16-bit words equals, modulo
 *   0xffff, the sum of 32- or 64-bit words, so the loop adds machine words
 *   and counts the carries out in a second word, added back once at the
 *   end.
 * - Unrolling: the main loop adds 16 words per iteration; what is left
 *   after it is taken by the bits of its length (8, 4, 2, 1 words, then a
 *   32-bit, a 16-bit word and a byte), straight-line code, no loop.
 * - Alignment: words are read with memcpy (no aliasing or alignment UB)
 *   from addresses that are word-aligned, which the compiler is told, so
 *   Cortex-M0 (which faults on unaligned loads) gets plain LDRs. The fused
 *   copy stores whole words when the destination is aligned the same way,
 *   and otherwise lets memcpy store them (byte by byte on Cortex-M0). At
 *   most a 16-bit and a 32-bit word come before the first aligned word;
 *   pieces shorter than two words are summed as 16-bit words. A piece that
 *   starts at an odd address has its first byte added alone; the rest then
 *   sits in the other half of each 16-bit word, which a byte swap of its
 *   folded sum puts right (the same property again). */

#if UINTPTR_MAX > 0xffffffffu
typedef uint64_t word_t;
#else
typedef uint32_t word_t;
#endif

/* a += w, counting the carry out in c: an add and an add-with-carry on
 * x86-64 (add, cmp, sbcs, negs, adds on Cortex-M0, where gcc -Os spills a
 * 64-bit accumulator to the stack instead). c cannot overflow: it counts
 * words. */
#define ACC(a, c, w) \
  do {               \
    word_t w_ = (w); \
    (a) += w_;       \
    (c) += (a) < w_; \
  } while (0)

#define WORD sizeof(word_t)

/* memcpy is how C reads an object's bytes as another type without breaking
 * strict aliasing; with a constant size and a known alignment compilers
 * make it one load or store. GNU compilers get the builtin by name, so the
 * expansion holds in any build (a freestanding one, -fno-builtin, makes a
 * plain memcpy a library call per word). */
#if defined(__GNUC__)
#define COPY_BYTES(d, s, n) __builtin_memcpy((d), (s), (n))
#define ASSUME_ALIGNED(p, n) __builtin_assume_aligned((p), (n))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define COPY_BYTES(d, s, n) memcpy((d), (s), (n))
#define ASSUME_ALIGNED(p, n) (p)
#define ALWAYS_INLINE inline
#endif

/* A word from a WORD-aligned address. */
static ALWAYS_INLINE word_t load_word(const uint8_t *p) {
  word_t w;
  COPY_BYTES(&w, ASSUME_ALIGNED(p, WORD), WORD);
  return w;
}

/* A word to dst, which is WORD-aligned when aligned is set. */
static ALWAYS_INLINE void store_word(uint8_t *dst, word_t w, bool aligned) {
  if (aligned) {
    COPY_BYTES(ASSUME_ALIGNED(dst, WORD), &w, WORD);
  } else {
    COPY_BYTES(dst, &w, WORD);
  }
}

/* A 16-bit word from a 2-aligned address. */
static ALWAYS_INLINE uint16_t load16(const uint8_t *p) {
  uint16_t w;
  COPY_BYTES(&w, ASSUME_ALIGNED(p, 2), 2);
  return w;
}

/* A 32-bit word from a 4-aligned address. */
static ALWAYS_INLINE uint32_t load32(const uint8_t *p) {
  uint32_t w;
  COPY_BYTES(&w, ASSUME_ALIGNED(p, 4), 4);
  return w;
}

/* Folds a 64-bit one's complement sum to 16 bits (end-around carries). A
 * value plus itself rotated by half its width has in its upper half the
 * two halves added with the carry out of the lower half put back, as in
 * tern_checksum_finish: 64 -> 32 bits, then 32 -> 16, a rotate and an add
 * each (8 instructions on x86-64; two folds of each half took 12). The
 * result is 0 only when a is. */
static inline uint32_t fold64(uint64_t a) {
  a += a << 32 | a >> 32;
  uint32_t s = (uint32_t)(a >> 32);
  s += s << 16 | s >> 16;
  return s >> 16;
}

/* A 16-bit value in native byte order, read back as big-endian. Compiles to
 * nothing on big-endian machines and to a rotate on little-endian ones. */
static inline uint32_t native_to_be16(uint32_t n) {
  uint16_t v = (uint16_t)n;
  uint8_t b[2];
  COPY_BYTES(b, &v, 2);
  return (uint32_t)b[0] << 8 | b[1];
}

static inline uint32_t swap16(uint32_t v) {
  return ((v & 0xffu) << 8) | ((v >> 8) & 0xffu);
}

/* A sum in progress over the bytes at p, copying them to dst if asked. */
typedef struct run {
  const uint8_t *p;
  uint8_t *dst;
  size_t len;
  word_t a, c; /* see ACC */
} run;

/* Adds (and copies) the i-th word from a WORD-aligned p. */
static ALWAYS_INLINE void word_at(run *r, size_t i, bool copy,
                                  bool dst_aligned) {
  word_t w = load_word(r->p + i * WORD);
  if (copy) {
    store_word(r->dst + i * WORD, w, dst_aligned);
  }
  ACC(r->a, r->c, w);
}

/* Moves past n words. */
static ALWAYS_INLINE void skip_words(run *r, size_t n, bool copy) {
  r->p += n * WORD;
  if (copy) {
    r->dst += n * WORD;
  }
  r->len -= n * WORD;
}

/* Adds (and copies) one smaller piece of n bytes (4 or 2, as a native
 * word of that size, or 1: the high half of a big-endian 16-bit word)
 * from an n-aligned p. */
static ALWAYS_INLINE void piece(run *r, size_t n, bool copy) {
  word_t w;
  if (n == 4) {
    w = load32(r->p);
  } else if (n == 2) {
    w = load16(r->p);
  } else {
    /* The last byte is the first of its 16-bit word; the second is 0. */
    uint16_t h = 0;
    COPY_BYTES(&h, r->p, 1);
    w = h;
  }
  if (copy) {
    COPY_BYTES(r->dst, r->p, n);
    r->dst += n;
  }
  ACC(r->a, r->c, w);
  r->p += n;
  r->len -= n;
}

/* The words from a WORD-aligned p: the unrolled loop while it can, then
 * what is left (less than one iteration) by the bits of its length, each
 * a straight run of loads, so the words of a 1460-byte segment take no
 * loop but the main one. copy and dst_aligned are constants in each
 * inlined copy. */
#define WORD_AT(i) word_at(r, (i), copy, dst_aligned)
static ALWAYS_INLINE void sum_words(run *r, bool copy, bool dst_aligned) {
  if (!copy) {
    while (r->len >= 16 * WORD) {
      WORD_AT(0), WORD_AT(1), WORD_AT(2), WORD_AT(3);
      WORD_AT(4), WORD_AT(5), WORD_AT(6), WORD_AT(7);
      WORD_AT(8), WORD_AT(9), WORD_AT(10), WORD_AT(11);
      WORD_AT(12), WORD_AT(13), WORD_AT(14), WORD_AT(15);
      skip_words(r, 16, copy);
    }
    if ((r->len & (8 * WORD)) != 0) {
      WORD_AT(0), WORD_AT(1), WORD_AT(2), WORD_AT(3);
      WORD_AT(4), WORD_AT(5), WORD_AT(6), WORD_AT(7);
      skip_words(r, 8, copy);
    }
  } else {
    /* Copying, the loads and stores dominate: a shorter unroll, all four
     * loads before the stores (dst may alias p for all the compiler
     * knows, so it keeps the order written). */
    while (r->len >= 4 * WORD) {
      word_t w0 = load_word(r->p + 0 * WORD);
      word_t w1 = load_word(r->p + 1 * WORD);
      word_t w2 = load_word(r->p + 2 * WORD);
      word_t w3 = load_word(r->p + 3 * WORD);
      store_word(r->dst + 0 * WORD, w0, dst_aligned);
      store_word(r->dst + 1 * WORD, w1, dst_aligned);
      store_word(r->dst + 2 * WORD, w2, dst_aligned);
      store_word(r->dst + 3 * WORD, w3, dst_aligned);
      ACC(r->a, r->c, w0);
      ACC(r->a, r->c, w1);
      ACC(r->a, r->c, w2);
      ACC(r->a, r->c, w3);
      skip_words(r, 4, copy);
    }
  }
  if ((r->len & (4 * WORD)) != 0) {
    WORD_AT(0), WORD_AT(1), WORD_AT(2), WORD_AT(3);
    skip_words(r, 4, copy);
  }
  if ((r->len & (2 * WORD)) != 0) {
    WORD_AT(0), WORD_AT(1);
    skip_words(r, 2, copy);
  }
  if ((r->len & WORD) != 0) {
    WORD_AT(0);
    skip_words(r, 1, copy);
  }
  /* Under one word left, at a WORD-aligned p. */
  if (WORD == 8 && (r->len & 4) != 0) {
    piece(r, 4, copy);
  }
  if ((r->len & 2) != 0) {
    piece(r, 2, copy);
  }
  if (r->len != 0) {
    piece(r, 1, copy);
  }
}
#undef WORD_AT

/* The folded native-order sum of len bytes at p, which is 2-aligned,
 * copied to dst as they are read when copy is set. */
static ALWAYS_INLINE uint32_t sum_even(uint8_t *dst, const uint8_t *p,
                                       size_t len, bool copy) {
  run r = {p, dst, len, 0, 0};
  if (len < 2 * WORD) {
    /* Short pieces (an address, a header field) in 16-bit steps: no
     * alignment to reach. */
    while (r.len >= 2) {
      piece(&r, 2, copy);
    }
    if (r.len != 0) {
      piece(&r, 1, copy);
    }
  } else {
    /* At most one 16-bit and one 32-bit step reach a WORD-aligned p
     * (len is long enough for both). */
    if (((uintptr_t)r.p & 2) != 0) {
      piece(&r, 2, copy);
    }
    if (WORD == 8 && ((uintptr_t)r.p & 4) != 0) {
      piece(&r, 4, copy);
    }
    if (!copy) {
      sum_words(&r, false, false);
    } else if (((uintptr_t)r.dst & (WORD - 1)) == 0) {
      sum_words(&r, true, true);
    } else {
      sum_words(&r, true, false);
    }
  }
  /* Each carry out of the top bit is worth 1: 2^32 and 2^64 are 1 modulo
   * 0xffff. So the carries add back in, with their own carry. */
  word_t s = r.a + r.c;
  s += s < r.c;
  return fold64(s);
}

/* Adds len bytes at p (copied to dst when copy is set) to sum. */
static ALWAYS_INLINE tern_csum add_any(tern_csum sum, uint8_t *dst,
                                       const uint8_t *p, size_t len,
                                       bool copy) {
  if (len == 0) {
    return sum;
  }
  uint32_t first = 0;
  bool odd = ((uintptr_t)p & 1) != 0;
  if (odd) {
    /* The piece starts at an even offset of the packet (checksum.h), so
     * this byte is the high half of its big-endian word. */
    first = (uint32_t)p[0] << 8;
    if (copy) {
      *dst++ = p[0];
    }
    p++;
    len--;
  }
  uint32_t s = native_to_be16(sum_even(dst, p, len, copy));
  if (odd) {
    s = swap16(s);
  }
  return add_csum(sum, s + first);
}

/* The sum of a header: len a multiple of 4 and at most 64 (IPv4's 20 to
 * 60 bytes), at any address. Its native-order 32-bit words, read with
 * memcpy (one load each where unaligned loads are allowed, as on x86-64),
 * are at most 16, which cannot carry out of 64 bits; the sum is folded and
 * put in big-endian order once. The words pair the bytes by their offset
 * in the piece, so an odd address needs no swap. For 20 bytes the
 * alignment steps and length tests of add_any cost more than the words
 * (the IPv4 header's tern_checksum: 91 -> 55 instructions a call in the
 * TCP bulk transfer, README.md); so for a TCP segment without data (its
 * header, 32 bytes with timestamps: about 80 -> 30 in tern_checksum_add). */
static uint32_t header_sum(const uint8_t *p, size_t len) {
  uint64_t a = 0;
  for (size_t i = 0; i < len; i += 4) {
    uint32_t w;
    COPY_BYTES(&w, p + i, 4);
    a += w;
  }
  return native_to_be16(fold64(a));
}

tern_csum tern_checksum_add(tern_csum sum, const void *data, size_t len) {
  if (len <= 64 && (len & 3) == 0) {
    return add_csum(sum, header_sum(data, len));
  }
  return add_any(sum, NULL, data, len, false);
}

tern_csum tern_checksum_copy(tern_csum sum, void *dst, const void *src,
                             size_t len) {
  return add_any(sum, dst, src, len, true);
}

#endif /* TERN_CHECKSUM_SMALL */

tern_csum tern_checksum_add16(tern_csum sum, uint16_t value) {
  return add_csum(sum, value);
}

/* The sum plus itself rotated by 16 bits has in its upper half the two
 * halves added with the carry out of the lower half added back: the folded
 * one's complement sum in one addition (a rotate, an add, a complement and
 * a shift on Cortex-M0). */
uint16_t tern_checksum_finish(tern_csum sum) {
  sum += sum << 16 | sum >> 16;
  return (uint16_t)(~sum >> 16);
}

uint16_t tern_checksum(const void *data, size_t len) {
#if !TERN_CHECKSUM_SMALL
  /* tern_checksum_add takes this path too; tested here as well, an IPv4
   * header's sum skips that call and add_csum (measured on 2026-12-06:
   * segment_sums 626 -> 607 instructions, the bulk transfer 5.163 ->
   * 5.121 a byte: ip/checksum/bench_callgrind.sh, tools/bench/lwip_bulk.sh). */
  if (len <= 64 && (len & 3) == 0) {
    return tern_checksum_finish(header_sum(data, len));
  }
#endif
  return tern_checksum_finish(tern_checksum_add(0, data, len));
}

/* The pseudo-header's small fields start the sum (it cannot carry yet); the
 * order of 16-bit words does not change a one's complement sum. */
tern_csum tern_checksum_pseudo(const uint8_t *src, const uint8_t *dst,
                               size_t addr_len, uint8_t protocol,
                               uint32_t length) {
  tern_csum s = (uint32_t)protocol + (length >> 16) + (length & 0xffffu);
#if TERN_CHECKSUM_SMALL
  /* Two calls: the fewest bytes (20 fewer than the loop below on
   * Cortex-M0). */
  s = tern_checksum_add(s, src, addr_len);
  return tern_checksum_add(s, dst, addr_len);
#else
  /* The addresses' 16-bit words added as plain integers: at most 16 words
   * of at most 0xffff on top of the fields above cannot carry out of 32
   * bits, so nothing is folded until tern_checksum_finish. This spares
   * two calls of tern_checksum_add for 4-byte pieces and their set-up:
   * 42 instructions a call instead of about 200 on x86-64 (measured in
   * the TCP bulk transfer, README.md). */
  for (size_t i = 0; i + 1 < addr_len; i += 2) {
    s += ((uint32_t)src[i] << 8 | src[i + 1]) +
         ((uint32_t)dst[i] << 8 | dst[i + 1]);
  }
  return s;
#endif
}

tern_csum tern_checksum_pseudo_v4(const uint8_t src[4], const uint8_t dst[4],
                                  uint8_t protocol, uint16_t length) {
  return tern_checksum_pseudo(src, dst, 4, protocol, length);
}

tern_csum tern_checksum_pseudo_v6(const uint8_t *src, const uint8_t *dst,
                                  uint8_t next_header, uint32_t length) {
  return tern_checksum_pseudo(src, dst, 16, next_header, length);
}
