// beacon_parse on any bytes: never reads past them, and whatever it
// accepts is exactly what beacon_payload builds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "payload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t seq = 0;
  if (beacon_parse(data, size, &seq) == 0) {
    uint8_t p[BEACON_PAYLOAD_MAX];
    size_t len = beacon_payload(p, seq);
    if (len != size || std::memcmp(p, data, size) != 0) {
      std::abort();
    }
  }
  return 0;
}
