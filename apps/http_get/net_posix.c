/* The http_get program over the host OS's sockets (//sockets/posix): no
 * options, one socket. */
#include "apps/http_get/host_net.h"
#include "tern/socket_posix.h"

const char *const http_host_net_usage = "";

static tern_socket_posix net;
static tern_socket_posix_sock socks[1];

int http_host_net_option(const char *name, const char *value) {
  (void)name;
  (void)value;
  return 0;
}

tern_net *http_host_net_open(tern_executor *ex, const char *prog) {
  (void)ex;
  (void)prog;
  tern_socket_posix_init(&net, socks, 1);
  return tern_socket_posix_net(&net);
}
