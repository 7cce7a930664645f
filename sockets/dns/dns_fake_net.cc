#include "sockets/dns/dns_fake_net.h"

namespace tern_test {

using Sock = FakeDnsNet::Sock;

struct FakeOps {
  static Sock *S(tern_socket *s) {
    return reinterpret_cast<Sock *>(s);
  }
  static Sock *S(void *s) {
    return static_cast<Sock *>(s);
  }

  static int Open(tern_net *n, tern_socket_type type, tern_socket **out) {
    FakeDnsNet *f = reinterpret_cast<FakeDnsNet::NetSlot *>(n)->owner;
    for (Sock &s : f->socks_) {
      if (!s.used && f->open_now < f->max_open) {
        s.used = true;
        s.type = type;
        s.rx.clear();
        s.pending_err = 0;
        s.tx.clear();
        s.stream_rx.clear();
        s.rx_pos = 0;
        s.remote = tern_endpoint{};
        tern_waker_slot_clear(&s.reader);
        f->open_now++;
        *out = &s.base;
        return 0;
      }
    }
    return TERN_ENOMEM;
  }
  static int Bind(tern_socket *, const tern_endpoint *) {
    return 0;
  }
  static int Listen(tern_socket *, unsigned) {
    return TERN_EINVAL;
  }
  static tern_poll Accept(tern_socket *, tern_cx *, tern_socket **, int *e) {
    *e = TERN_EINVAL;
    return TERN_READY;
  }
  static int Connect(tern_socket *b, const tern_endpoint *to) {
    Sock *s = S(b);
    s->remote = *to;
    if (s->type == TERN_SOCK_STREAM) {
      s->owner->conns.push_back(*to);
    }
    return 0;
  }
  static tern_poll PollConnect(tern_socket *b, tern_cx *, int *err) {
    Sock *s = S(b);
    *err = s->type == TERN_SOCK_STREAM && s->owner->refuse_tcp
               ? TERN_ECONNREFUSED
               : 0;
    return TERN_READY;
  }
  static tern_poll SendTo(tern_socket *b, tern_cx *cx, const tern_endpoint *dst,
                          const void *data, size_t len, int *err) {
    Sock *s = S(b);
    if (s->type != TERN_SOCK_DGRAM) {
      *err = TERN_EINVAL;
      return TERN_READY;
    }
    if (s->owner->send_pending > 0) {
      s->owner->send_pending--;
      tern_cx_wake_now(cx);
      return TERN_PENDING;
    }
    if (dst == nullptr) {
      if (s->remote.port == 0) {
        *err = TERN_ENOTCONN;
        return TERN_READY;
      }
      dst = &s->remote;
    }
    FakeDnsNet *f = s->owner;
    std::vector<uint8_t> q(static_cast<const uint8_t *>(data),
                           static_cast<const uint8_t *>(data) + len);
    f->sent.push_back(Datagram{*dst, q});
    f->last_ = s;
    if (f->on_udp) {
      f->on_udp(*dst, q);
    }
    *err = 0;
    return TERN_READY;
  }
  static tern_poll RecvFrom(tern_socket *b, tern_cx *cx, tern_endpoint *src,
                            void *buf, size_t cap, int *n) {
    Sock *s = S(b);
    if (s->pending_err != 0) {
      *n = s->pending_err;
      s->pending_err = 0;
      return TERN_READY;
    }
    if (s->rx.empty()) {
      tern_waker_slot_register(&s->reader, cx);
      if (s->owner->refuse_while_waiting) {
        s->owner->refuse_while_waiting = false;
        s->owner->max_open = 0;
        s->pending_err = TERN_ECONNREFUSED;
        tern_waker_slot_wake(&s->reader);
      }
      return TERN_PENDING;
    }
    Datagram d = s->rx.front();
    s->rx.pop_front();
    if (src != nullptr) {
      *src = d.peer;
    }
    std::memcpy(buf, d.bytes.data(),
                d.bytes.size() < cap ? d.bytes.size() : cap);
    *n = static_cast<int>(d.bytes.size());
    return TERN_READY;
  }
  static int Endpoint(tern_socket *, bool, tern_endpoint *out) {
    *out = tern_endpoint{};
    return 0;
  }
  static int SetOption(tern_socket *, tern_socket_option, int32_t) {
    return TERN_ENOTSUP;
  }
  static void Free(Sock *s) {
    if (s->used) {
      s->used = false;
      s->owner->open_now--;
      if (s->owner->last_ == s) {
        s->owner->last_ = nullptr;
      }
    }
  }
  static tern_poll Close(tern_socket *b, tern_cx *, int *err) {
    Free(S(b));
    *err = 0;
    return TERN_READY;
  }
  static void Abort(tern_socket *b) {
    Free(S(b));
  }

  static tern_poll Read(void *self, tern_cx *cx, void *buf, size_t len,
                        ptrdiff_t *n) {
    Sock *s = S(self);
    size_t left = s->stream_rx.size() - s->rx_pos;
    if (left == 0) {
      *n = 0;  // the server closes after its answer
      return TERN_READY;
    }
    (void)cx;
    size_t k = len < left ? len : left;
    if (k > s->owner->read_chunk) {
      k = s->owner->read_chunk;
    }
    std::memcpy(buf, s->stream_rx.data() + s->rx_pos, k);
    s->rx_pos += k;
    *n = static_cast<ptrdiff_t>(k);
    return TERN_READY;
  }
  static tern_poll Write(void *self, tern_cx *, const void *buf, size_t len,
                         ptrdiff_t *n) {
    Sock *s = S(self);
    // Takes at most 3 bytes at a time: the resolver must loop.
    size_t k = len < 3 ? len : 3;
    const uint8_t *p = static_cast<const uint8_t *>(buf);
    s->tx.insert(s->tx.end(), p, p + k);
    *n = static_cast<ptrdiff_t>(k);
    if (s->tx.size() >= 2) {
      size_t m = (size_t(s->tx[0]) << 8) | s->tx[1];
      if (s->tx.size() == 2 + m && s->owner->on_tcp) {
        std::vector<uint8_t> q(s->tx.begin() + 2, s->tx.end());
        s->stream_rx = s->owner->on_tcp(s->remote, q);
      }
    }
    return TERN_READY;
  }
};

static const tern_socket_ops kFakeOps = {
    FakeOps::Open,
    FakeOps::Bind,
    FakeOps::Listen,
    FakeOps::Accept,
    FakeOps::Connect,
    FakeOps::PollConnect,
    FakeOps::SendTo,
    FakeOps::RecvFrom,
    FakeOps::Endpoint,
    FakeOps::SetOption,
    FakeOps::Close,
    FakeOps::Abort,
    {FakeOps::Read, FakeOps::Write, nullptr, nullptr},
};

FakeDnsNet::FakeDnsNet() {
  net_.base.ops = &kFakeOps;
  net_.owner = this;
  for (Sock &s : socks_) {
    s.base.ops = &kFakeOps;
    s.owner = this;
  }
}

void FakeDnsNet::Reply(const tern_endpoint &from, std::vector<uint8_t> bytes) {
  if (last_ == nullptr) {
    return;
  }
  // A connected socket hears its peer only (the socket contract).
  const tern_endpoint &peer = last_->remote;
  if (peer.port != 0 &&
      (from.port != peer.port || from.addr.family != peer.addr.family ||
       std::memcmp(&from.addr.u, &peer.addr.u, sizeof from.addr.u) != 0)) {
    strays++;
    return;
  }
  last_->rx.push_back(Datagram{from, std::move(bytes)});
  tern_waker_slot_wake(&last_->reader);
}

void FakeDnsNet::Refuse(int err) {
  if (last_ == nullptr) {
    return;
  }
  last_->pending_err = err;
  tern_waker_slot_wake(&last_->reader);
}

}  // namespace tern_test
