#include "apps/echo/echo.h"

static tern_poll runner_poll(tern_task *t, tern_cx *cx) {
  tern_echo_app *app = TERN_CONTAINER_OF(t, tern_echo_app, runner.task);
  return tern_ipv4_stack_poll_run(&app->ip, cx);
}

static tern_poll server_poll(tern_task *t, tern_cx *cx) {
  tern_echo_app *app = TERN_CONTAINER_OF(t, tern_echo_app, server.task);
  TERN_CO_BEGIN(&app->server.co);
  for (;;) {
    TERN_CO_AWAIT(&app->server.co,
                  tern_udp_poll_recv_from(
                      &app->server.sock, cx, &app->server.from, app->server.buf,
                      sizeof app->server.buf, &app->server.n));
    if (app->server.n < 0) {
      break; /* the socket was closed */
    }
    if (app->server.n > (int)sizeof app->server.buf) {
      app->stats.truncated++;
      app->server.n = (int)sizeof app->server.buf;
    }
    TERN_CO_AWAIT(&app->server.co,
                  tern_udp_poll_send_to(
                      &app->server.sock, cx, &app->server.from, app->server.buf,
                      (size_t)app->server.n, &app->server.err));
    if (app->server.err == 0) {
      app->stats.echoed++;
    } else {
      app->stats.send_errors++;
    }
  }
  TERN_CO_END(&app->server.co);
}

int tern_echo_start(tern_echo_app *app, tern_executor *ex, tern_pkt_pool *pool,
                    tern_netdev dev, const tern_ipv4_addr *addr,
                    uint8_t prefix_len, const tern_ipv4_addr *gateway) {
  int rc = tern_ipv4_stack_init(&app->ip, pool);
  if (rc == 0) {
    rc = tern_ipv4_iface_add(&app->ip, &app->iface, dev, addr, prefix_len,
                             gateway);
  }
  if (rc == 0) {
    rc = tern_udp_init(&app->udp, &app->ip);
  }
  if (rc == 0) {
    rc = tern_udp_bind(&app->udp, &app->server.sock, TERN_ECHO_PORT,
                       app->server.ring, sizeof app->server.ring);
  }
  if (rc != 0) {
    return rc;
  }
  app->server.co = 0;
  tern_task_init(&app->runner.task, runner_poll);
  tern_task_init(&app->server.task, server_poll);
  rc = tern_spawn(ex, &app->runner.task);
  return rc == 0 ? tern_spawn(ex, &app->server.task) : rc;
}
