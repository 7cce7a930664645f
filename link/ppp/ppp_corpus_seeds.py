#!/usr/bin/env python3
"""Writes seven of ppp_fuzz's seeds (pap_ipcp_ipv4, chap_ipv6cp_ipv6,
looped_magic, nak_reject_timeout, up_ip_echo_terminate and
ipv6cp_mru_below_1280 with IPV6CP linked; ipv4_only_mru576 without) into
the folder given (ppp_corpus).

The inputs are in ppp_fuzz.cc's format: a byte choosing the link (1:
IPV6CP linked, 0: IPv4 only), then records of a control byte, a length
byte and that many bytes. Our identifiers are the automata's (1 for each first
request), and our magic numbers come from the harness's RNG (an LCG from
7), replayed here: a change to the harness's RNG or to the order of the
link's draws needs the seeds written again. The peer's Configure-Acks
carry our request's options exactly (RFC 1661 5.2; the link discards
others), so a change to what we ask for (the harness's configuration,
the order of our options) needs them written again too.

  python3 link/ppp/ppp_corpus_seeds.py link/ppp/ppp_corpus
"""
import os
import struct
import sys

# RNG of ppp_fuzz.cc: LCG from 7, each byte the top byte.
class Rng:
    def __init__(s): s.n = 7
    def byte(s):
        s.n = (s.n * 1664525 + 1013904223) & 0xffffffff
        return s.n >> 24
    def fill(s, k): return bytes(s.byte() for _ in range(k))
r = Rng()
# A magic number: 4 bytes read as a little-endian word (the fuzzer runs
# on x86-64), sent big-endian. Our first one is drawn by tern_ppp_init,
# then IPV6CP's identifier (8 bytes); each Nak of our own number draws
# our next one and then the value the Nak suggests.
def magic_draw():
    b = r.fill(4)
    return struct.unpack('<I', b)[0]
M = [magic_draw()]
ifid = r.fill(8)
X = []
for k in range(6):
    M.append(magic_draw()); X.append(magic_draw())

def rec(ctl, payload):
    assert len(payload) < 256
    return bytes([ctl, len(payload)]) + payload
def cp(code, ident, data=b''):
    return bytes([code, ident]) + struct.pack('>H', len(data) + 4) + data
def opt(t, v=b''):
    return bytes([t, len(v) + 2]) + v
LCP, IPCP, PAP, CHAP, IPV4, CCP, BAD, RAW = range(8)
V6 = 0x20   # with IPCP's slot (1): IPV6CP; with IPv4's (4): IPv6
SEND, TIME = 0x10, 0x08
PEER_MAGIC = struct.pack('>I', 0x11223344)

def ipv4(src, dst, payload=b'hello'):
    tot = 20 + 8 + len(payload)
    h = bytearray(struct.pack('>BBHHHBBH4s4s', 0x45, 0, tot, 1, 0, 64, 17, 0, bytes(src), bytes(dst)))
    s = sum(struct.unpack('>10H', h)); s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)
    h[10:12] = struct.pack('>H', ~s & 0xffff)
    return bytes(h) + struct.pack('>HHHH', 7, 7, 8 + len(payload), 0) + payload
def ipv6(payload=b'hello'):
    return struct.pack('>IHBB', 0x60000000, len(payload), 17, 64) + bytes(15) + b'\x01' + bytes(15) + b'\x02' + payload

# Our requests, as the harness configures the link (MRU 1280, ACCM 0, two
# DNS servers), to ack them.
def lcp_ours(mru):
    return (opt(1, struct.pack('>H', mru)) + opt(2, bytes(4)) +
            opt(5, struct.pack('>I', M[0])) + opt(7) + opt(8))
LCP_OURS = lcp_ours(1280)
def ipcp_ours(addr, dns1, dns2):
    return opt(3, bytes(addr)) + opt(129, bytes(dns1)) + opt(131, bytes(dns2))

seeds = {}
# PAP then IPCP (the peer Naks our address, offers DNS), IPv4 both ways,
# an echo, a keepalive period, the peer terminating.
seeds['pap_ipcp_ipv4'] = b''.join([
    rec(LCP, cp(1, 1, opt(3, b'\xc0\x23') + opt(5, PEER_MAGIC) + opt(7) + opt(8))),
    rec(LCP, cp(2, 1, LCP_OURS)),
    rec(PAP, cp(2, 1, b'\x00')),
    rec(IPCP, cp(1, 1, opt(3, bytes(4)))),
    rec(IPCP, cp(3, 1, opt(3, bytes([10, 0, 0, 2])) + opt(129, bytes([10, 0, 0, 53])) + opt(131, bytes([10, 0, 0, 54])))),
    rec(IPCP, cp(2, 2, ipcp_ours([10, 0, 0, 2], [10, 0, 0, 53], [10, 0, 0, 54]))),
    rec(IPCP, cp(1, 2, opt(3, bytes([10, 0, 0, 1])))),
    rec(IPV4 | SEND, ipv4([10, 0, 0, 1], [10, 0, 0, 2])),
    rec(LCP | TIME, cp(9, 3, PEER_MAGIC + b'abc')),
    rec(LCP, cp(10, 1, PEER_MAGIC)),
    rec(LCP, cp(5, 4)),
])
# CHAP-MD5, IPV6CP (our identifier Nak'd, the peer's zero one Nak'd by us),
# IPv6 both ways, a second challenge, IPCP protocol-rejected.
seeds['chap_ipv6cp_ipv6'] = b''.join([
    rec(LCP, cp(1, 1, opt(3, b'\xc2\x23\x05') + opt(5, PEER_MAGIC))),
    rec(LCP, cp(2, 1, LCP_OURS)),
    rec(CHAP, cp(1, 7, bytes([16]) + bytes(range(16)) + b'peer')),
    rec(CHAP, cp(3, 7)),
    rec(IPCP | V6, cp(1, 1, opt(1, bytes(8)))),
    rec(IPCP | V6, cp(3, 1, opt(1, bytes([2, 0, 0, 0, 0, 0, 0, 2])))),
    rec(IPCP | V6, cp(2, 2, opt(1, bytes([2, 0, 0, 0, 0, 0, 0, 2])))),
    rec(IPCP | V6, cp(1, 2, opt(1, bytes([2, 0, 0, 0, 0, 0, 0, 1])))),
    rec(IPV4 | V6 | SEND, ipv6()),
    rec(CHAP, cp(1, 8, bytes([4]) + b'abcd')),
    rec(LCP, cp(8, 9, b'\x80\x21' + cp(1, 1))),
    rec(CHAP, cp(4, 8)),
])
# Our magic number coming back (a looped line): five Naks, then the link
# ends (TERN_PPP_FAIL_LOOPBACK).
seeds['looped_magic'] = b''.join(
    rec(LCP, cp(1, 1 + k, opt(5, struct.pack('>I', M[k])))) for k in range(5))
# A peer that Naks every request: MRU, ACCM, magic; rejects PFC/ACFC;
# then silence until Max-Configure.
seeds['nak_reject_timeout'] = b''.join([
    rec(LCP, cp(3, 1, opt(1, b'\x05\xdc') + opt(2, b'\x00\x0a\x00\x00') + opt(5, b'\x01\x02\x03\x04'))),
    rec(LCP, cp(4, 2, opt(7) + opt(8))),
    rec(LCP, cp(1, 1, opt(1, b'\x00\x20') + opt(4, b'\xc0\x25') + opt(13, b'\x06'))),
] + [rec(LCP | TIME, cp(1, 2 + k, opt(1, b'\x00\x20'))) for k in range(6)])
# LCP and IPCP up (our address Nak'd to 10.0.0.2, the DNS servers acked
# as asked for: 0; an Ack of address 0 is discarded), an IPv4 datagram
# each way, an echo, two restart periods, the peer terminating.
seeds['up_ip_echo_terminate'] = b''.join([
    rec(LCP, cp(1, 1, opt(5, PEER_MAGIC))),
    rec(LCP, cp(2, 1, LCP_OURS)),
    rec(IPCP, cp(1, 1, opt(3, bytes([10, 0, 0, 1])))),
    rec(IPCP, cp(3, 1, opt(3, bytes([10, 0, 0, 2])))),
    rec(IPCP, cp(2, 2, ipcp_ours([10, 0, 0, 2], bytes(4), bytes(4)))),
    rec(IPV4 | SEND, ipv4([10, 0, 0, 1], [10, 0, 0, 2], b'')),
    rec(LCP, cp(9, 2, PEER_MAGIC)),
    rec(LCP | TIME, b''),
    rec(LCP | TIME, b''),
    rec(LCP, cp(5, 3)),
])
# IPv4 only (IPV6CP not linked: the least MRU taken is 576): the peer
# asks for an MRU of 575 (Nak'd up to 576), then 576 (acked), naks ours
# down to 600 (taken: our next request asks for it); IPCP up, IPv4 both
# ways; IPV6CP and an IPv6 send refused; the peer terminating. With
# IPV6CP, 576 and 600 would be Nak'd or ignored.
ipv4_only = b''.join([
    rec(LCP, cp(1, 1, opt(1, struct.pack('>H', 575)) + opt(5, PEER_MAGIC))),
    rec(LCP, cp(3, 1, opt(1, struct.pack('>H', 600)))),
    rec(LCP, cp(1, 2, opt(1, struct.pack('>H', 576)) + opt(5, PEER_MAGIC))),
    rec(LCP, cp(2, 2, lcp_ours(600))),
    rec(IPCP, cp(1, 1, opt(3, bytes([10, 0, 0, 1])))),
    rec(IPCP, cp(3, 1, opt(3, bytes([10, 0, 0, 2])))),
    rec(IPCP, cp(2, 2, ipcp_ours([10, 0, 0, 2], bytes(4), bytes(4)))),
    rec(IPV4 | SEND, ipv4([10, 0, 0, 1], [10, 0, 0, 2], bytes(200))),
    rec(IPCP | V6, cp(1, 1, opt(1, bytes([2, 0, 0, 0, 0, 0, 0, 1])))),
    rec(IPV4 | V6 | SEND, ipv6()),
    rec(LCP, cp(5, 3)),
])
for name, data in seeds.items():
    with open(os.path.join(sys.argv[1], name), 'wb') as f:
        f.write(b'\x01' + data)  # IPV6CP linked
with open(os.path.join(sys.argv[1], 'ipv4_only_mru576'), 'wb') as f:
    f.write(b'\x00' + ipv4_only)
# The same with IPV6CP linked: the MRUs under 1280 are Nak'd (the
# harness checks the MTU of every packet handed up against the floor).
with open(os.path.join(sys.argv[1], 'ipv6cp_mru_below_1280'), 'wb') as f:
    f.write(b'\x01' + ipv4_only)
