// A connection opened through the socket API as a fixture of the
// tern_stream contract (executor/io/stream_contract.h): the stream under
// test is a client socket's, the peer the socket its listener accepted,
// both driven through tern/socket.h only. So every backend proves that
// its connections keep the stream contract with one more line:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Posix, StreamContract,
//       ::testing::Values(tern_test::MakeSocketStreamParam<PosixFixture>(
//           "posix")),
//       tern_test::StreamParamName);
//
// Testonly.
#ifndef TERN_SOCKET_STREAM_FIXTURE_H
#define TERN_SOCKET_STREAM_FIXTURE_H

#include <memory>
#include <string>

#include "executor/io/stream_contract.h"
#include "executor/test_waker.h"
#include "sockets/socket_contract.h"
#include "tern/socket.h"

namespace tern_test {

class SocketStreamFixture : public StreamFixture {
 public:
  explicit SocketStreamFixture(std::unique_ptr<SocketFixture> fx);
  ~SocketStreamFixture() override;

  std::string SkipReason() override;
  tern_stream Stream() override;
  size_t PeerWrite(const uint8_t *data, size_t len) override;
  ptrdiff_t PeerRead(uint8_t *buf, size_t max) override;
  void PeerClose() override;
  void Pump(int ms) override;

 private:
  std::unique_ptr<SocketFixture> fx_;
  std::string skip_;
  tern_socket *lst_ = nullptr, *client_ = nullptr, *peer_ = nullptr;
  CountingWaker w_;
};

template <typename F>
StreamParam MakeSocketStreamParam(const std::string &name) {
  return StreamParam{
      name, [] {
        return std::unique_ptr<StreamFixture>(
            new SocketStreamFixture(std::unique_ptr<SocketFixture>(new F)));
      }};
}

}  // namespace tern_test

#endif  // TERN_SOCKET_STREAM_FIXTURE_H
