// See socket_stream_fixture.h.
#include "sockets/socket_stream_fixture.h"

namespace tern_test {

SocketStreamFixture::SocketStreamFixture(std::unique_ptr<SocketFixture> fx)
    : fx_(std::move(fx)) {
  skip_ = fx_->SkipReason();
  if (skip_.empty()) {
    // A case of the stream suites the client's device cannot do
    // (SocketFixture::Lacks), named as in the socket suite.
    const ::testing::TestInfo *t =
        ::testing::UnitTest::GetInstance()->current_test_info();
    if (t != nullptr) {
      std::string name = t->name();
      skip_ = fx_->Lacks(name.substr(0, name.find('/')));
    }
  }
  if (!skip_.empty())
    return;
  tern_endpoint local = fx_->Local(fx_->Port(7));
  if (tern_socket_open(fx_->Server(), TERN_SOCK_STREAM, &lst_) != 0 ||
      tern_socket_bind(lst_, &local) != 0 || tern_socket_listen(lst_, 1) != 0) {
    ADD_FAILURE() << "no listener";
    return;
  }
  fx_->Listening();
  tern_endpoint to = fx_->ServerAt(local.port);
  if (tern_socket_open(fx_->Client(), TERN_SOCK_STREAM, &client_) != 0 ||
      tern_socket_connect(client_, &to) != 0) {
    ADD_FAILURE() << "no connect";
    return;
  }
  int cerr = 1, aerr = 1;
  for (int i = 0; i < 2000 && (cerr != 0 || peer_ == nullptr); i++) {
    tern_cx cx = w_.Cx();
    if (cerr != 0 &&
        tern_socket_poll_connect(client_, &cx, &cerr) == TERN_READY &&
        cerr != 0) {
      ADD_FAILURE() << "connect: " << tern_strerror(cerr);
      return;
    }
    if (peer_ == nullptr &&
        tern_socket_poll_accept(lst_, &cx, &peer_, &aerr) == TERN_READY &&
        aerr != 0) {
      ADD_FAILURE() << "accept: " << tern_strerror(aerr);
      return;
    }
    fx_->Pump(1);
  }
  EXPECT_NE(peer_, nullptr);
  // Small buffers where the backend has them (the host's loopback would
  // otherwise take megabytes before a write waits); TERN_ENOTSUP where the
  // buffers are the composition's.
  if (peer_ != nullptr) {
    (void)tern_socket_set_option(client_, TERN_SO_SNDBUF, 16384);
    (void)tern_socket_set_option(peer_, TERN_SO_RCVBUF, 16384);
  }
}

SocketStreamFixture::~SocketStreamFixture() {
  for (tern_socket *s : {peer_, client_, lst_})
    if (s != nullptr)
      tern_socket_abort(s);
}

std::string SocketStreamFixture::SkipReason() {
  return skip_;
}

tern_stream SocketStreamFixture::Stream() {
  return tern_socket_stream(client_);
}

size_t SocketStreamFixture::PeerWrite(const uint8_t *data, size_t len) {
  tern_stream st = tern_socket_stream(peer_);
  tern_cx cx = w_.Cx();
  ptrdiff_t n = 0;
  if (tern_stream_poll_write(&st, &cx, data, len, &n) != TERN_READY || n < 0)
    return 0;
  fx_->Pump(1);
  return (size_t)n;
}

ptrdiff_t SocketStreamFixture::PeerRead(uint8_t *buf, size_t max) {
  fx_->Pump(1);
  tern_stream st = tern_socket_stream(peer_);
  tern_cx cx = w_.Cx();
  ptrdiff_t n = 0;
  if (tern_stream_poll_read(&st, &cx, buf, max, &n) != TERN_READY)
    return 0;
  return n == 0 ? -1 : n;
}

void SocketStreamFixture::PeerClose() {
  tern_stream st = tern_socket_stream(peer_);
  tern_cx cx = w_.Cx();
  int err = 0;
  (void)tern_stream_poll_close(&st, &cx, &err);  // the FIN is queued at once
  fx_->Pump(1);
}

void SocketStreamFixture::Pump(int ms) {
  fx_->Pump(ms);
}

}  // namespace tern_test
