/* The command side of an ESP-AT modem's TCP/UDP subset: formatters that
 * write one command line ("AT+CIPSTART=0,\"TCP\",\"192.0.2.1\",7\r\n")
 * into a caller's buffer after checking every argument. No heap, no IO.
 *
 * Each returns the number of bytes written (no NUL is written: the bytes go
 * to a UART as they are), TERN_EINVAL for an argument out of its domain
 * (nothing is written), or TERN_ENOSPC when the command would not fit in
 * cap (nothing is written). TERN_AT_CMD_MAX bytes always fit. */
#ifndef TERN_AT_CMD_H
#define TERN_AT_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest command formatted here: AT+CIPSTART to link 15 over UDPv6,
 * a 45-character IPv6 address, both ports 5 digits. */
#define TERN_AT_CMD_MAX 96

/* The highest link number formatted (ESP-AT numbers links 0..4 unless
 * built with more). */
#define TERN_AT_CMD_LINK_MAX 15

/* The most bytes one AT+CIPSEND may carry: 2048, the limit in Espressif's
 * ESP8266 and ESP32 AT documents. (Later firmware is said to take more;
 * not confirmed, so not allowed here.) */
#define TERN_AT_SEND_MAX 2048

/* Constant commands. */
#define TERN_AT_CMD_AT "AT\r\n"                  /* is the modem there? OK */
#define TERN_AT_CMD_ECHO_OFF "ATE0\r\n"          /* stop echoing commands */
#define TERN_AT_CMD_ECHO_ON "ATE1\r\n"           /* echo commands (default) */
#define TERN_AT_CMD_MUX_ON "AT+CIPMUX=1\r\n"     /* numbered links */
#define TERN_AT_CMD_DINFO_ON "AT+CIPDINFO=1\r\n" /* +IPD with the sender */
#define TERN_AT_CMD_DINFO_OFF "AT+CIPDINFO=0\r\n"
/* Passive receive mode: "+IPD,<link>,<len>" says what the modem holds,
 * AT+CIPRECVDATA fetches it. */
#define TERN_AT_CMD_RECV_PASSIVE "AT+CIPRECVMODE=1\r\n"
#define TERN_AT_CMD_MUX_QUERY "AT+CIPMUX?\r\n" /* +CIPMUX:<mode>, OK */
/* Deletes the server; connections it accepted stay open (ESP-AT 2.x's
 * default; AT+CIPSERVER=0,1 would close them too). */
#define TERN_AT_CMD_SERVER_OFF "AT+CIPSERVER=0\r\n"
/* The server's idle timeout off: the modem then never closes a connection
 * to its server for silence (default 180 s on ESP8266 firmware). */
#define TERN_AT_CMD_STO_OFF "AT+CIPSTO=0\r\n"

typedef enum tern_at_proto {
  TERN_AT_TCP = 0,
  TERN_AT_UDP = 1,
} tern_at_proto;

/* AT+CIPSTART=<link>,"<type>","<address>",<port>[,<local port>]: opens a
 * TCP connection or a UDP association on a link (AT+CIPMUX=1). The type
 * is "TCP" or "UDP" for an IPv4 remote and "TCPv6" or "UDPv6" for an IPv6
 * one (ESP-AT wants AT+CIPV6=1 first). local_port is 0 for none, and may
 * be set only for UDP (ESP-AT's TCP form has no local port). TERN_EINVAL:
 * link over TERN_AT_CMD_LINK_MAX, proto not one of tern_at_proto, remote
 * NULL or of no family, remote port 0, a local port with TCP;
 * TERN_ENOTSUP: an IPv6 remote with a scope (the command has no zone). */
int tern_at_cmd_cipstart(char *buf, size_t cap, unsigned link,
                         tern_at_proto proto, const tern_endpoint *remote,
                         uint16_t local_port);

/* AT+CIPSEND=<link>,<len>: asks to send len bytes on a link; the modem
 * answers OK and a ">" prompt, takes exactly len bytes, then SEND OK or
 * SEND FAIL. TERN_EINVAL: link over TERN_AT_CMD_LINK_MAX, len 0 or over
 * TERN_AT_SEND_MAX. */
int tern_at_cmd_cipsend(char *buf, size_t cap, unsigned link, size_t len);

/* AT+CIPSEND=<link>,<len>,"<address>",<port>: the same, to a UDP peer
 * named in the command rather than the link's (ESP-AT documents it for
 * UDP links only). TERN_EINVAL as tern_at_cmd_cipsend, and for a remote
 * that is NULL, of no family or port 0; TERN_ENOTSUP: an IPv6 remote with
 * a scope. */
int tern_at_cmd_cipsend_to(char *buf, size_t cap, unsigned link, size_t len,
                           const tern_endpoint *remote);

/* AT+CIPRECVDATA=<link>,<len>: in passive receive mode, asks for up to
 * len of the bytes the modem holds for a link; it answers
 * "+CIPRECVDATA:<n>,<data>" (ESP-AT 2.x; "+CIPRECVDATA,<n>:<data>" on
 * ESP8266 AT 1.7) and OK, or ERROR when it holds none. TERN_EINVAL as
 * tern_at_cmd_cipsend (a fetch is bounded as a send is). */
int tern_at_cmd_ciprecvdata(char *buf, size_t cap, unsigned link, size_t len);

/* AT+CIPSERVER=1,<port>: creates the modem's one TCP server (wants
 * AT+CIPMUX=1); each connection to it takes a free link, announced as
 * "<link>,CONNECT". TERN_EINVAL: port 0 (ESP-AT would take its default,
 * 333). */
int tern_at_cmd_cipserver(char *buf, size_t cap, uint16_t port);

/* AT+CIPCLOSE=<link>: closes a link; the modem answers "<link>,CLOSED" and
 * OK, or ERROR when the link was not open. TERN_EINVAL: link over
 * TERN_AT_CMD_LINK_MAX. */
int tern_at_cmd_cipclose(char *buf, size_t cap, unsigned link);

#ifdef __cplusplus
}
#endif

#endif /* TERN_AT_CMD_H */
