#include "apps/echo/echo.h"

#include <string.h>

static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  tern_echo_app *app = TERN_CONTAINER_OF(t, tern_echo_app, runner.task);
  return tern_ip_stack_poll_run(&app->ip, cx);
}

bool tern_echo_would_answer(const tern_udp_msg *msg) {
  if ((msg->flags & (TERN_IP_RX_BROADCAST | TERN_IP_RX_MULTICAST |
                     TERN_IP_RX_LINK_BROADCAST | TERN_IP_RX_LINK_MULTICAST)) !=
      0) {
    return false;
  }
  switch (msg->src.port) {
    case 0:
    case 7:  /* echo */
    case 13: /* daytime */
    case 17: /* qotd */
    case 19: /* chargen */
    case 37: /* time */ return false;
    default: return true;
  }
}

static tern_poll server_poll(tern_task *t, tern_cx *cx) {
  tern_echo_app *app = TERN_CONTAINER_OF(t, tern_echo_app, server.task);
  TERN_CO_BEGIN(&app->server.co);
  for (;;) {
    TERN_CO_AWAIT(&app->server.co,
                  tern_udp_poll_recv_msg(
                      &app->server.sock, cx, &app->server.msg, app->server.buf,
                      sizeof app->server.buf, &app->server.n));
    if (app->server.n == TERN_ECLOSED) {
      break; /* the socket was closed */
    }
    if (app->server.n < 0) {
      continue; /* an error of a connected socket: not ours (unconnected) */
    }
    if (!tern_echo_would_answer(&app->server.msg)) {
      app->stats.refused++;
      continue;
    }
    if (app->server.n > (int)sizeof app->server.buf) {
      app->stats.truncated++;
      app->server.n = (int)sizeof app->server.buf;
    }
    TERN_CO_AWAIT(
        &app->server.co,
        tern_udp_poll_send_to(&app->server.sock, cx, &app->server.msg.src,
                              app->server.buf, (size_t)app->server.n,
                              &app->server.err));
    if (app->server.err == 0) {
      app->stats.echoed++;
    } else {
      app->stats.send_errors++;
    }
  }
  TERN_CO_END(&app->server.co);
}

int tern_echo_start(tern_echo_app *app, tern_executor *ex, tern_pkt_pool *pool,
                    const tern_rng *rng, tern_netdev dev,
                    const tern_ipv4_addr *addr, uint8_t prefix_len,
                    const tern_ipv4_addr *gateway) {
  tern_endpoint local = {.port = TERN_ECHO_PORT};
  /* The socket must start zeroed (tern_udp_bind) and the counters at 0,
   * wherever the caller's storage comes from. */
  memset(app, 0, sizeof *app);
  int rc = tern_ip_stack_init(&app->ip, pool, rng);
  if (rc == 0) {
    rc = tern_ipv4_init(&app->v4, &app->ip);
  }
  if (rc == 0) {
    rc = tern_ip_iface_add(&app->ip, &app->iface, dev);
  }
  if (rc == 0) {
    rc = tern_ipv4_set_addr(&app->iface, addr, prefix_len, gateway);
  }
  if (rc == 0) {
    rc = tern_udp_init(&app->udp, &app->ip);
  }
  if (rc == 0) {
    rc = tern_udp_bind(&app->udp, &app->server.sock, &local, app->server.ring,
                       sizeof app->server.ring);
  }
  if (rc != 0) {
    return rc;
  }
  tern_task_init(&app->runner.task, runner_poll);
  tern_task_init(&app->server.task, server_poll);
  rc = tern_spawn(ex, &app->runner.task);
  return rc == 0 ? tern_spawn(ex, &app->server.task) : rc;
}
