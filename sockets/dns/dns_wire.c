/* The DNS message format: see dns_wire.h. RFC 1035 4.1 for the layout,
 * RFC 9267 for what a parser must refuse. */
#include "tern/dns_wire.h"

#include <stdbool.h>
#include <string.h>

#include "tern/bytes.h"
#include "tern/err.h"

#define FLAG_QR 0x8000u
#define FLAG_TC 0x0200u
#define FLAG_RD 0x0100u
#define OPCODE_MASK 0x7800u

/* A walk over one name of a message, label by label (each step is given
 * the message). */
typedef struct name_walk {
  size_t pos;     /* the next length byte or pointer */
  size_t floor;   /* where the current run of labels began: a pointer must
                     point below it (RFC 9267: compression pointers) */
  size_t end;     /* the byte after the first pointer, once one is taken */
  unsigned wire;  /* the uncompressed length so far (RFC 1035 2.3.4) */
  unsigned jumps; /* pointers taken so far (TERN_DNS_MAX_JUMPS) */
} name_walk;

static void walk_begin(name_walk *w, size_t pos) {
  w->pos = pos;
  w->floor = pos;
  w->wire = 0;
  w->jumps = 0;
}

/* The next label: its length (0 for the root, the last one), its bytes
 * the ones just before w->pos, or -tern_dns_drop. */
static int walk_next(name_walk *w, const uint8_t *m, size_t len) {
  for (;;) {
    if (w->pos >= len) {
      return -TERN_DNS_DROP_TRUNCATED;
    }
    unsigned c = m[w->pos];
    if (c < 0xc0) {
      if (c > TERN_DNS_MAX_LABEL) {
        return -TERN_DNS_DROP_LABEL; /* 0x40 and 0x80: no such labels */
      }
      w->wire += c + 1;
      if (w->wire > TERN_DNS_MAX_NAME) {
        return -TERN_DNS_DROP_NAME_LONG;
      }
      /* The label's bytes and, unless it is the root, the next byte. */
      if (w->pos + 1 + c > len) {
        return -TERN_DNS_DROP_TRUNCATED;
      }
      w->pos += 1 + c;
      return (int)c;
    }
    if (w->pos + 2 > len) {
      return -TERN_DNS_DROP_TRUNCATED;
    }
    size_t to = (c & 0x3fu) * 256u + m[w->pos + 1];
    if (to < TERN_DNS_HDR_LEN) {
      return -TERN_DNS_DROP_POINTER_HEADER;
    }
    if (to >= w->floor || ++w->jumps > TERN_DNS_MAX_JUMPS) {
      return -TERN_DNS_DROP_POINTER;
    }
    if (w->jumps == 1) {
      w->end = w->pos + 2;
    }
    w->pos = to;
    w->floor = to;
  }
}

/* Walks the name at pos to its end: the offset after it where it was
 * found (after its first pointer if it has one, else after its root), or
 * -tern_dns_drop. */
static long skip_name(const uint8_t *m, size_t len, size_t pos) {
  name_walk w;
  int n;
  walk_begin(&w, pos);
  while ((n = walk_next(&w, m, len)) > 0) {
  }
  return n < 0 ? n : (long)(w.jumps > 0 ? w.end : w.pos);
}

static unsigned fold(unsigned c) {
  return c - 'A' < 26u ? c + 32u : c;
}

bool tern__dns_same_text(const void *pa, const void *pb, size_t n) {
  const uint8_t *a = pa, *b = pb;
  for (size_t i = 0; i < n; i++) {
    if (fold(a[i]) != fold(b[i])) {
      return false;
    }
  }
  return true;
}

/* Whether the names at pa and pb of the message m are the same (ASCII
 * case aside: RFC 4343). A bad name is the same as nothing. */
static bool same_name(const uint8_t *m, size_t len, size_t pa, size_t pb) {
  name_walk wa, wb;
  walk_begin(&wa, pa);
  walk_begin(&wb, pb);
  for (;;) {
    int na = walk_next(&wa, m, len);
    int nb = walk_next(&wb, m, len);
    if (na < 0 || na != nb) {
      return false;
    }
    if (na == 0) {
      return true;
    }
    if (!tern__dns_same_text(m + wa.pos - na, m + wb.pos - na, (size_t)na)) {
      return false;
    }
  }
}

/* Whether queries of qtype are built and read: A, and AAAA unless the
 * build is IPv4-only (an AAAA answer fills a tern_ip_addr, which then has
 * room for 4 bytes). */
static bool known_qtype(unsigned qtype) {
  return qtype == TERN_DNS_TYPE_A ||
         (TERN_CONFIG_IPV6 && qtype == TERN_DNS_TYPE_AAAA);
}

int tern_dns_query_build(uint8_t *buf, size_t cap, const char *name,
                         unsigned qtype, const tern_rng *rng) {
  if (!known_qtype(qtype)) {
    return qtype == TERN_DNS_TYPE_AAAA ? TERN_EAFNOSUPPORT : TERN_EINVAL;
  }
  if (buf == NULL || name == NULL || rng == NULL) {
    return TERN_EINVAL; /* (no name: as the empty one) */
  }
  /* The name first, to know its length: each label's length byte is
   * written at o once the label is copied after it. */
  size_t o = TERN_DNS_HDR_LEN;
  for (const char *s = name;; s++) {
    size_t n = 0;
    while (s[n] != '\0' && s[n] != '.') {
      n++;
    }
    if (n == 0 || n > TERN_DNS_MAX_LABEL ||
        o - TERN_DNS_HDR_LEN + n + 2 > TERN_DNS_MAX_NAME) {
      return TERN_EINVAL; /* empty label, too long, name too long */
    }
    if (o + n + 1 > cap) {
      return TERN_ENOSPC;
    }
    buf[o] = (uint8_t)n;
    memcpy(buf + o + 1, s, n);
    o += n + 1;
    s += n; /* at the dot after the label, or the end */
    if (*s == '\0' || s[1] == '\0') {
      break; /* (a final dot ends the name too) */
    }
  }
  if (o + 5 > cap) {
    return TERN_ENOSPC;
  }
  int rc = tern_rng_fill(rng, buf, 2);
  if (rc < 0) {
    return rc;
  }
  memset(buf + 2, 0, TERN_DNS_HDR_LEN - 2);
  buf[2] = FLAG_RD >> 8;
  buf[5] = 1; /* QDCOUNT */
  buf[o] = 0; /* the root */
  tern_put_be16(buf + o + 1, qtype);
  tern_put_be16(buf + o + 3, TERN_DNS_CLASS_IN);
  return (int)(o + 5);
}

/* Reads a TTL: values with the top bit set are 0 (RFC 2181 8). */
static uint32_t ttl_at(const uint8_t *p) {
  uint32_t t = tern_be32(p);
  return t > 0x7fffffffu ? 0 : t;
}

static uint32_t min32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

/* One resource record, as rr_read finds it. */
typedef struct rr {
  size_t rd;     /* the RDATA's offset */
  unsigned type; /* 0 when the class is not IN: nothing here reads it */
  unsigned rdlen;
  uint32_t ttl;
} rr;

/* Reads the record at pos into *r: the offset after it, or
 * -tern_dns_drop when it does not lie inside the message. */
static long rr_read(const uint8_t *m, size_t len, size_t pos, rr *r) {
  long e = skip_name(m, len, pos);
  if (e < 0) {
    return e;
  }
  size_t p = (size_t)e + 10; /* type, class, TTL, RDLENGTH */
  if (p > len) {
    return -TERN_DNS_DROP_TRUNCATED;
  }
  r->rd = p;
  r->type =
      tern_be16(m + p - 8) == TERN_DNS_CLASS_IN ? tern_be16(m + p - 10) : 0;
  r->ttl = ttl_at(m + p - 6);
  r->rdlen = tern_be16(m + p - 2);
  p += r->rdlen;
  return p > len ? -TERN_DNS_DROP_TRUNCATED : (long)p;
}

/* What the authority section holds (check_records' *auth): RFC 2308 2.2
 * tells a referral (NS, no SOA) from a negative answer by it. */
#define AUTH_SOA 1u
#define AUTH_NS 2u

/* Walks the count records of the message from pos (the answer section's
 * first): each must lie inside the message, and the RDATA of the types
 * read here be exactly their size. The TTL of an SOA among the records
 * an..an+ns-1 (the authority section) goes to *neg (RFC 2308 5); *auth
 * gets AUTH_SOA and AUTH_NS for the types found there. Returns 0 or
 * -tern_dns_drop. */
static int check_records(const uint8_t *m, size_t len, size_t pos,
                         unsigned count, unsigned an, unsigned ns,
                         uint32_t *neg, unsigned *auth) {
  for (unsigned i = 0; i < count; i++) {
    rr r;
    long e = rr_read(m, len, pos, &r);
    if (e < 0) {
      return (int)e;
    }
    pos = (size_t)e;
    bool in_auth = i - an < ns;
    /* Where the RDATA's content ends must be where the record ends. The
     * names in it are walked over the RDATA alone, so they cannot end
     * past it. */
    if (r.type == TERN_DNS_TYPE_A) {
      e = (long)r.rd + 4;
    } else if (r.type == TERN_DNS_TYPE_AAAA) {
      e = (long)r.rd + 16;
    } else if (r.type == TERN_DNS_TYPE_CNAME || r.type == TERN_DNS_TYPE_SOA) {
      e = skip_name(m, pos, r.rd);
      if (e >= 0 && r.type == TERN_DNS_TYPE_SOA) {
        e = skip_name(m, pos, (size_t)e);
        if (e >= 0) {
          e += 20; /* serial, refresh, retry, expire, minimum */
        }
      }
      if (e == -TERN_DNS_DROP_TRUNCATED) {
        return -TERN_DNS_DROP_RDLENGTH; /* a name runs past its RDATA */
      }
      if (e < 0) {
        return (int)e;
      }
    } else {
      if (r.type == TERN_DNS_TYPE_NS && in_auth) {
        *auth |= AUTH_NS;
      }
      continue;
    }
    if ((size_t)e != pos) {
      return -TERN_DNS_DROP_RDLENGTH;
    }
    if (r.type == TERN_DNS_TYPE_SOA && in_auth) {
      *neg = min32(r.ttl, ttl_at(m + pos - 4));
      *auth |= AUTH_SOA;
    }
  }
  return 0;
}

int tern_dns_parse(const uint8_t *query, size_t qlen, const uint8_t *msg,
                   size_t len, tern_dns_answer *ans, tern_ip_addr *addrs,
                   size_t cap) {
  if (query == NULL || msg == NULL) {
    return TERN_EINVAL;
  }
  /* (A query shorter than its header fails the walk: the name's first
   * length byte is not in it.) */
  long qend = skip_name(query, qlen, TERN_DNS_HDR_LEN);
  if (qend < 0 || (size_t)qend + 4 > qlen) {
    return TERN_EINVAL;
  }
  /* (Only the types whose RDATA size check_records checks are read.) */
  unsigned qtype = tern_be16(query + qend);
  if (!known_qtype(qtype)) {
    return TERN_EINVAL;
  }
  if (len < TERN_DNS_HDR_LEN) {
    return -TERN_DNS_DROP_SHORT;
  }
  unsigned flags = tern_be16(msg + 2);
  if (!(flags & FLAG_QR) || (flags & OPCODE_MASK) != 0) {
    return -TERN_DNS_DROP_NOT_ANSWER;
  }
  if (msg[0] != query[0] || msg[1] != query[1]) { /* the ID */
    return -TERN_DNS_DROP_ID;
  }
  if (tern_be16(msg + 4) != 1) {
    return -TERN_DNS_DROP_QUESTION;
  }
  /* The question is the query's, byte for byte but for ASCII case: it is
   * the message's first name, so it can hold no valid compression pointer
   * (one could only go into the header or forward), and its length bytes
   * and type and class are not letters. Nothing of it is walked: a
   * pointer, a bad label or a long name there is just not the query's;
   * nor is a question the message ends in. */
  size_t pos = (size_t)qend + 4;
  if (pos > len ||
      !tern__dns_same_text(msg + TERN_DNS_HDR_LEN, query + TERN_DNS_HDR_LEN,
                           pos - TERN_DNS_HDR_LEN)) {
    return -TERN_DNS_DROP_QUESTION;
  }
  memset(ans, 0, sizeof *ans);
  ans->rcode = (uint8_t)(flags & 15u);
  if (flags & FLAG_TC) {
    return TERN_DNS_TRUNCATED;
  }
  size_t an = pos;
  unsigned ancount = tern_be16(msg + 6);
  uint32_t neg = 0;
  unsigned auth = 0;
  int rc = check_records(msg, len, an,
                         ancount + tern_be16(msg + 8) + tern_be16(msg + 10),
                         ancount, tern_be16(msg + 8), &neg, &auth);
  if (rc < 0) {
    return rc;
  }
  if (ans->rcode != TERN_DNS_RCODE_NOERROR &&
      ans->rcode != TERN_DNS_RCODE_NXDOMAIN) {
    return TERN_DNS_SERVER_ERROR;
  }
  /* Follow the chain: each pass over the answer section looks for the
   * records of the current name (RFC 1034 3.6.2, 5.2.2: the records may
   * come in any order). NXDOMAIN is about the chain's end (RFC 6604): its
   * CNAMEs are followed for their TTLs, and no type is collected. */
  unsigned want = ans->rcode == TERN_DNS_RCODE_NOERROR ? qtype : 0x10000u;
  size_t name = TERN_DNS_HDR_LEN;
  uint32_t ttl = 0xffffffffu;
  for (;;) {
    size_t next = 0; /* the first CNAME's RDATA, its target */
    size_t p = an;
    for (unsigned i = 0; i < ancount; i++) {
      rr r;
      size_t owner = p;
      p = (size_t)rr_read(msg, len, p, &r);
      if ((r.type != want && r.type != TERN_DNS_TYPE_CNAME) ||
          !same_name(msg, len, owner, name)) {
        continue;
      }
      if (r.type == want) {
        ttl = min32(ttl, r.ttl);
        /* At most cap, and at most 255: the count stored is a byte. */
        if (ans->n_addrs < cap && ans->n_addrs < 255) {
          tern_ip_addr *a = &addrs[ans->n_addrs++];
          memset(a, 0, sizeof *a);
          a->family = qtype == TERN_DNS_TYPE_A ? TERN_IP_V4 : TERN_IP_V6;
          memcpy(a->u.w, msg + r.rd, r.rdlen);
        }
        ans->n_found++; /* at most ANCOUNT: one pass counts */
      } else if (next == 0) {
        next = r.rd;
      }
    }
    if (ans->n_found > 0) {
      ans->ttl = ttl;
      return TERN_DNS_OK;
    }
    if (next == 0) {
      /* A negative answer holds no longer than the chain to it. A
       * NOERROR one with NS records and no SOA is a referral (RFC 2308
       * 2.2): a server that did not recurse says nothing of the name. */
      ans->ttl = min32(ttl, neg);
      return ans->rcode != TERN_DNS_RCODE_NOERROR ? TERN_DNS_NXDOMAIN
             : auth == AUTH_NS                    ? TERN_DNS_SERVER_ERROR
                                                  : TERN_DNS_NODATA;
    }
    if (ans->cnames == TERN_DNS_MAX_CNAME) {
      return -TERN_DNS_DROP_CHAIN;
    }
    ans->cnames++;
    /* The CNAME's TTL, read again where rr_read found it: 6 bytes (TTL,
     * RDLENGTH) before its RDATA. */
    ttl = min32(ttl, ttl_at(msg + next - 6));
    name = next;
  }
}

int tern_dns_tcp_prefix(uint8_t *buf, size_t len) {
  if (len > 0xffffu) {
    return TERN_EMSGSIZE;
  }
  tern_put_be16(buf, (unsigned)len);
  return (int)len + 2;
}

int tern_dns_tcp_length(const uint8_t *buf, size_t have) {
  if (buf == NULL) {
    return TERN_EINVAL;
  }
  if (have < 2) {
    return 0;
  }
  unsigned n = tern_be16(buf);
  return n < TERN_DNS_HDR_LEN ? -TERN_DNS_DROP_SHORT : (int)n;
}
