#include "beacon.h"

#include <string.h>

#include "tern/slip_codec.h"

static tern_poll beacon_poll(tern_task *task, tern_cx *cx) {
  beacon_task *b = TERN_CONTAINER_OF(task, beacon_task, task);
  TERN_CO_BEGIN(&b->co);
  for (b->seq = 1; b->seq <= b->count; b->seq++) {
    TERN_CO_AWAIT(&b->co, tern_sleep_for(&b->timer, cx, 10));
    uint8_t payload[BEACON_PAYLOAD_MAX];
    uint8_t frame[BEACON_FRAME_MAX];
    size_t len = beacon_payload(payload, b->seq);
    int n = tern_slip_encode(frame, sizeof frame, payload, len);
    if (n > 0) {
      b->sink(b->sink_arg, frame, (size_t)n);
    }
  }
  TERN_CO_END(&b->co);
}

void beacon_init(beacon_task *b, uint32_t count, beacon_sink sink,
                 void *sink_arg) {
  memset(b, 0, sizeof *b);
  tern_task_init(&b->task, beacon_poll);
  b->timer = (tern_timer)TERN_TIMER_INIT;
  b->count = count;
  b->sink = sink;
  b->sink_arg = sink_arg;
}
