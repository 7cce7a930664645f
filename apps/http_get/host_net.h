/* The seam between the host program's main (host_main.c, the same for
 * every backend) and one backend's composition (net_posix.c, net_tern.c,
 * net_at_modem.c): its options, and the tern_net it sets up. Each program links
 * host_main.c with exactly one of them. */
#ifndef TERN_APPS_HTTP_GET_HOST_NET_H
#define TERN_APPS_HTTP_GET_HOST_NET_H

#include "tern/executor.h"
#include "tern/socket.h"

/* The backend's options for the usage line ("" if none). */
extern const char *const http_host_net_usage;

/* Takes the option name (e.g. "--tap") with its value: returns 1 if it is
 * the backend's, 0 if not. */
int http_host_net_option(const char *name, const char *value);

/* Sets up the backend on ex (spawning any task it needs) and returns what
 * the application is given; on a missing option or an error it prints a
 * line naming prog and exits (2 for usage, 1 otherwise). */
tern_net *http_host_net_open(tern_executor *ex, const char *prog);

#endif /* TERN_APPS_HTTP_GET_HOST_NET_H */
