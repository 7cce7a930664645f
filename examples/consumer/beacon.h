/* A beacon: every 10 ms a task sends a payload (payload.h) framed with
 * SLIP (RFC 1055) to a sink; after `count` beacons it ends. Built from
 * tern's executor, timers and SLIP codec, in a workspace of its own. */
#ifndef BEACON_H
#define BEACON_H

#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "tern/co.h"
#include "tern/executor.h"
#include "tern/slip_codec.h"
#include "tern/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest frame: a payload with every byte escaped, and two ENDs. */
#define BEACON_FRAME_MAX TERN_SLIP_ENCODED_MAX(BEACON_PAYLOAD_MAX)

/* Receives each frame; the bytes are valid during the call only. */
typedef void (*beacon_sink)(void *arg, const uint8_t *frame, size_t len);

typedef struct beacon_task {
  tern_task task; /* first: the executor polls this */
  tern_co co;
  tern_timer timer;
  uint32_t seq;
  uint32_t count;
  beacon_sink sink;
  void *sink_arg;
} beacon_task;

/* Prepares the task; spawn &b->task (or tern_block_on it). */
void beacon_init(beacon_task *b, uint32_t count, beacon_sink sink,
                 void *sink_arg);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_H */
