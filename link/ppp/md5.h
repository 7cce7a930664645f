/* MD5 (RFC 1321), for CHAP's MD5 response (RFC 1994 section 4.1). Not for
 * anything that needs a secure hash: CHAP-MD5 is what PPP peers speak. */
#ifndef TERN_MD5_H
#define TERN_MD5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A digest in progress. Caller storage; fields are private. */
typedef struct tern_md5 {
  uint32_t state[4];
  uint32_t len;      /* bytes hashed so far (mod 2^32: enough for CHAP) */
  uint8_t block[64]; /* the block being filled: len % 64 bytes */
} tern_md5;

/* Starts a digest. */
void tern_md5_init(tern_md5 *m);

/* Adds n bytes. */
void tern_md5_update(tern_md5 *m, const void *data, size_t n);

/* Pads, and writes the 16-byte digest to out. */
void tern_md5_final(tern_md5 *m, uint8_t out[16]);

#ifdef __cplusplus
}
#endif

#endif /* TERN_MD5_H */
