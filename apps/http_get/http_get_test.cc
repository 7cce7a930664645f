// The client over the posix backend against a scripted server on
// 127.0.0.1 in a thread of the test: the request's bytes, a body ended by
// Content-Length (the server keeps the connection open), a body ended by
// the close, a close before Content-Length, a malformed head, a refused
// port, and start's argument checks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "tern/err.h"
#include "tern/executor.h"
#include "tern/http_get.h"
#include "tern/socket_posix.h"

namespace {

// One connection: reads the request head, sends each piece (a pause
// between them), then closes, or with hold_open waits for the client's
// close first.
class Server {
 public:
  Server(std::vector<std::string> pieces, bool hold_open)
      : pieces_(std::move(pieces)), hold_open_(hold_open) {
    lst_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(bind(lst_, (sockaddr *)&a, sizeof a), 0);
    EXPECT_EQ(listen(lst_, 1), 0);
    EXPECT_EQ(getsockname(lst_, (sockaddr *)&a, &len), 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Server() {
    thread_.join();
    close(lst_);
  }
  uint16_t port() const {
    return port_;
  }
  // What the client sent (valid after the client closed).
  std::string request() {
    thread_.join();
    thread_ = std::thread([] {});
    return request_;
  }

 private:
  void Serve() {
    int c = accept(lst_, nullptr, nullptr);
    if (c < 0)
      return;
    char buf[512];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(c, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      request_.append(buf, static_cast<size_t>(n));
    }
    for (const std::string &p : pieces_) {
      send(c, p.data(), p.size(), MSG_NOSIGNAL);
      usleep(20000);
    }
    if (hold_open_) {
      while (recv(c, buf, sizeof buf, 0) > 0) {
      }
    }
    close(c);
  }

  std::vector<std::string> pieces_;
  bool hold_open_;
  int lst_ = -1;
  uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

// One GET driven to the end on an executor: head, body, close.
struct Fetch {
  tern_task task;
  tern_http_get get;
  int phase = 0;
  int head_err = 1;
  int read_err = 0;
  int close_err = 1;
  int zero_cap = 1;  // what a read with cap 0 gave
  std::string body;
  size_t cap = 7;  // odd reads: pieces end anywhere
  uint8_t buf[64];

  static tern_poll Poll(tern_task *t, tern_cx *cx) {
    Fetch *f = reinterpret_cast<Fetch *>(t);
    if (f->phase == 0) {
      if (tern_http_get_poll_head(&f->get, cx, &f->head_err) == TERN_PENDING)
        return TERN_PENDING;
      f->phase = f->head_err == 0 ? 1 : 2;
      if (f->phase == 1) {
        ptrdiff_t n = 1;  // a read of nothing is refused, not the end
        EXPECT_EQ(tern_http_get_poll_read(&f->get, cx, f->buf, 0, &n),
                  TERN_READY);
        f->zero_cap = static_cast<int>(n);
      }
    }
    while (f->phase == 1) {
      ptrdiff_t n = 0;
      if (tern_http_get_poll_read(&f->get, cx, f->buf, f->cap, &n) ==
          TERN_PENDING)
        return TERN_PENDING;
      if (n > 0) {
        f->body.append(reinterpret_cast<char *>(f->buf),
                       static_cast<size_t>(n));
      } else {
        f->read_err = static_cast<int>(n);
        f->phase = 2;
      }
    }
    return tern_http_get_poll_close(&f->get, cx, &f->close_err);
  }
};

class HttpGet : public ::testing::Test {
 protected:
  HttpGet() {
    EXPECT_EQ(tern_socket_posix_init(&net_, socks_, 1), 0);
    tern_executor_init(&ex_);
  }
  tern_endpoint At(uint16_t port) {
    tern_endpoint e = {};
    e.addr.family = TERN_IP_V4;
    e.addr.u.v4 = tern_ipv4(127, 0, 0, 1);
    e.port = port;
    return e;
  }
  // Starts and runs f to the end; returns start's result.
  int Run(Fetch *f, uint16_t port, const char *path = "/f") {
    tern_endpoint ep = At(port);
    int rc = tern_http_get_start(&f->get, tern_socket_posix_net(&net_), &ep,
                                 "example:8000", path);
    if (rc != 0)
      return rc;
    tern_task_init(&f->task, Fetch::Poll);
    EXPECT_EQ(tern_spawn(&ex_, &f->task), 0);
    tern_executor_run(&ex_, &f->task);
    return 0;
  }

  tern_socket_posix net_;
  tern_socket_posix_sock socks_[1];
  tern_executor ex_;
};

TEST_F(HttpGet, ContentLengthEndsTheBodyWhileTheServerWaits) {
  // The head split inside a line and the body's first bytes with it; the
  // server sends more than Content-Length and closes only after us.
  Server s(
      {"HTTP/1.0 200 OK\r\nContent-Le", "ngth: 10\r\n\r\n0123", "456789EXTRA"},
      true);
  Fetch f;
  ASSERT_EQ(Run(&f, s.port()), 0);
  EXPECT_EQ(f.head_err, 0);
  EXPECT_EQ(f.get.head.status, 200);
  EXPECT_EQ(f.body, "0123456789");
  EXPECT_EQ(f.read_err, 0);
  EXPECT_EQ(f.close_err, 0);
  EXPECT_EQ(f.get.received, 10u);
  EXPECT_EQ(f.zero_cap, TERN_EINVAL);
  EXPECT_EQ(s.request(),
            "GET /f HTTP/1.0\r\nHost: example:8000\r\n"
            "Connection: close\r\n\r\n");
}

TEST_F(HttpGet, WithoutContentLengthTheCloseEndsTheBody) {
  std::string big(3000, 'x');
  for (size_t i = 0; i < big.size(); i++)
    big[i] = static_cast<char>('a' + i % 26);
  Server s({"HTTP/1.0 200 OK\r\nServer: t\r\n\r\n" + big.substr(0, 1000),
            big.substr(1000)},
           false);
  Fetch f;
  f.cap = sizeof f.buf;
  ASSERT_EQ(Run(&f, s.port()), 0);
  EXPECT_EQ(f.head_err, 0);
  EXPECT_EQ(f.body, big);
  EXPECT_EQ(f.read_err, 0);
}

TEST_F(HttpGet, CloseBeforeContentLengthIsAnError) {
  Server s({"HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\nshort"}, false);
  Fetch f;
  ASSERT_EQ(Run(&f, s.port()), 0);
  EXPECT_EQ(f.head_err, 0);
  EXPECT_EQ(f.body, "short");
  EXPECT_EQ(f.read_err, TERN_EPROTO);
}

TEST_F(HttpGet, NoContentStatusHasNoBody) {
  Server s({"HTTP/1.1 204 No Content\r\n\r\nignored"}, true);
  Fetch f;
  ASSERT_EQ(Run(&f, s.port()), 0);
  EXPECT_EQ(f.head_err, 0);
  EXPECT_EQ(f.get.head.status, 204);
  EXPECT_EQ(f.body, "");
  EXPECT_EQ(f.read_err, 0);
}

TEST_F(HttpGet, MalformedAndCutHeads) {
  {
    Server s({"HTTP/1.0 200 OK\r\nX: " + std::string(400, 'a') + "\r\n\r\n"},
             false);
    Fetch f;
    ASSERT_EQ(Run(&f, s.port()), 0);
    EXPECT_EQ(f.head_err, TERN_EMSGSIZE);
  }
  {
    Server s({"HTTP/1.0 OK\r\n\r\n"}, false);
    Fetch f;
    ASSERT_EQ(Run(&f, s.port()), 0);
    EXPECT_EQ(f.head_err, TERN_EPROTO);
  }
  {
    Server s({"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n"}, false);  // cut
    Fetch f;
    ASSERT_EQ(Run(&f, s.port()), 0);
    EXPECT_EQ(f.head_err, TERN_EPROTO);
  }
}

// A port nobody listens on: the test's socket bound there and never
// listening, for the whole fetch (a port that was free and closed again
// was free for another program's listener before the fetch's connect).
TEST_F(HttpGet, RefusedPort) {
  int held = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(held, (sockaddr *)&a, sizeof a), 0);
  ASSERT_EQ(getsockname(held, (sockaddr *)&a, &len), 0);
  uint16_t port = ntohs(a.sin_port);
  // Held: another socket's plain bind there is refused.
  int other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_NE(bind(other, (sockaddr *)&a, sizeof a), 0);
  close(other);
  Fetch f;
  ASSERT_EQ(Run(&f, port), 0);
  EXPECT_EQ(f.head_err, TERN_ECONNREFUSED);
  close(held);
}

TEST_F(HttpGet, StartChecksItsArguments) {
  tern_http_get g;
  tern_endpoint ep = At(80);
  tern_net *net = tern_socket_posix_net(&net_);
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h", "nopath"), TERN_EINVAL);
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h", "/a b"), TERN_EINVAL);
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h", "/a\r\nX: y"), TERN_EINVAL);
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h h", "/"), TERN_EINVAL);
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "", "/"), TERN_EINVAL);
  // A fragment is never sent (RFC 9110 4.2.4; RFC 9112 3.2's origin-form
  // has none), nor is a '#' part of a Host.
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h", "/a#b"), TERN_EINVAL);
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h#x", "/"), TERN_EINVAL);
  EXPECT_EQ(tern_http_get_start(&g, nullptr, &ep, "h", "/"), TERN_EINVAL);
  std::string long_path = "/" + std::string(TERN_HTTP_GET_BUF, 'p');
  EXPECT_EQ(tern_http_get_start(&g, net, &ep, "h", long_path.c_str()),
            TERN_ENOSPC);
  // Nothing was left open: the one socket is free.
  tern_socket *s = nullptr;
  ASSERT_EQ(tern_socket_open(net, TERN_SOCK_STREAM, &s), 0);
  tern_socket_abort(s);
  // Reading before the head is READY is refused.
  ASSERT_EQ(tern_http_get_start(&g, net, &ep, "h", "/"), 0);
  ptrdiff_t n = 1;
  EXPECT_EQ(tern_http_get_poll_read(&g, nullptr, nullptr, 0, &n), TERN_READY);
  EXPECT_EQ(n, TERN_EINVAL);
  tern_http_get_abort(&g);
}

}  // namespace
