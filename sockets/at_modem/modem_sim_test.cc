// End to end: //platforms/host/modem_sim plays the modem on a pty, TCP and
// UDP echo peers listen on 127.0.0.1, and the test drives the modem with
// the command formatters and reads it through the response parser,
// checking that bytes come back exactly: plain, with echo on, with the
// sender in each +IPD, and with the simulator's knobs (garbage between
// messages, +IPD frames split at every byte or at random, links dropped).
//
// The simulator's path is argv[1] (BUILD passes it; sim_test_main.h).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "platforms/host/modem_sim/sim_test_main.h"
#include "sockets/at_modem/sim_process.h"
#include "sockets/posix/held_port.h"
#include "tern/at_cmd.h"
#include "tern/at_parser.h"

namespace {

using tern_test::g_modem_sim;

constexpr int kTimeoutMs = 5000;

// ---- Echo peers on 127.0.0.1, served by a thread ----

class Peers {
 public:
  Peers() {
    tcp_ = Listen(&tcp_port_);
    closer_ = Listen(&closer_port_);
    udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    udp_port_ = Bind(udp_);
    udp2_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    udp2_port_ = Bind(udp2_);
    // A port with nothing listening: bound, never listening, for the
    // peers' life (bound and closed at once, it was free for another
    // program's listener before the test's connect).
    refused_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    refused_port_ = Bind(refused_);
    EXPECT_EQ(0, pipe2(stop_, O_CLOEXEC));
    thread_ = std::thread([this] { Run(); });
  }

  ~Peers() {
    char c = 0;
    EXPECT_EQ(1, write(stop_[1], &c, 1));
    thread_.join();
    for (int fd : {tcp_, closer_, udp_, udp2_, refused_, stop_[0], stop_[1]}) {
      close(fd);
    }
    for (int fd : conns_) {
      close(fd);
    }
  }

  uint16_t tcp_port() const {
    return tcp_port_;
  }
  uint16_t udp_port() const {
    return udp_port_;
  }
  uint16_t udp2_port() const {  // a second UDP echo
    return udp2_port_;
  }
  uint16_t closer_port() const {
    return closer_port_;
  }
  uint16_t refused_port() const {
    return refused_port_;
  }

 private:
  static uint16_t Bind(int fd) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(0, bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a));
    socklen_t l = sizeof a;
    EXPECT_EQ(0, getsockname(fd, reinterpret_cast<sockaddr *>(&a), &l));
    return ntohs(a.sin_port);
  }

  static int Listen(uint16_t *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    *port = Bind(fd);
    EXPECT_EQ(0, listen(fd, 16));
    return fd;
  }

  void Run() {
    for (;;) {
      std::vector<pollfd> pf = {{stop_[0], POLLIN, 0},
                                {tcp_, POLLIN, 0},
                                {closer_, POLLIN, 0},
                                {udp_, POLLIN, 0},
                                {udp2_, POLLIN, 0}};
      for (int fd : conns_) {
        pf.push_back({fd, POLLIN, 0});
      }
      if (poll(pf.data(), pf.size(), -1) < 0) {
        continue;
      }
      if (pf[0].revents) {
        return;
      }
      if (pf[1].revents) {
        conns_.push_back(accept4(tcp_, nullptr, nullptr, SOCK_CLOEXEC));
      }
      if (pf[2].revents) {
        close(accept4(closer_, nullptr, nullptr, SOCK_CLOEXEC));
      }
      uint8_t buf[65536];
      for (size_t i = 3; i <= 4; i++) {
        if (!pf[i].revents) {
          continue;
        }
        sockaddr_storage from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(pf[i].fd, buf, sizeof buf, 0,
                             reinterpret_cast<sockaddr *>(&from), &fl);
        if (n >= 0) {
          sendto(pf[i].fd, buf, n, 0, reinterpret_cast<sockaddr *>(&from), fl);
        }
      }
      for (size_t i = 5; i < pf.size(); i++) {
        if (!pf[i].revents) {
          continue;
        }
        ssize_t n = read(pf[i].fd, buf, sizeof buf);
        if (n <= 0) {
          close(pf[i].fd);
          conns_.erase(std::find(conns_.begin(), conns_.end(), pf[i].fd));
          continue;
        }
        for (ssize_t off = 0; off < n;) {
          ssize_t w = send(pf[i].fd, buf + off, n - off, MSG_NOSIGNAL);
          if (w <= 0) {
            break;
          }
          off += w;
        }
      }
    }
  }

  int tcp_, closer_, udp_, udp2_, refused_;
  uint16_t tcp_port_, closer_port_, udp_port_, udp2_port_, refused_port_;
  int stop_[2];
  std::vector<int> conns_;
  std::thread thread_;
};

// ---- The modem: the simulator's process, its pty, our parser ----

class Modem {
 public:
  explicit Modem(std::vector<std::string> args = {},
                 std::string link_path = "") {
    std::vector<std::string> argv = {g_modem_sim};
    if (!link_path.empty()) {
      argv.push_back("--link=" + link_path);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    // The first line on its stdout is the slave's path.
    std::string path;
    pid_ = tern_test::StartModemSim(argv, &path);
    EXPECT_GT(pid_, 0);
    EXPECT_FALSE(path.empty()) << "modem_sim printed no path";
    if (!link_path.empty()) {
      path = link_path;
    }
    fd_ = open(path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    EXPECT_GE(fd_, 0) << path;
    EXPECT_EQ(0, tern_at_parser_init(&p_, line_, sizeof line_, 2048, 5));
  }

  ~Modem() {
    close(fd_);
    EXPECT_TRUE(tern_test::StopModemSim(pid_)) << "modem_sim's exit";
  }

  void Write(const std::string &s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t w = write(fd_, s.data() + off, s.size() - off);
      ASSERT_GT(w, 0);
      off += w;
    }
  }

  // Reads and parses until done() holds after an event, or the timeout.
  bool PumpUntil(const std::function<bool()> &done, int ms = kTimeoutMs) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!done()) {
      if (pending_.empty()) {
        int left = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                end - std::chrono::steady_clock::now())
                .count());
        pollfd pf = {fd_, POLLIN, 0};
        if (left <= 0 || poll(&pf, 1, left) != 1) {
          return false;
        }
        uint8_t buf[4096];
        ssize_t n = read(fd_, buf, sizeof buf);
        if (n <= 0) {
          return false;
        }
        reads_++;
        pending_.assign(reinterpret_cast<char *>(buf), n);
      }
      tern_at_event ev;
      size_t used = tern_at_parser_feed(
          &p_, reinterpret_cast<const uint8_t *>(pending_.data()),
          pending_.size(), &ev);
      Handle(ev);
      pending_.erase(0, used);
      if (pending_.empty() && tern_at_parser_in_payload(&p_)) {
        reads_ending_in_payload_++;
      }
    }
    return true;
  }

  // Waits for the next final result (or prompt) and returns its kind.
  int Result(int ms = kTimeoutMs) {
    results_.clear();
    if (!PumpUntil([this] { return !results_.empty(); }, ms)) {
      return -1;
    }
    return results_.front();
  }

  int Command(const std::string &cmd) {
    Write(cmd);
    return Result();
  }

  static tern_endpoint Loopback(uint16_t port) {
    tern_endpoint ep{};
    const char *lo = "127.0.0.1";
    EXPECT_EQ(0, tern_ip_parse(&ep.addr, lo, strlen(lo)));
    ep.port = port;
    return ep;
  }

  int Start(unsigned link, tern_at_proto proto, uint16_t port,
            uint16_t local_port = 0) {
    tern_endpoint ep = Loopback(port);
    char b[TERN_AT_CMD_MAX];
    int n = tern_at_cmd_cipstart(b, sizeof b, link, proto, &ep, local_port);
    EXPECT_GT(n, 0);
    return Command(std::string(b, n));
  }

  // AT+CIPSEND, the prompt, the bytes; returns SEND OK, SEND FAIL or the
  // result that refused it.
  int Send(unsigned link, const std::string &data, uint16_t to_port = 0) {
    char b[TERN_AT_CMD_MAX];
    int n;
    if (to_port != 0) {
      tern_endpoint to = Loopback(to_port);
      n = tern_at_cmd_cipsend_to(b, sizeof b, link, data.size(), &to);
    } else {
      n = tern_at_cmd_cipsend(b, sizeof b, link, data.size());
    }
    EXPECT_GT(n, 0);
    int r = Command(std::string(b, n));
    if (r != TERN_AT_EV_OK) {
      return r;
    }
    r = Result();
    if (r != TERN_AT_EV_PROMPT) {
      return r;
    }
    Write(data);
    return Result();
  }

  int Close(unsigned link) {
    char b[TERN_AT_CMD_MAX];
    int n = tern_at_cmd_cipclose(b, sizeof b, link);
    EXPECT_GT(n, 0);
    return Command(std::string(b, n));
  }

  // The bytes received on a link, all frames joined.
  std::string Stream(unsigned link) const {
    std::string s;
    auto it = frames_.find(link);
    if (it != frames_.end()) {
      for (const auto &f : it->second) {
        s += f;
      }
    }
    return s;
  }

  bool WaitStream(unsigned link, size_t bytes) {
    return PumpUntil([&] { return Stream(link).size() >= bytes; });
  }

  // Waits until n +IPD frames on the link are complete.
  bool WaitFrames(unsigned link, size_t n) {
    return PumpUntil([&] { return complete_[link] >= n; });
  }

  bool WaitClosed(unsigned link) {
    return PumpUntil([&] { return closed_[link] > 0; });
  }

  pid_t pid() const {
    return pid_;
  }

  tern_at_parser p_;
  std::map<unsigned, std::vector<std::string>> frames_;
  std::map<unsigned, std::vector<tern_endpoint>> senders_;
  std::map<unsigned, int> connected_, closed_;
  std::map<unsigned, size_t> complete_;  // +IPD frames received whole
  std::map<unsigned, uint32_t> held_;    // the last passive +IPD's length
  std::vector<std::string> recvdata_;    // AT+CIPRECVDATA answers' data
  std::vector<std::string> lines_, echoes_;
  std::vector<int> results_;
  int ready_ = 0;
  int reads_ = 0;
  int reads_ending_in_payload_ = 0;

 private:
  void Handle(const tern_at_event &ev) {
    switch (ev.kind) {
      case TERN_AT_EV_OK:
      case TERN_AT_EV_ERROR:
      case TERN_AT_EV_FAIL:
      case TERN_AT_EV_SEND_OK:
      case TERN_AT_EV_SEND_FAIL:
      case TERN_AT_EV_PROMPT: results_.push_back(ev.kind); break;
      case TERN_AT_EV_READY: ready_++; break;
      case TERN_AT_EV_CONNECT: connected_[ev.link]++; break;
      case TERN_AT_EV_CLOSED: closed_[ev.link]++; break;
      case TERN_AT_EV_IPD:
        frames_[ev.link].emplace_back();
        if (ev.has_remote) {
          senders_[ev.link].push_back(ev.remote);
        }
        complete_[ev.link] += ev.value == 0;
        break;
      case TERN_AT_EV_IPD_DATA:
        frames_[ev.link].back().append(reinterpret_cast<const char *>(ev.data),
                                       ev.len);
        complete_[ev.link] += ev.value == 0;
        break;
      case TERN_AT_EV_LINE:
        lines_.emplace_back(reinterpret_cast<const char *>(ev.data), ev.len);
        break;
      case TERN_AT_EV_IPD_HELD: held_[ev.link] = ev.value; break;
      case TERN_AT_EV_RECVDATA:
        recvdata_.emplace_back();
        if (ev.has_remote) {
          senders_[99].push_back(ev.remote);
        }
        break;
      case TERN_AT_EV_RECVDATA_DATA:
        recvdata_.back().append(reinterpret_cast<const char *>(ev.data),
                                ev.len);
        break;
      case TERN_AT_EV_ECHO:
        echoes_.emplace_back(reinterpret_cast<const char *>(ev.data), ev.len);
        break;
      default: break;
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  uint8_t line_[128];
  std::string pending_;
};

// Byte strings compared without printing kilobytes of them.
testing::AssertionResult SameBytes(const std::string &want,
                                   const std::string &got) {
  if (want == got) {
    return testing::AssertionSuccess();
  }
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) {
    i++;
  }
  return testing::AssertionFailure()
         << "want " << want.size() << " bytes, got " << got.size()
         << ", first difference at offset " << i;
}

testing::AssertionResult SameFrames(const std::vector<std::string> &want,
                                    const std::vector<std::string> &got) {
  if (want.size() != got.size()) {
    return testing::AssertionFailure()
           << "want " << want.size() << " datagrams, got " << got.size();
  }
  for (size_t i = 0; i < want.size(); i++) {
    testing::AssertionResult r = SameBytes(want[i], got[i]);
    if (!r) {
      return r << " in datagram " << i;
    }
  }
  return testing::AssertionSuccess();
}

// Payloads that would fool a careless parser, and plain ones.
std::vector<std::string> Payloads(unsigned seed, size_t count, size_t max_len) {
  std::vector<std::string> v;
  std::string all;
  for (int i = 0; i < 256; i++) {
    all += static_cast<char>(i);
  }
  v.push_back(all);
  v.push_back("\r\nOK\r\n\r\nSEND OK\r\n+IPD,0,3:abc\r\n0,CLOSED\r\n>");
  v.push_back(std::string(1, '\0'));
  v.push_back("x");
  std::mt19937 rng(seed);
  while (v.size() < count) {
    std::string s(1 + rng() % max_len, '\0');
    for (char &c : s) {
      c = static_cast<char>(rng());
    }
    v.push_back(s);
  }
  return v;
}

// A local port for the simulator: held for TCP (tern_test::HeldPort; the
// simulator's server binds and listens beside the holder) and handed over
// for UDP at once (the simulator's UDP links bind it plainly). It was a
// port the kernel handed out and took back, free for another program's
// socket to take before the simulator's bind; the holder's port lies
// outside the kernel's ephemeral range, where no automatic port (a bind
// to port 0, a connect) lands in the moment before the simulator's bind.
struct LocalPort : tern_test::HeldPort {
  LocalPort() {
    EXPECT_TRUE(Take()) << "no free port to hold";
    HandOverUdp();
  }
};

// The port of a +IPD's sender.
uint16_t SenderPort(Modem &m, unsigned link, size_t frame) {
  EXPECT_LT(frame, m.senders_[link].size());
  return frame < m.senders_[link].size() ? m.senders_[link][frame].port : 0;
}

// Sets the modem up for tests: echo off, numbered links.
void Prepare(Modem &m) {
  ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ > 0; }));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_ECHO_OFF));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_MUX_ON));
}

// A TCP link and a UDP link, every payload through each; TCP must give
// back the same byte stream, UDP the same datagrams.
void RoundTrip(Modem &m, Peers &peers, size_t count, size_t max_len) {
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(1, TERN_AT_UDP, peers.udp_port()));
  EXPECT_EQ(1, m.connected_[0]);
  EXPECT_EQ(1, m.connected_[1]);
  std::vector<std::string> sent = Payloads(7, count, max_len);
  std::string stream;
  size_t dgrams = 0;
  for (const std::string &s : sent) {
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, s));
    stream += s;
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(1, s));
    // One datagram back per datagram sent; wait for it before the next,
    // so loss cannot hide (loopback does not lose).
    ASSERT_TRUE(m.WaitFrames(1, ++dgrams));
  }
  ASSERT_TRUE(m.WaitStream(0, stream.size()));
  EXPECT_TRUE(SameBytes(stream, m.Stream(0)));
  EXPECT_TRUE(SameFrames(sent, m.frames_[1]));
  ASSERT_EQ(TERN_AT_EV_OK, m.Close(0));
  ASSERT_EQ(TERN_AT_EV_OK, m.Close(1));
  EXPECT_EQ(1, m.closed_[0]);
  EXPECT_EQ(1, m.closed_[1]);
}

TEST(ModemSim, CommandsAndErrors) {
  Modem m;
  ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ > 0; }));
  // Echo is on at start, as on ESP-AT.
  EXPECT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_AT));
  EXPECT_EQ(std::vector<std::string>{"AT"}, m.echoes_);
  EXPECT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_ECHO_OFF));
  EXPECT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_AT));
  EXPECT_EQ(2u, m.echoes_.size());  // ATE0 itself was echoed; AT not
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command("AT+NONSENSE\r\n"));
  // Links need AT+CIPMUX=1 first.
  Peers peers;
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  EXPECT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_MUX_ON));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(0, "x"));
  EXPECT_EQ(std::vector<std::string>{"link is not valid"}, m.lines_);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Close(0));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command("AT+CIPSTART=0,\"TCP\",\"127.0.0.1\""
                                        ",99999\r\n"));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command("AT+CIPSEND=0,0\r\n"));
  // A port nobody listens on.
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Start(2, TERN_AT_TCP, peers.refused_port()));
  EXPECT_EQ(0, m.connected_[2]);
  // One link twice.
  EXPECT_EQ(TERN_AT_EV_OK, m.Start(3, TERN_AT_TCP, peers.tcp_port()));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Start(3, TERN_AT_TCP, peers.tcp_port()));
  EXPECT_EQ(TERN_AT_EV_OK, m.Close(3));
  EXPECT_EQ(0u, m.p_.stats.bad_char + m.p_.stats.overlong + m.p_.stats.bad_ipd +
                    m.p_.stats.bad_number);
}

// The refused port stays the peers' (bound, never listening) while a
// test runs: bound and closed at once, it was free for another program's
// listener, and a connect there could have been accepted.
TEST(ModemSim, TheRefusedPortIsHeldByThePeers) {
  Peers peers;
  EXPECT_FALSE(
      tern_test::PlainBind(AF_INET, SOCK_STREAM, peers.refused_port()));
}

TEST(ModemSim, TcpAndUdpRoundTrip) {
  Peers peers;
  Modem m;
  Prepare(m);
  RoundTrip(m, peers, 12, 2048);
  EXPECT_EQ(0u, m.p_.stats.bad_char + m.p_.stats.overlong + m.p_.stats.bad_ipd +
                    m.p_.stats.bad_number);
}

TEST(ModemSim, EchoOnRoundTrip) {
  Peers peers;
  Modem m;
  ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ > 0; }));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_MUX_ON));
  RoundTrip(m, peers, 6, 300);
  EXPECT_GE(m.echoes_.size(), 2u + 6 * 2 + 2);  // every command
}

TEST(ModemSim, SeveralLinksAtOnce) {
  Peers peers;
  Modem m;
  Prepare(m);
  for (unsigned l = 0; l < 4; l++) {
    ASSERT_EQ(TERN_AT_EV_OK, m.Start(l, TERN_AT_TCP, peers.tcp_port()));
  }
  LocalPort local;
  ASSERT_EQ(TERN_AT_EV_OK,
            m.Start(4, TERN_AT_UDP, peers.udp_port(), local.port));
  std::vector<std::string> want(5);
  std::vector<std::string> dgrams;
  std::vector<std::string> p = Payloads(3, 40, 700);
  for (size_t i = 0; i < p.size(); i++) {
    unsigned l = i % 5;
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(l, p[i]));
    want[l] += p[i];
    if (l == 4) {
      dgrams.push_back(p[i]);
      ASSERT_TRUE(m.WaitFrames(4, dgrams.size()));
    }
  }
  for (unsigned l = 0; l < 4; l++) {
    ASSERT_TRUE(m.WaitStream(l, want[l].size()));
    EXPECT_TRUE(SameBytes(want[l], m.Stream(l))) << "link " << l;
  }
  EXPECT_TRUE(SameFrames(dgrams, m.frames_[4]));
  // AT+CIPCLOSE=5 closes every link.
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPCLOSE=5\r\n"));
  for (unsigned l = 0; l < 5; l++) {
    EXPECT_EQ(1, m.closed_[l]);
  }
}

TEST(ModemSim, DinfoNamesTheSender) {
  Peers peers;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_DINFO_ON));
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(1, TERN_AT_UDP, peers.udp_port()));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, "hello"));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(1, "world"));
  ASSERT_TRUE(m.WaitStream(0, 5));
  ASSERT_TRUE(m.WaitFrames(1, 1));
  EXPECT_EQ("hello", m.Stream(0));
  EXPECT_EQ("world", m.frames_[1][0]);
  std::vector<std::pair<unsigned, uint16_t>> cases = {{0, peers.tcp_port()},
                                                      {1, peers.udp_port()}};
  for (auto [link, port] : cases) {
    ASSERT_FALSE(m.senders_[link].empty());
    char text[TERN_ENDPOINT_STRLEN];
    ASSERT_GT(tern_endpoint_format(&m.senders_[link][0], text, sizeof text), 0);
    EXPECT_EQ("127.0.0.1:" + std::to_string(port), text);
  }
}

// AT+CIPSEND with an address sends there; where a send without one goes
// follows AT+CIPSTART's UDP mode (0: fixed, 2: the last sender).
TEST(ModemSim, UdpSendToAndModes) {
  Peers peers;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_DINFO_ON));
  const uint16_t p1 = peers.udp_port(), p2 = peers.udp2_port();
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(1, TERN_AT_UDP, p1));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(1, "a"));
  ASSERT_TRUE(m.WaitFrames(1, 1));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(1, "b", p2));
  ASSERT_TRUE(m.WaitFrames(1, 2));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(1, "c"));
  ASSERT_TRUE(m.WaitFrames(1, 3));
  EXPECT_EQ((std::vector<std::string>{"a", "b", "c"}), m.frames_[1]);
  EXPECT_EQ(p1, SenderPort(m, 1, 0));
  EXPECT_EQ(p2, SenderPort(m, 1, 1));
  EXPECT_EQ(p1, SenderPort(m, 1, 2));  // mode 0: still the first peer
  // An address on a TCP link is refused.
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(0, "x", p2));

  // Mode 2: after p2 answers, sends without an address go to p2.
  LocalPort local;
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPSTART=2,\"UDP\",\"127.0.0.1\"," +
                                     std::to_string(p1) + "," +
                                     std::to_string(local.port) + ",2\r\n"));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(2, "d", p2));
  ASSERT_TRUE(m.WaitFrames(2, 1));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(2, "e"));
  ASSERT_TRUE(m.WaitFrames(2, 2));
  EXPECT_EQ((std::vector<std::string>{"d", "e"}), m.frames_[2]);
  EXPECT_EQ(p2, SenderPort(m, 2, 0));
  EXPECT_EQ(p2, SenderPort(m, 2, 1));
}

// Two UDP links cannot share a local port: the second is refused, and
// the first keeps hearing the port's datagrams.
TEST(ModemSim, UdpLinksDoNotShareALocalPort) {
  Peers peers;
  Modem m;
  Prepare(m);
  LocalPort held;
  uint16_t local = held.port;
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_UDP, peers.udp_port(), local));
  EXPECT_EQ(TERN_AT_EV_ERROR,
            m.Start(1, TERN_AT_UDP, peers.udp2_port(), local));
  EXPECT_EQ(0, m.connected_[1]);
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, "mine"));
  ASSERT_TRUE(m.WaitFrames(0, 1));
  EXPECT_EQ(std::vector<std::string>{"mine"}, m.frames_[0]);
  // Once the first is closed, the port is free again.
  ASSERT_EQ(TERN_AT_EV_OK, m.Close(0));
  EXPECT_EQ(TERN_AT_EV_OK, m.Start(1, TERN_AT_UDP, peers.udp2_port(), local));
}

// Passive receive mode (AT+CIPRECVMODE=1): a TCP link's data waits in the
// simulator, announced by "+IPD,<link>,<len>", until AT+CIPRECVDATA asks
// for it; a full hold (5,760 bytes) is not added to, so the rest waits in
// the kernel's buffers (TCP's window), and every byte still arrives.
TEST(ModemSim, PassiveModeHoldsUntilFetched) {
  Peers peers;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_DINFO_ON));
  tern_at_parser_recvdata_remote(&m.p_, 1);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_RECV_PASSIVE));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPRECVMODE?\r\n"));
  EXPECT_EQ("+CIPRECVMODE:1", m.lines_.back());
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_MUX_QUERY));
  EXPECT_EQ("+CIPMUX:1", m.lines_.back());
  char b[TERN_AT_CMD_MAX];
  int n = tern_at_cmd_ciprecvdata(b, sizeof b, 0, 100);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command(std::string(b, n)));  // no link
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, "hello world"));
  ASSERT_TRUE(m.PumpUntil([&] { return m.held_[0] == 11; }));
  EXPECT_EQ(0u, m.p_.stats.ipd);  // nothing pushed
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPRECVLEN?\r\n"));
  EXPECT_EQ("+CIPRECVLEN:11,0,0,0,0", m.lines_.back());
  n = tern_at_cmd_ciprecvdata(b, sizeof b, 0, 5);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(std::string(b, n)));
  n = tern_at_cmd_ciprecvdata(b, sizeof b, 0, 100);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(std::string(b, n)));
  EXPECT_EQ((std::vector<std::string>{"hello", " world"}), m.recvdata_);
  ASSERT_EQ(2u, m.senders_[99].size());  // the sender, with AT+CIPDINFO=1
  EXPECT_EQ(peers.tcp_port(), m.senders_[99][0].port);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command(std::string(b, n)));  // none held
  // Some 20,000 bytes echoed and none fetched: the hold stops at 5,760.
  std::string all;
  for (const std::string &p : Payloads(9, 24, 2048)) {
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, p));
    all += p;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPRECVLEN?\r\n"));
  EXPECT_EQ("+CIPRECVLEN:5760,0,0,0,0", m.lines_.back());
  // Then fetched 2,048 at a time: every byte, in order.
  m.recvdata_.clear();
  std::string got;
  n = tern_at_cmd_ciprecvdata(b, sizeof b, 0, 2048);
  for (int i = 0; i < 200 && got.size() < all.size(); i++) {
    m.recvdata_.clear();
    if (m.Command(std::string(b, n)) == TERN_AT_EV_OK) {
      ASSERT_EQ(1u, m.recvdata_.size());
      EXPECT_LE(m.recvdata_[0].size(), 2048u);
      got += m.recvdata_[0];
    } else {
      m.PumpUntil([] { return false; }, 20);  // a +IPD notice, maybe
    }
  }
  EXPECT_TRUE(SameBytes(all, got));
  EXPECT_EQ(0u, m.p_.stats.bad_char + m.p_.stats.overlong + m.p_.stats.bad_ipd +
                    m.p_.stats.bad_number);
}

// A Linux peer on 127.0.0.1 the test drives itself: a listener, and
// resets of the connections it accepted.
class TcpPeer {
 public:
  TcpPeer() {
    lst_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(0, bind(lst_, reinterpret_cast<sockaddr *>(&a), sizeof a));
    socklen_t l = sizeof a;
    EXPECT_EQ(0, getsockname(lst_, reinterpret_cast<sockaddr *>(&a), &l));
    port_ = ntohs(a.sin_port);
    EXPECT_EQ(0, listen(lst_, 4));
  }
  ~TcpPeer() {
    close(lst_);
  }
  uint16_t port() const {
    return port_;
  }
  int Accept() {
    return accept4(lst_, nullptr, nullptr, SOCK_CLOEXEC);
  }
  // Closes fd with a reset (SO_LINGER 0).
  static void Reset(int fd) {
    linger lg = {1, 0};
    EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    close(fd);
  }

 private:
  int lst_;
  uint16_t port_;
};

// Passive mode: a link its Linux peer resets keeps the bytes it held for
// AT+CIPRECVDATA, whether the simulator saw the reset first (a send then
// gets "link is not valid") or a send failing on the dead socket did
// (SEND FAIL); <link>,CLOSED comes once they are read.
TEST(ModemSim, PassiveModeKeepsHeldBytesAfterAReset) {
  TcpPeer peer;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_RECV_PASSIVE));
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peer.port()));
  int p0 = peer.Accept();
  ASSERT_GE(p0, 0);
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(1, TERN_AT_TCP, peer.port()));
  int p1 = peer.Accept();
  ASSERT_GE(p1, 0);
  auto held_is = [&](const std::string &want) {
    for (int i = 0; i < 100; i++) {
      if (m.Command("AT+CIPRECVLEN?\r\n") == TERN_AT_EV_OK &&
          m.lines_.back() == want) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  // Link 0: 100 bytes held, then the reset, which the simulator sees.
  std::string a = Payloads(4, 1, 100)[0].substr(0, 100);
  ASSERT_EQ(100, send(p0, a.data(), a.size(), MSG_NOSIGNAL));
  ASSERT_TRUE(held_is("+CIPRECVLEN:100,0,0,0,0"));
  TcpPeer::Reset(p0);
  m.PumpUntil([] { return false; }, 200);
  EXPECT_EQ(0, m.closed_[0]);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(0, "x"));
  // Link 1: a full hold (5,760 bytes), the rest in the kernel; a full
  // hold is not read, so the reset is found by the send.
  std::string b(8000, '\0');
  for (size_t i = 0; i < b.size(); i++) {
    b[i] = static_cast<char>(i * 7 + 3);
  }
  for (size_t off = 0; off < b.size();) {
    ssize_t w = send(p1, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    ASSERT_GT(w, 0);
    off += (size_t)w;
  }
  ASSERT_TRUE(held_is("+CIPRECVLEN:100,5760,0,0,0"));
  TcpPeer::Reset(p1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(TERN_AT_EV_SEND_FAIL, m.Send(1, "x"));
  EXPECT_EQ(0, m.closed_[1]);
  // Both still hold their bytes: every one of them comes, then CLOSED.
  ASSERT_TRUE(held_is("+CIPRECVLEN:100,5760,0,0,0"));
  for (unsigned l = 0; l < 2; l++) {
    std::string got;
    char c[TERN_AT_CMD_MAX];
    int n = tern_at_cmd_ciprecvdata(c, sizeof c, l, 2048);
    m.recvdata_.clear();
    while (got.size() < 5760 && m.Command(std::string(c, n)) == TERN_AT_EV_OK) {
      ASSERT_EQ(1u, m.recvdata_.size());
      got += m.recvdata_[0];
      m.recvdata_.clear();
    }
    EXPECT_TRUE(SameBytes(l == 0 ? a : b.substr(0, 5760), got)) << "link " << l;
    EXPECT_TRUE(m.WaitClosed(l)) << "link " << l;
    EXPECT_EQ(TERN_AT_EV_ERROR, m.Command(std::string(c, n)));  // gone
  }
}

// ESP8266 AT 1.7's answer form, and a modem without passive mode.
TEST(ModemSim, PassiveModeOptions) {
  Peers peers;
  {
    Modem m({"--recvdata-form=esp8266"});
    Prepare(m);
    ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_RECV_PASSIVE));
    ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, "abc"));
    ASSERT_TRUE(m.PumpUntil([&] { return m.held_[0] == 3; }));
    ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPRECVDATA=0,10\r\n"));
    EXPECT_EQ(std::vector<std::string>{"abc"}, m.recvdata_);
  }
  Modem m({"--no-passive"});
  Prepare(m);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command(TERN_AT_CMD_RECV_PASSIVE));
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, "abc"));
  ASSERT_TRUE(m.WaitStream(0, 3));  // pushed as +IPD with its data
  EXPECT_EQ("abc", m.Stream(0));
}

// AT+CIPSTO's idle timeout does not close a server's link whose received
// bytes wait in passive mode's hold for the host (closing it dropped
// them); once the host fetched them, the link is quiet again and goes.
TEST(ModemSim, ServerTimeoutKeepsALinkWithHeldBytes) {
  Modem m({"--sto=1"});
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_RECV_PASSIVE));
  LocalPort held;
  uint16_t port = held.port;
  ASSERT_EQ(TERN_AT_EV_OK,
            m.Command("AT+CIPSERVER=1," + std::to_string(port) + "\r\n"));
  int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  ASSERT_EQ(0, connect(c, reinterpret_cast<sockaddr *>(&a), sizeof a));
  ASSERT_TRUE(m.PumpUntil([&] { return m.connected_[0] == 1; }));
  ASSERT_EQ(5, send(c, "hello", 5, MSG_NOSIGNAL));
  ASSERT_TRUE(m.PumpUntil([&] { return m.held_[0] == 5; }));
  // Twice the timeout with the bytes unfetched: the link stays.
  EXPECT_FALSE(m.PumpUntil([&] { return m.closed_[0] > 0; }, 2200));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+CIPRECVDATA=0,10\r\n"));
  EXPECT_EQ(std::vector<std::string>{"hello"}, m.recvdata_);
  // Nothing left to deliver: quiet for a second, it is closed.
  EXPECT_TRUE(m.WaitClosed(0));
  close(c);
}

TEST(ModemSim, PeerCloses) {
  Peers peers;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(2, TERN_AT_TCP, peers.closer_port()));
  ASSERT_TRUE(m.WaitClosed(2));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(2, "late"));
  // The link can be used again.
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(2, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(2, "again"));
  ASSERT_TRUE(m.WaitStream(2, 5));
  EXPECT_EQ("again", m.Stream(2));
}

TEST(ModemSim, RestartDropsEveryLink) {
  Peers peers;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_OK, m.Command("AT+RST\r\n"));
  ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ == 2; }));
  // Back to the start: echo on, links unnumbered until AT+CIPMUX=1, and
  // link 0 gone without a CLOSED (the modem restarted).
  EXPECT_EQ(0, m.closed_[0]);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(0, "x"));
  EXPECT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_MUX_ON));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(0, "x"));
  EXPECT_FALSE(m.echoes_.empty());
}

// A restart (SIGUSR1: a brown-out) while an AT+CIPSEND waits for its
// payload, or with a command line half written, happens at once, as a
// module's does: the payload and the half line are forgotten, and what
// the host writes next is read as commands. Before the fix the
// simulator put the restart off until the payload was complete (taking
// the host's next commands for it), and a half line was finished by the
// bytes written after the restart and run.
TEST(ModemSim, RestartForgetsAPayloadAndAHalfLine) {
  Peers peers;
  Modem m;
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  char b[TERN_AT_CMD_MAX];
  int n = tern_at_cmd_cipsend(b, sizeof b, 0, 10);
  ASSERT_GT(n, 0);
  ASSERT_EQ(TERN_AT_EV_OK, m.Command(std::string(b, n)));
  ASSERT_EQ(TERN_AT_EV_PROMPT, m.Result());
  m.Write("abc");  // 3 of the 10 bytes
  usleep(50 * 1000);
  ASSERT_EQ(0, kill(m.pid(), SIGUSR1));
  ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ == 2; }, 1000));
  EXPECT_EQ(TERN_AT_EV_OK, m.Command("AT\r\n"));
  m.Write("AT+CIPMU");  // half a line
  usleep(50 * 1000);
  ASSERT_EQ(0, kill(m.pid(), SIGUSR1));
  ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ == 3; }, 1000));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Command("X=1\r\n"));  // not AT+CIPMUX=1
}

// A TCP listener on 127.0.0.1 whose accept queue is full (backlog 0 and
// one connection never accepted): Linux drops the next SYN, so a connect
// to it stays in progress.
class FullListener {
 public:
  FullListener() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    lfd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(0, bind(lfd_, reinterpret_cast<sockaddr *>(&a), al));
    EXPECT_EQ(0, listen(lfd_, 0));
    EXPECT_EQ(0, getsockname(lfd_, reinterpret_cast<sockaddr *>(&a), &al));
    port_ = ntohs(a.sin_port);
    cfd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(0, connect(cfd_, reinterpret_cast<sockaddr *>(&a), al));
  }
  ~FullListener() {
    close(cfd_);
    close(lfd_);
  }
  // Whether a connect to it is still in progress after ms.
  bool Hangs(int ms) const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    bool in_progress =
        connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 &&
        errno == EINPROGRESS;
    pollfd pf = {fd, POLLOUT, 0};
    bool hangs = in_progress && poll(&pf, 1, ms) == 0;
    close(fd);
    return hangs;
  }
  uint16_t port() const {
    return port_;
  }

 private:
  int lfd_ = -1;
  int cfd_ = -1;
  uint16_t port_ = 0;
};

// A signal during AT+CIPSTART's wait for a TCP connect (up to 5 s) acts at
// once: the connect is given up (ERROR) and a SIGUSR1 restarts the modem
// then (ready), a SIGTERM ends the simulator then. Every signal the
// simulator catches asks for one of these, so the wait is not resumed
// after one (EINTR): resuming it would put the restart, which happens at
// once everywhere else, or the end of a test's simulator off by up to 5 s.
TEST(ModemSim, ASignalDuringAConnectActsAtOnce) {
  FullListener full;
  ASSERT_TRUE(full.Hangs(300)) << "a connect to a full listener completed";
  tern_endpoint ep = Modem::Loopback(full.port());
  char b[TERN_AT_CMD_MAX];
  int n = tern_at_cmd_cipstart(b, sizeof b, 0, TERN_AT_TCP, &ep, 0);
  ASSERT_GT(n, 0);
  auto start = std::chrono::steady_clock::now();
  {
    Modem m;
    Prepare(m);
    m.Write(std::string(b, n));
    usleep(300 * 1000);  // in the connect's wait
    ASSERT_EQ(0, kill(m.pid(), SIGUSR1));
    EXPECT_EQ(TERN_AT_EV_ERROR, m.Result(1000));
    ASSERT_TRUE(m.PumpUntil([&] { return m.ready_ == 2; }, 1000));
    ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_ECHO_OFF));
    ASSERT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_MUX_ON));
    m.Write(std::string(b, n));
    usleep(300 * 1000);
    start = std::chrono::steady_clock::now();
  }  // ~Modem: SIGTERM, and the simulator's exit waited for
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(2000));
}

TEST(ModemSim, SymlinkOption) {
  std::string link =
      std::string(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp") +
      "/modem_sim_test_" + std::to_string(getpid());
  {
    Modem m({}, link);
    Prepare(m);
    EXPECT_EQ(TERN_AT_EV_OK, m.Command(TERN_AT_CMD_AT));
  }
  EXPECT_NE(0, access(link.c_str(), F_OK)) << "symlink left behind";
}

// ---- The knobs ----

TEST(ModemSim, GarbageBetweenMessages) {
  Peers peers;
  Modem m({"--garbage", "--seed=1"});
  Prepare(m);
  RoundTrip(m, peers, 12, 1500);
  // The junk arrived and was dropped or handed on as unknown lines.
  EXPECT_GT(m.p_.stats.bad_char, 0u);
  EXPECT_GT(m.p_.stats.overlong, 0u);
  EXPECT_GT(m.p_.stats.other, 0u);
}

TEST(ModemSim, IpdSplitAtEveryByte) {
  Peers peers;
  Modem m({"--split=bytes", "--split-pause-us=50"});
  Prepare(m);
  RoundTrip(m, peers, 8, 200);
  EXPECT_GT(m.reads_ending_in_payload_, 0);
}

TEST(ModemSim, IpdSplitAtRandom) {
  Peers peers;
  Modem m({"--split=random", "--seed=5"});
  Prepare(m);
  RoundTrip(m, peers, 12, 1500);
  EXPECT_GT(m.reads_ending_in_payload_, 0);
}

TEST(ModemSim, DroppedLinks) {
  Peers peers;
  Modem m({"--drop-after=2"});
  Prepare(m);
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(0, TERN_AT_TCP, peers.tcp_port()));
  ASSERT_EQ(TERN_AT_EV_OK, m.Start(1, TERN_AT_UDP, peers.udp_port()));
  std::string sent;
  size_t dgrams = 0;
  for (const char *s : {"one", "two"}) {
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(0, s));
    sent += s;
    ASSERT_TRUE(m.WaitStream(0, sent.size()));
    ASSERT_EQ(TERN_AT_EV_SEND_OK, m.Send(1, s));
    ASSERT_TRUE(m.WaitFrames(1, ++dgrams));
  }
  // Two frames each, then the simulator drops both links.
  ASSERT_TRUE(m.WaitClosed(0));
  ASSERT_TRUE(m.WaitClosed(1));
  EXPECT_EQ("onetwo", m.Stream(0));
  EXPECT_EQ((std::vector<std::string>{"one", "two"}), m.frames_[1]);
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(0, "three"));
  EXPECT_EQ(TERN_AT_EV_ERROR, m.Send(1, "three"));
}

TEST(ModemSim, AllKnobsAtOnce) {
  Peers peers;
  Modem m({"--garbage", "--split=random", "--seed=9", "--drop-after=6"});
  Prepare(m);
  std::vector<std::string> p = Payloads(11, 30, 900);
  std::vector<std::string> sent(3);
  for (unsigned l = 0; l < 3; l++) {
    ASSERT_EQ(TERN_AT_EV_OK, m.Start(l, TERN_AT_TCP, peers.tcp_port()));
  }
  // Each send waits for its echo, so each comes back as one frame and the
  // drop after the sixth frame falls between sends.
  for (size_t i = 0; i < p.size(); i++) {
    unsigned l = i % 3;
    int r = m.Send(l, p[i]);
    if (m.closed_[l] > 0) {
      EXPECT_EQ(TERN_AT_EV_ERROR, r);
      continue;
    }
    ASSERT_EQ(TERN_AT_EV_SEND_OK, r);
    sent[l] += p[i];
    ASSERT_TRUE(m.PumpUntil([&] {
      return m.Stream(l).size() >= sent[l].size() || m.closed_[l] > 0;
    }));
  }
  for (unsigned l = 0; l < 3; l++) {
    ASSERT_TRUE(m.WaitClosed(l));
    // What came back is what was sent, up to where the link dropped.
    std::string got = m.Stream(l);
    EXPECT_TRUE(SameBytes(sent[l].substr(0, got.size()), got)) << "link " << l;
    EXPECT_GT(got.size(), 0u);
  }
  EXPECT_GT(m.p_.stats.bad_char + m.p_.stats.overlong, 0u);
}

}  // namespace
