/* CHAP with MD5 (RFC 1994) as a client: answers the peer's challenges.
 * Linked only by programs that call tern_ppp_use_chap. */
#include <stdbool.h>
#include <string.h>

#include "link/ppp/ppp_internal.h"
#include "tern/cp_wire.h"
#include "tern/md5.h"
#include "tern/ppp.h"

/* A CHAP packet from the peer (data at the code). Takes the packet. A
 * Challenge is answered in place: Response = MD5(identifier, secret,
 * challenge) and our name (RFC 1994 4.1); Success and Failure, after a
 * Response and with its identifier (4.2), end the authentication phase. The
 * peer may challenge again at any time once the network phase began (RFC
 * 1994 2): answered the same way; a Failure then ends the link, a Success
 * changes nothing. */
static void chap_input(tern_ppp *p, tern_pkt *pkt) {
  tern_ppp_cp cp;
  bool again = p->phase == TERN_PPP_NETWORK;
  /* The core passes CHAP on once LCP is opened: in the authentication
   * or the network phase. */
  if (tern_ppp_cp_parse(tern_pkt_data(pkt), tern_pkt_len(pkt), &cp) != 0 ||
      p->auth != TERN__PPP_AUTH_CHAP) {
    p->ppp_stats.bad_packet++;
    tern_pkt_free(pkt);
    return;
  }
  if ((cp.code == TERN_CHAP_SUCCESS || cp.code == TERN_CHAP_FAILURE) &&
      p->auth_sent && cp.id == p->pap_id) {
    tern_pkt_free(pkt);
    if (!again || cp.code == TERN_CHAP_FAILURE) {
      tern__ppp_auth_done(p, cp.code == TERN_CHAP_SUCCESS);
    }
    return;
  }
  size_t name_len = strlen(p->cfg.user);
  size_t len = 4 + 1 + 16 + name_len;
  /* A Challenge's Value is one octet or more (RFC 1994 4.1). */
  if (cp.code != TERN_CHAP_CHALLENGE || cp.data_len < 1 || cp.data[0] == 0 ||
      cp.data[0] > cp.data_len - 1 ||
      tern_pkt_len(pkt) + tern_pkt_tailroom(pkt) < len) {
    p->ppp_stats.bad_packet++;
    tern_pkt_free(pkt);
    return;
  }
  tern_md5 m;
  tern_md5_init(&m);
  tern_md5_update(&m, &cp.id, 1);
  tern_md5_update(&m, p->cfg.password, strlen(p->cfg.password));
  tern_md5_update(&m, cp.data + 1, cp.data[0]);
  uint8_t *d = tern_pkt_data(pkt);
  if (len > tern_pkt_len(pkt)) {
    (void)tern_pkt_put(pkt, len - tern_pkt_len(pkt));
  }
  d[4] = 16;
  tern_md5_final(&m, d + 5);
  memcpy(d + 21, p->cfg.user, name_len);
  p->pap_id = cp.id; /* what the Success or Failure must carry */
  p->auth_sent = 1;
  tern__ppp_ctl_send(p, pkt, TERN_PPP_PROTO_CHAP, TERN_CHAP_RESPONSE, cp.id,
                     len);
}

void tern_ppp_use_chap(tern_ppp *ppp) {
  ppp->chap_input = chap_input;
}
