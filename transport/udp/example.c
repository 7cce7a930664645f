#include "transport/udp/example.h"

/* [runner] */
static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  tern_example_runner *r = TERN_CONTAINER_OF(t, tern_example_runner, task);
  return tern_ip_stack_poll_run(r->ip, cx); /* PENDING until stopped */
}
/* [runner] */

/* [echo] */
static const tern_endpoint echo_local = {.port = 7}; /* any address */

static tern_poll echo_poll(tern_task *t, tern_cx *cx) {
  tern_example_echo *e = TERN_CONTAINER_OF(t, tern_example_echo, task);
  TERN_CO_BEGIN(&e->co);
  if (tern_udp_bind(e->udp, &e->sock, &echo_local, e->ring, sizeof e->ring) !=
      0) {
    TERN_CO_RETURN(&e->co);
  }
  for (;;) {
    TERN_CO_AWAIT(&e->co,
                  tern_udp_poll_recv_from(&e->sock, cx, &e->from, e->buf,
                                          sizeof e->buf, &e->n));
    if (e->n < 0) {
      break; /* the socket was closed */
    }
    if (e->n > (int)sizeof e->buf) {
      e->n = (int)sizeof e->buf; /* it was cut to the buffer */
    }
    TERN_CO_AWAIT(&e->co, tern_udp_poll_send_to(&e->sock, cx, &e->from, e->buf,
                                                (size_t)e->n, &e->err));
    if (e->err != 0) {
      e->fails++;
    }
  }
  TERN_CO_END(&e->co);
}
/* [echo] */

/* [start] */
int tern_example_node_start(tern_example_node *node, tern_executor *ex,
                            const tern_rng *rng, tern_netdev dev,
                            const tern_ipv4_addr *addr, uint8_t prefix_len,
                            const tern_ipv4_addr *gateway) {
  int rc = tern_pkt_pool_init(&node->pool, node->pool_storage,
                              sizeof node->pool_storage, TERN_EXAMPLE_PKT_SIZE);
  if (rc < 0) {
    return rc;
  }
  rc = tern_ip_stack_init(&node->ip, &node->pool, rng);
  if (rc == 0) {
    rc = tern_ipv4_init(&node->v4, &node->ip); /* IPv4 and ICMPv4 */
  }
  if (rc == 0) {
    rc = tern_ip_iface_add(&node->ip, &node->iface, dev); /* scope 1 */
  }
  if (rc == 0) {
    rc = tern_ipv4_set_addr(&node->iface, addr, prefix_len, gateway);
  }
  if (rc == 0) {
    rc = tern_udp_init(&node->udp, &node->ip);
  }
  if (rc != 0) {
    return rc;
  }
  node->runner.ip = &node->ip;
  tern_task_init(&node->runner.task, runner_poll);
  node->echo.udp = &node->udp;
  node->echo.co = 0;
  tern_task_init(&node->echo.task, echo_poll);
  rc = tern_spawn(ex, &node->runner.task);
  return rc == 0 ? tern_spawn(ex, &node->echo.task) : rc;
}
/* [start] */
