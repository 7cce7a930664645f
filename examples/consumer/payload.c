#include "payload.h"

#include <string.h>

#include "tern/checksum.h"

static const char kPrefix[] = "beacon ";
#define PREFIX_LEN (sizeof kPrefix - 1)

size_t beacon_payload(uint8_t *out, uint32_t seq) {
  char digits[10];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + seq % 10);
    seq /= 10;
  } while (seq != 0);
  memcpy(out, kPrefix, PREFIX_LEN);
  size_t len = PREFIX_LEN;
  while (n > 0) {
    out[len++] = (uint8_t)digits[--n];
  }
  /* The text's Internet checksum (RFC 1071), big-endian. */
  uint16_t sum = tern_checksum(out, len);
  out[len++] = (uint8_t)(sum >> 8);
  out[len++] = (uint8_t)sum;
  return len;
}

int beacon_parse(const uint8_t *payload, size_t len, uint32_t *seq) {
  if (len < PREFIX_LEN + 1 + 2 || len > BEACON_PAYLOAD_MAX ||
      memcmp(payload, kPrefix, PREFIX_LEN) != 0) {
    return -1;
  }
  size_t text = len - 2;
  uint16_t sum = tern_checksum(payload, text);
  if (payload[text] != (uint8_t)(sum >> 8) ||
      payload[text + 1] != (uint8_t)sum) {
    return -1;
  }
  uint64_t v = 0;
  for (size_t i = PREFIX_LEN; i < text; i++) {
    if (payload[i] < '0' || payload[i] > '9') {
      return -1;
    }
    v = v * 10 + (uint64_t)(payload[i] - '0');
  }
  if (v > UINT32_MAX || (payload[PREFIX_LEN] == '0' && text > PREFIX_LEN + 1)) {
    return -1;
  }
  *seq = (uint32_t)v;
  return 0;
}
