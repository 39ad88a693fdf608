// Hostile servers on loopback: the probes must end by their deadline, never
// overflow, never leak a descriptor.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <thread>

#include "live/rdp_probe.h"
#include "rdptriage/live_probes.h"

namespace rdptriage::internal::live {
namespace {

int open_fds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

// Accepts connections on 127.0.0.1 and hands each to `behave`.
class Server {
 public:
  explicit Server(std::function<void(int)> behave) : behave_(std::move(behave)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) break;
        if (stop_) {
          ::close(c);
          break;
        }
        behave_(c);
        ::close(c);
      }
    });
  }
  ~Server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::function<void(int)> behave_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void drain(int c) {
  char buf[64];
  ::recv(c, buf, sizeof buf, MSG_DONTWAIT);
}

Negotiation probe(int port, double seconds = 0.5) {
  return negotiate("127.0.0.1", port, 3,
                   Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
}

TEST_CASE("a huge TPKT length is rejected without reading it") {
  Server s([](int c) {
    drain(c);
    std::uint8_t huge[] = {3, 0, 0xFF, 0xFF, 0xE, 0xD0, 'x', 'x'};
    ::send(c, huge, sizeof huge, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  });
  Negotiation n = probe(s.port());
  CHECK(n.outcome == "not_rdp");
  CHECK_THAT(n.detail, Catch::Contains("65535"));
}

TEST_CASE("garbage and foreign banners are not RDP") {
  Server ssh([](int c) {
    ::send(c, "SSH-2.0-OpenSSH_9.2\r\n", 21, MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  });
  CHECK(probe(ssh.port()).outcome == "not_rdp");
  Server http([](int c) {
    drain(c);
    ::send(c, "HTTP/1.1 400 Bad Request\r\n\r\n", 28, MSG_NOSIGNAL);
  });
  Negotiation n = probe(http.port());
  CHECK(n.outcome == "not_rdp");
  CHECK_THAT(n.detail, Catch::Contains("HTTP/1.1"));
}

TEST_CASE("silence ends at the deadline; a close is reported as such") {
  Server silent([](int) { std::this_thread::sleep_for(std::chrono::milliseconds(1500)); });
  auto start = Clock::now();
  Negotiation n = probe(silent.port(), 0.4);
  CHECK(n.outcome == "no_answer");
  CHECK(Clock::now() - start < std::chrono::seconds(1));
  Server closer([](int) {});
  CHECK(probe(closer.port()).outcome == "closed");
}

TEST_CASE("a byte-at-a-time answer slower than the deadline is cut off") {
  Server drip([](int c) {
    drain(c);
    std::uint8_t rsp[] = {3, 0, 0, 19, 14, 0xD0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 1, 0, 0, 0};
    for (std::uint8_t b : rsp) {
      if (::send(c, &b, 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto start = Clock::now();
  Negotiation n = probe(drip.port(), 0.5);
  CHECK(n.outcome == "not_rdp");
  CHECK_THAT(n.detail, Catch::Contains("incomplete"));
  CHECK(Clock::now() - start < std::chrono::milliseconds(1200));
  // Given enough time the same drip is a valid answer.
  Negotiation slow = probe(drip.port(), 5);
  CHECK(slow.outcome == "response");
  CHECK(slow.selected == "ssl");
}

TEST_CASE("a server answering HYBRID_REQUIRED_BY_SERVER to TLS-only requires NLA") {
  Server nla([](int c) {
    std::uint8_t req[19];
    if (::recv(c, req, sizeof req, MSG_WAITALL) != 19) return;
    const bool asks_hybrid = req[15] & 0x2;
    std::uint8_t rsp[] = {3,  0,    0, 19,
                          14, 0xD0, 0, 0,
                          0,  0,    0, static_cast<std::uint8_t>(asks_hybrid ? 2 : 3),
                          0,  8,    0, static_cast<std::uint8_t>(asks_hybrid ? 2 : 5),
                          0,  0,    0};
    ::send(c, rsp, sizeof rsp, MSG_NOSIGNAL);
  });
  rdptriage::LiveProbeOptions o;
  o.timeout = std::chrono::milliseconds(500);
  rdptriage::LiveProbeAdapter a("127.0.0.1", nla.port(), o);
  const rdptriage::LiveObservations& s = a.collect();
  CHECK(s.selected_protocol == "hybrid");
  CHECK(s.nla == "required");
  rdptriage::ProbeRequest req;
  req.probe_id = "client.nla_required";
  CHECK(std::get<bool>(a.run(req).value));
}

TEST_CASE("an endless stream is bounded") {
  Server flood([](int c) {
    std::vector<char> junk(4096, 0x03);
    for (int i = 0; i < 200; ++i)
      if (::send(c, junk.data(), junk.size(), MSG_NOSIGNAL) < 0) return;
  });
  Negotiation n = probe(flood.port());
  CHECK(n.outcome == "not_rdp");
}

TEST_CASE("no descriptor leaks across every hostile case and the TLS probe") {
  const int before = open_fds();
  {
    Server garbage([](int c) { ::send(c, "\x03\x00\x00\x05zzzz", 8, MSG_NOSIGNAL); });
    Server silent([](int) { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
    for (int i = 0; i < 20; ++i) {
      probe(garbage.port(), 0.2);
      probe(silent.port(), 0.05);
      tls_probe("127.0.0.1", garbage.port(), 0, 0, Clock::now() + std::chrono::milliseconds(200));
    }
  }  // the servers (and any sockets they still hold) are gone here
  CHECK(open_fds() == before);
}

TEST_CASE("the adapter reports a refused port and unknown names without guessing") {
  LiveProbeOptions o;
  o.timeout = std::chrono::milliseconds(500);
  LiveProbeAdapter refused("127.0.0.1", 1, o);
  const LiveObservations& s = refused.collect();
  CHECK(s.tcp == "refused");
  ProbeRequest req;
  req.probe_id = "client.tcp_connect";
  CHECK(to_string(refused.run(req).value) == "refused");
  req.probe_id = "client.rdp_negotiation";
  CHECK(refused.run(req).kind == ProbeResult::Kind::kFailed);
  req.probe_id = "guest.termservice_state";
  CHECK(refused.run(req).kind == ProbeResult::Kind::kUnavailable);

  LiveProbeAdapter nxdomain("no-such-host.invalid", 3389, o);
  const LiveObservations& n = nxdomain.collect();
  CHECK((n.dns == "nxdomain" || n.dns == "no_answer"));
  CHECK(n.tcp.empty());
}

}  // namespace
}  // namespace rdptriage::internal::live
