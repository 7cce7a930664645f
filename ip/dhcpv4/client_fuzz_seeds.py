#!/usr/bin/env python3
"""Writes client_fuzz's seeds into the folder given (corpus_client).

The scripts are in dhcpv4_client_fuzz.cc's format (its first comment): a
configuration byte, then ops. Replies need no xid here: the harness
answers with the xid of the client's last message unless told otherwise.

  python3 ip/dhcpv4/client_fuzz_seeds.py ip/dhcpv4/corpus_client
"""
import os
import sys

OFFER, ACK, NAK = 0, 1, 2
# Flags of a reply (b1).
WRONG_XID, WRONG_CHADDR, NO_SERVER_ID, OTHER_SERVER = 1, 2, 4, 8
BROADCAST, BAD_PORT, BOOTREQUEST, OLD_XID = 16, 32, 64, 128
# Configuration byte.
PROBE, HOSTNAME, CLIENT_ID = 1, 2, 4
REMEMBER_OFFERED, REMEMBER_OTHER = 1 << 3, 2 << 3


def secs(v):
    """Two bytes for a lease, T1 or T2 (Seconds() in the harness)."""
    if v == 0xffffffff:
        return bytes([0x80, 0])
    if v < 0x4000:
        return v.to_bytes(2, 'big')
    assert v % 64 == 0 and v // 64 < 0x4000
    return (0x4000 | v // 64).to_bytes(2, 'big')


def reply(t, flags=0, yi=0, mask=1, router=True, dns=2, lease=3600,
          t1=None, t2=None, raw=b''):
    b2 = yi | mask << 3 | (32 if router else 0) | dns << 6
    b3 = ((1 if lease is not None else 0) | (2 if t1 is not None else 0) |
          (4 if t2 is not None else 0) | len(raw) << 4)
    return (bytes([0, t, flags, b2, b3]) + secs(lease or 0) +
            secs(t1 or 0) + secs(t2 or 0) + raw)


def time(unit, v):
    return bytes([1, unit, v])


MS10, S1, MIN, HOUR, TO_DEADLINE, PAST_DEADLINE, TO_EXPIRY, JUMP = range(8)


def link(k):  # 0 down, 1 up, 2 down and up, 3 up and down
    return bytes([2, k])


STOP, CONFLICT, DUPLICATE = bytes([3]), bytes([5]), bytes([6])


def start(cfg):
    return bytes([4, cfg])


def dora(lease=3600, t1=None, t2=None, flags=0):
    return (time(S1, 2) + reply(OFFER, flags, lease=lease) +
            reply(ACK, flags, lease=lease, t1=t1, t2=t2))


SEEDS = {
    # DISCOVER, OFFER, REQUEST, ACK, ten bound minutes, RELEASE at the end.
    'dora': bytes([HOSTNAME]) + dora() + time(MIN, 10),
    # Broadcast replies, a duplicate ACK, a client id.
    'dora_broadcast': bytes([CLIENT_ID]) + dora(flags=BROADCAST) + DUPLICATE,
    # Renewed at T1 (unicast), then again, an ACK from another server
    # ignored while renewing.
    'renew': bytes([0]) + dora(600, 100, 500) + time(TO_DEADLINE, 128) +
    reply(ACK, OTHER_SERVER, lease=600) +
    reply(ACK, lease=600, t1=100, t2=500) + time(TO_DEADLINE, 128) +
    reply(ACK, lease=600, t1=100, t2=500),
    # Unanswered renewals to T2, then rebound by another server.
    'rebind': bytes([0]) + dora(1000, 400, 700) + time(MIN, 12) +
    reply(ACK, OTHER_SERVER | BROADCAST, lease=1000),
    # A short lease left to expire, then DISCOVER again.
    'expiry': bytes([0]) + dora(120) + time(TO_EXPIRY, 138) + time(S1, 2) +
    reply(OFFER, lease=60),
    # NAK while requesting, then DORA, then NAK while renewing.
    'nak': bytes([0]) + time(S1, 2) + reply(OFFER) +
    reply(NAK, BROADCAST, lease=None) + time(S1, 2) +
    dora(600, 100, 500)[3:] + time(TO_DEADLINE, 128) +
    reply(NAK, lease=None) + time(S1, 2),
    # Probes, a conflict while probing: DECLINE, DISCOVER 10 s later; then
    # bound after the probes and a conflict while bound.
    'decline': bytes([PROBE]) + dora() + time(S1, 1) + CONFLICT +
    time(S1, 11) + reply(OFFER) + reply(ACK) + time(S1, 5) + CONFLICT +
    time(S1, 12),
    # Branch dhcp33b: bound after the probes, a conflict: defended (one
    # announcement, the address kept); another 12 s later: defended again;
    # another 5 s later: DECLINE, DISCOVER 10 s later.
    'defend': bytes([PROBE]) + dora() + time(S1, 8) + CONFLICT +
    time(S1, 12) + CONFLICT + time(S1, 5) + CONFLICT + time(S1, 12),
    # INIT-REBOOT with a remembered address, ACKed; the link bounces:
    # INIT-REBOOT again, with the address kept, ACKed.
    'init_reboot': bytes([REMEMBER_OFFERED]) +
    reply(ACK, BROADCAST, lease=300) + link(2) +
    reply(ACK, BROADCAST, lease=300) + time(MIN, 3),
    # INIT-REBOOT NAKed: DISCOVER; unanswered INIT-REBOOT after a stop
    # and start: DISCOVER.
    'init_reboot_nak': bytes([REMEMBER_OTHER]) +
    reply(NAK, BROADCAST, lease=None) + time(S1, 2) + STOP +
    start(REMEMBER_OTHER) + time(S1, 20),
    # Stop (RELEASE), start with the address remembered, ACKed.
    'stop_start': bytes([0]) + dora() + time(S1, 5) + STOP +
    start(REMEMBER_OFFERED | PROBE) + reply(ACK, BROADCAST) + time(S1, 5),
    # Leases of 0 s, of 2^32 - 1 s (infinite: renewed at 500,000 s), T1
    # after T2 (ignored: 1/2 and 7/8).
    'lease_edges': bytes([0]) + dora(0) + time(S1, 2) +
    dora(0xffffffff) + time(HOUR, 140) + reply(ACK, lease=0xffffffff) +
    time(S1, 1) + reply(ACK, lease=900, t1=800, t2=400),
    # Replies not for us: wrong xid, chaddr, op, port, no server id.
    'not_ours': bytes([0]) + time(S1, 2) + reply(OFFER, WRONG_XID) +
    reply(OFFER, WRONG_CHADDR) + reply(OFFER, BOOTREQUEST) +
    reply(OFFER, BAD_PORT) + reply(OFFER, NO_SERVER_ID) +
    reply(OFFER, yi=6) + reply(OFFER) + reply(ACK, OLD_XID) + reply(ACK),
    # The link down while bound, up: INIT-REBOOT unanswered, DISCOVER.
    'link_down': bytes([0]) + dora() + link(0) + time(MIN, 1) + link(1) +
    time(S1, 30),
    # The link down while probing (the probes refused): INIT-REBOOT once
    # it is up, ACKed, probed; the link down and up again after two
    # probes: INIT-REBOOT again, ACKed, probed, bound.
    'probe_link_down': bytes([PROBE]) + dora() + link(0) + time(S1, 5) +
    link(1) + reply(ACK, BROADCAST) + time(S1, 2) + link(2) +
    reply(ACK, BROADCAST) + time(S1, 5),
    # Branch dhcplink: the link down while probing for two minutes (the
    # lease kept), up: INIT-REBOOT, ACKed, probed, bound; the link bounces
    # and goes down again in that INIT-REBOOT for two minutes (the address
    # kept), up, ACKed; a conflict in the next INIT-REBOOT: the address
    # given up, DISCOVER 10 s later.
    'link_down_long': bytes([PROBE]) + dora() + link(0) + time(MIN, 2) +
    link(1) + reply(ACK, BROADCAST) + time(S1, 5) + link(2) + link(0) +
    time(MIN, 2) + link(1) + reply(ACK, BROADCAST) + link(2) + CONFLICT +
    time(S1, 12),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
