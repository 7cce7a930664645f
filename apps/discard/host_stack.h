/* The host programs of apps/discard and apps/bulk: an IPv4 stack with UDP
 * and TCP on a TAP device (Ethernet, ARP), optionally captured to a pcap
 * file. Linux only; exits with a message on any error. */
#ifndef TERN_APPS_DISCARD_HOST_STACK_H
#define TERN_APPS_DISCARD_HOST_STACK_H

#include "tern/executor.h"
#include "tern/ip.h"
#include "tern/ipv4.h"
#include "tern/tcp.h"
#include "tern/udp.h"

typedef struct tern_host_stack {
  tern_ip_stack ip;
  tern_ipv4_layer v4;
  tern_ip_iface iface;
  tern_udp_layer udp;
  tern_tcp_layer tcp;
  tern_task ip_task, tcp_task;
} tern_host_stack;

/* Opens tap, with addr ("A.B.C.D/P") and pcap_path (NULL: none), and
 * spawns the IP and TCP runners on ex. prog names the program in
 * messages. */
void tern_host_stack_open(tern_host_stack *s, tern_executor *ex,
                          const char *prog, const char *tap, const char *addr,
                          const char *pcap_path);

/* Exits on SIGINT and SIGTERM from now on. */
void tern_host_stack_exit_on_signals(void);

#endif /* TERN_APPS_DISCARD_HOST_STACK_H */
