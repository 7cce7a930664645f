/* The response side of an ESP-AT modem's TCP/UDP subset: an incremental
 * parser fed whatever the UART delivered (a byte, a chunk, a +IPD split
 * anywhere), which hands back one event at a time. No heap, no IO; the
 * state is this struct and a line buffer of the caller's.
 *
 * What a modem sends (ESP-AT, AT+CIPMUX=1; README.md has the sources):
 *
 *   \r\nOK\r\n  \r\nERROR\r\n  FAIL  SEND OK  SEND FAIL     final results
 *   busy p...  busy s...  ERR CODE:0x01090000              before a result
 *   \r\n>       (no line end)      AT+CIPSEND's prompt: send the bytes now
 *   Recv 5 bytes                   the modem took the bytes after the prompt
 *   AT+CIPSTART=...                echo of the command (ATE1, the default)
 *   AT version:...                 (not an echo: AT+GMR's answer, a LINE)
 *   0,CONNECT  0,CLOSED  0,CONNECT FAIL    link events (without "0," in
 *                                          single-link mode)
 *   ALREADY CONNECTED  ready  WIFI CONNECTED  WIFI GOT IP  WIFI DISCONNECT
 *   \r\n+IPD,0,5:hello             5 received bytes on link 0, no line end
 *   \r\n+IPD,0,5,"192.0.2.1",7:hello       the same with AT+CIPDINFO=1
 *   \r\n+IPD,5:hello  \r\n+IPD,5,"192.0.2.1",7:hello    single-link mode
 *   +IPD,0,5 (a line)             passive mode (AT+CIPRECVMODE=1): the
 *                                  modem holds 5 bytes of link 0
 *   +CIPRECVDATA:5,hello           AT+CIPRECVDATA's answer, then OK (ESP-AT
 *   +CIPRECVDATA:5,"192.0.2.1",7,hello     2.x; the second with the sender,
 *   +CIPRECVDATA,5:hello           as AT+CIPDINFO=1 and the parser's
 *                                  recvdata_remote say; the third: ESP8266
 *                                  AT 1.7, also with ,ip,port before ':')
 *
 * The parser is told which mode the modem is in (AT+CIPMUX): in
 * multi-link mode only the numbered forms of the link events and of +IPD
 * are accepted, in single-link mode only the forms without a link, so an
 * event's link is always one the caller has.
 *
 * Lines end at CR or LF (empty lines are skipped). A line that is none of
 * the above is handed on as TERN_AT_EV_LINE (information responses such
 * as +CIFSR:..., "link is not valid", "SET OK").
 *
 * Bad input is dropped and counted in tern_at_stats, never read or written
 * past a buffer, and the parser starts again at the next CR or LF:
 * - a line longer than the line buffer (overlong);
 * - a line with a NUL or another control byte but CR and LF (bad_char);
 * - a +IPD or +CIPRECVDATA header that does not parse (a length over
 *   TERN_AT_IPD_LEN_MAX included), a +CIPRECVDATA header cut by a CR or
 *   LF, a +IPD line that is not the passive form, a link out of range or
 *   of the other mode's form (bad_ipd): a header too malformed to trust
 *   its length, so the bytes after it are read as lines again; said
 *   (TERN_AT_EV_IPD_BAD) when the stream it was for is known. A header
 *   whose length parsed and whose sender did not (a bad address, port 0:
 *   a UDP peer may send from it) is bad_ipd and said too, but its payload
 *   is skipped byte for byte as below: the peer chooses it. So is the
 *   rest of a "+CIPRECVDATA:<len>," that should name the sender
 *   (tern_at_parser_recvdata_remote) and is cut after its length parsed
 *   (a line end, a control byte, the line buffer's end): the bytes after
 *   the length may be payload, from a modem that sends no sender;
 * - a well-formed header whose length is over the configured maximum
 *   (ipd_too_long): said (TERN_AT_EV_IPD_TOO_LONG), and its payload,
 *   which is the network's, skipped byte for byte: never read as lines,
 *   so a peer cannot make its data pass for the modem's words;
 * - a link event whose link does not parse, is out of range or is of the
 *   other mode's form, or a number in ERR CODE or Recv that does not parse
 *   (bad_number).
 * What the protocol cannot show is not caught: a UART that loses bytes
 * inside a +IPD payload, or a bit error that turns a length into a larger
 * well-formed one, makes the parser take the bytes after it for payload
 * (TERN_AT_IPD_LEN_MAX at most); the owner notices by a timeout and calls
 * tern_at_parser_reset. A bit error that makes a length smaller leaves the
 * rest of the payload to be read as lines. */
#ifndef TERN_AT_PARSER_H
#define TERN_AT_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "tern/addr.h"
#include "tern/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The smallest line buffer: the longest +IPD header (link 15, a 10-digit
 * length, a quoted IPv6 address with an IPv4 tail, port 65535) fits. 128
 * is a good size: ESP-AT's longest TCP/UDP information lines fit. */
#define TERN_AT_LINE_MIN 80

/* The longest +IPD or +CIPRECVDATA payload a header may announce and still
 * be taken as well formed: what ESP-AT can send in one. A TCP push is
 * bounded by lwIP's receive window (ESP-AT's default 5760; 65535 at most
 * without window scaling), a UDP datagram by 65507 bytes over IPv4 and
 * 65527 over IPv6. A longer length is a corrupted header (bad_ipd): its
 * bytes are read as lines, rather than skipping up to 4 GiB of the
 * UART. */
#define TERN_AT_IPD_LEN_MAX 65535u

/* Links the parser can number: ESP-AT has 5 (0..4) unless built with more;
 * the parser accepts 0..links-1 with links at most this. */
#define TERN_AT_MAX_LINKS 16

/* The link of an event that names none: every event in single-link mode,
 * and the events that are not about a link in either mode. */
#define TERN_AT_NO_LINK 0xFF

typedef enum tern_at_ev {
  TERN_AT_EV_NONE = 0,     /* no event: every byte given was consumed */
  TERN_AT_EV_OK,           /* "OK" */
  TERN_AT_EV_ERROR,        /* "ERROR" */
  TERN_AT_EV_FAIL,         /* "FAIL" */
  TERN_AT_EV_SEND_OK,      /* "SEND OK" */
  TERN_AT_EV_SEND_FAIL,    /* "SEND FAIL" */
  TERN_AT_EV_BUSY,         /* "busy p..." (value 'p'), "busy s..." ('s') */
  TERN_AT_EV_ERR_CODE,     /* "ERR CODE:0x..." (value: the code) */
  TERN_AT_EV_PROMPT,       /* ">" at the start of a line */
  TERN_AT_EV_RECV,         /* "Recv N bytes" (value: N) */
  TERN_AT_EV_ECHO,         /* "AT", "AT+...", "ATE...": a command echoed */
  TERN_AT_EV_READY,        /* "ready": the modem (re)started */
  TERN_AT_EV_WIFI,         /* "WIFI ..." (value: tern_at_wifi) */
  TERN_AT_EV_CONNECT,      /* "<link>,CONNECT" or "CONNECT" */
  TERN_AT_EV_CLOSED,       /* "<link>,CLOSED" or "CLOSED" */
  TERN_AT_EV_CONNECT_FAIL, /* "<link>,CONNECT FAIL" or "CONNECT FAIL" */
  TERN_AT_EV_ALREADY,      /* "ALREADY CONNECTED" (or "ALREADY CONNECT") */
  TERN_AT_EV_IPD,          /* a +IPD header (value: the payload length) */
  TERN_AT_EV_IPD_DATA,     /* payload bytes of the current +IPD */
  TERN_AT_EV_LINE,         /* any other line (data, len: its text) */
  /* Passive receive mode (AT+CIPRECVMODE=1): "+IPD,<link>,<len>" as a line,
   * no payload: the modem holds len bytes of the link (value). */
  TERN_AT_EV_IPD_HELD,
  /* "+CIPRECVDATA:<len>," or "+CIPRECVDATA,<len>:" (value: the payload
   * length; remote with the sender's fields): AT+CIPRECVDATA's answer,
   * whose link is the command's. */
  TERN_AT_EV_RECVDATA,
  TERN_AT_EV_RECVDATA_DATA, /* payload bytes of the current +CIPRECVDATA */
  /* A +IPD (link as IPD's) or +CIPRECVDATA (no link) header whose length
   * (value) is over ipd_max: its payload follows as TOO_LONG_DATA, to be
   * dropped. Its link's byte stream has a hole. */
  TERN_AT_EV_IPD_TOO_LONG,
  /* Payload bytes of the current IPD_TOO_LONG, or IPD_BAD with a length
   * (link as its; value: bytes still to come): the network's bytes, never
   * the modem's lines, handed on only to be counted and dropped. */
  TERN_AT_EV_TOO_LONG_DATA,
  /* A +IPD or +CIPRECVDATA header dropped as malformed (bad_ipd) whose
   * stream is known: a +IPD of the mode's form whose link parsed (link;
   * TERN_AT_NO_LINK in single-link mode) and then a length, address or
   * port did not, or any +CIPRECVDATA (no link: the command's). Its
   * payload, if it had one, is lost: the stream has a hole. value: 0 when
   * the length did not parse (the bytes after it are read as lines), or
   * the length when only the sender did not (its payload follows as
   * TOO_LONG_DATA; of a +CIPRECVDATA cut in its sender's fields, the
   * payload bytes still to come). A +IPD whose link does not parse is
   * only counted. */
  TERN_AT_EV_IPD_BAD,
} tern_at_ev;

/* TERN_AT_EV_WIFI's value. */
typedef enum tern_at_wifi {
  TERN_AT_WIFI_CONNECTED = 1, /* "WIFI CONNECTED" */
  TERN_AT_WIFI_GOT_IP,        /* "WIFI GOT IP" */
  TERN_AT_WIFI_DISCONNECT,    /* "WIFI DISCONNECT" */
} tern_at_wifi;

/* One event. Fields not named for a kind are 0 (link: TERN_AT_NO_LINK). */
typedef struct tern_at_event {
  uint8_t kind; /* tern_at_ev */
  /* CONNECT, CLOSED, CONNECT_FAIL, IPD, IPD_DATA, IPD_HELD in multi-link
   * mode (and IPD_TOO_LONG, TOO_LONG_DATA and IPD_BAD of a +IPD): the
   * link, 0..links-1. Otherwise TERN_AT_NO_LINK. */
  uint8_t link;
  /* IPD, RECVDATA (and IPD_TOO_LONG, from the same header): 1 when the
   * header carried the remote end (AT+CIPDINFO=1). */
  uint8_t has_remote;
  /* IPD, RECVDATA, IPD_TOO_LONG: payload length; IPD_DATA, RECVDATA_DATA,
   * TOO_LONG_DATA: payload bytes still to come after these (0 on its last
   * bytes); IPD_HELD:
   * the bytes the modem holds; ERR_CODE: the code; RECV: the count; BUSY: the
   * letter after "busy "; WIFI: tern_at_wifi. */
  uint32_t value;
  /* IPD, RECVDATA, IPD_TOO_LONG with has_remote: who sent the payload
   * (scope 0). */
  tern_endpoint remote;
  /* IPD_DATA: the payload bytes, inside the input given to
   * tern_at_parser_feed (no copy); so are RECVDATA_DATA's and
   * TOO_LONG_DATA's. LINE and ECHO: the
   * line without its end, in the line buffer. Valid until the next
   * tern_at_parser_feed. */
  const uint8_t *data;
  size_t len;
} tern_at_event;

/* What the parser saw. Every non-empty line, prompt and +IPD is counted
 * once: handed on (lines, prompts, ipd) or dropped by reason. Counters
 * wrap. */
typedef struct tern_at_stats {
  uint32_t lines;        /* lines handed on as an event (LINE included) */
  uint32_t other;        /* ... of which unrecognised (TERN_AT_EV_LINE) */
  uint32_t prompts;      /* ">" prompts */
  uint32_t ipd;          /* +IPD and +CIPRECVDATA headers accepted */
  uint32_t ipd_bytes;    /* payload bytes handed on (TOO_LONG_DATA too) */
  uint32_t overlong;     /* dropped: a line longer than the line buffer */
  uint32_t bad_char;     /* dropped: a control byte in a line */
  uint32_t bad_ipd;      /* dropped: a +IPD or +CIPRECVDATA header (said,
                          * when its stream is known: IPD_BAD) */
  uint32_t ipd_too_long; /* dropped: a payload length over ipd_max (said:
                          * TERN_AT_EV_IPD_TOO_LONG, its bytes skipped) */
  uint32_t bad_number;   /* dropped: a result or link event's number */
} tern_at_stats;

/* The parser. Fields are private except stats. */
typedef struct tern_at_parser {
  uint8_t *buf;      /* the caller's line buffer */
  size_t cap;        /* its size */
  size_t len;        /* bytes of the line so far */
  uint32_t ipd_max;  /* the longest +IPD payload accepted */
  uint32_t left;     /* payload bytes of the current +IPD still to come */
  uint8_t links;     /* link numbers accepted: 0..links-1 */
  uint8_t state;     /* in a line, discarding to its end, in a payload */
  uint8_t flags;     /* after a prompt, in a header, in quotes */
  uint8_t ipd_link;  /* the current +IPD's link */
  uint8_t rd_remote; /* +CIPRECVDATA:<len>, is followed by ip,port, */
  tern_at_stats stats;
} tern_at_parser;

/* Starts a parser with its line buffer (cap bytes, at least
 * TERN_AT_LINE_MIN), the longest +IPD payload to hand on (1 to
 * TERN_AT_IPD_LEN_MAX; 2048 is the size of ESP-AT's sends; a longer one
 * is said and skipped) and the mode: links is how many links
 * the modem numbers in multi-link mode (AT+CIPMUX=1; 1..TERN_AT_MAX_LINKS,
 * ESP-AT: 5), or 0 for single-link mode. The parser starts at the start
 * of a line with zeroed statistics. Returns 0, or TERN_EINVAL (NULL p or
 * buf, cap or a count out of range) leaving *p unusable. */
int tern_at_parser_init(tern_at_parser *p, uint8_t *buf, size_t cap,
                        uint32_t ipd_max, unsigned links);

/* Feeds received bytes. Consumes them up to and including the byte that
 * completes an event, describes it in *ev and returns the number of bytes
 * consumed; the caller calls again with the rest. An IPD_DATA event
 * consumes exactly its payload bytes (ev->data is in + offset). When all
 * len bytes are consumed with no event, returns len with ev->kind
 * TERN_AT_EV_NONE. Never returns 0 for len > 0. */
size_t tern_at_parser_feed(tern_at_parser *p, const uint8_t *in, size_t len,
                           tern_at_event *ev);

/* Whether the ESP-AT 2.x form "+CIPRECVDATA:<len>,<data>" carries the
 * sender ("+CIPRECVDATA:<len>,<ip>,<port>,<data>"): it does after
 * AT+CIPDINFO=1. Nothing in the bytes tells the two apart (the data may
 * begin with anything), so the owner says which it asked for; off after
 * init. The ESP8266 form ("+CIPRECVDATA,<len>[,<ip>,<port>]:") is read
 * either way. */
void tern_at_parser_recvdata_remote(tern_at_parser *p, int on);

/* Whether the parser is inside a +IPD or +CIPRECVDATA: its header or its
 * payload, one being skipped included (bytes are the frame's, not lines,
 * until it ends; a reset there reads the rest of it as lines). */
int tern_at_parser_in_payload(const tern_at_parser *p);

/* Forgets the line or payload in progress, without counting it, and
 * starts again at the start of a line (after a timeout with a payload
 * unfinished, or when the modem restarts). Statistics are kept. */
void tern_at_parser_reset(tern_at_parser *p);

/* Information lines (a TERN_AT_EV_LINE's text), read without a copy and
 * never past s + n.
 *
 * "+CIPSTATUS:<link>,"<type>","<remote ip>",<remote port>,<local port>,
 * <tetype>" (AT+CIPSTATUS, one per open link): *link (0..15), *remote and
 * *local_port. Returns 0, or TERN_EINVAL for any other line or a field
 * that does not parse (a port over 65535, a bad address). */
int tern_at_info_cipstatus(const uint8_t *s, size_t n, unsigned *link,
                           tern_endpoint *remote, uint16_t *local_port);

/* "+CIFSR:STAIP,"<ip>"" (AT+CIFSR): the station's address into *ip.
 * Returns 0, or TERN_EINVAL for any other line (the access point's
 * +CIFSR:APIP, the MAC lines) or a bad address. */
int tern_at_info_staip(const uint8_t *s, size_t n, tern_ip_addr *ip);

#ifdef __cplusplus
}
#endif

#endif /* TERN_AT_PARSER_H */
