/* The beacon's payload: "beacon N" and the text's Internet checksum
 * (RFC 1071), big-endian. The wire format apart from the task that sends
 * it, so the parser can be tested and fuzzed alone. */
#ifndef BEACON_PAYLOAD_H
#define BEACON_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest payload: "beacon 4294967295" and the checksum. */
#define BEACON_PAYLOAD_MAX (7 + 10 + 2)

/* Builds beacon `seq`'s payload: the text, then its checksum big-endian.
 * Returns its length. out holds BEACON_PAYLOAD_MAX bytes. */
size_t beacon_payload(uint8_t *out, uint32_t seq);

/* Checks a payload and reads its sequence number. Returns 0, or -1 when
 * the checksum, the text or the length is wrong. */
int beacon_parse(const uint8_t *payload, size_t len, uint32_t *seq);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_PAYLOAD_H */
