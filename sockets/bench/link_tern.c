/* Link-time selection, for the comparison in README.md: the tern
 * backend's own code (socket_tern.c, included whole) built with its
 * operations as plain external functions under the names the application
 * calls (app.h's lt_*), and no ops table between them: what a backend
 * chosen by the linker would be. A benchmark, not a product.
 *
 * How: the headers socket_tern.c uses are included first (their include
 * guards keep them as they are), then `static` is defined away so that
 * socket_tern.c's file-local functions become external, and each
 * operation is renamed to its lt_ name. The table and
 * tern_socket_tern_init are still compiled but nothing references them,
 * so the linker's --gc-sections drops them. */
#include <string.h>

#include "tern/err.h"
#include "tern/socket_tern.h"

#define static
#define t_open lt_open
#define t_bind lt_bind
#define t_listen lt_listen
#define t_poll_accept lt_poll_accept
#define t_connect lt_connect
#define t_poll_connect lt_poll_connect
#define t_poll_send_to lt_poll_send_to
#define t_poll_recv_from lt_poll_recv_from
#define t_endpoint lt_endpoint
#define t_set_option lt_set_option
#define t_poll_close lt_poll_close
#define t_abort lt_abort
#define t_read lt_read
#define t_write lt_write
#define setup lt_setup
#include "sockets/tern/socket_tern.c"
