#include "live/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace rdptriage::internal::live {
namespace {

int remaining_ms(Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

std::string classify(int err) {
  switch (err) {
    case ECONNREFUSED:
    case ECONNRESET:
      return "refused";
    case ETIMEDOUT:
      return "timeout";
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
      return "unreachable";
    default:
      return "local_error";  // EACCES/EPERM from a local firewall, no route, ...
  }
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

bool is_ip_literal(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

TcpResult tcp_connect(const std::string& address, int port, Clock::time_point deadline, Fd* out) {
  const auto start = Clock::now();
  TcpResult r;
  auto done = [&](std::string outcome, int err) {
    r.outcome = std::move(outcome);
    r.error = err;
    r.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    return r;
  };
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return done("local_error", EINVAL);
  }
  Fd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return done("local_error", errno);
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return done(classify(errno), errno);
    pollfd p{fd.get(), POLLOUT, 0};
    int n;
    do {
      n = ::poll(&p, 1, remaining_ms(deadline));
    } while (n < 0 && errno == EINTR);
    if (n == 0) return done("timeout", ETIMEDOUT);
    if (n < 0) return done("local_error", errno);
    int err = 0;
    socklen_t elen = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) return done(classify(err), err);
  }
  if (out) *out = std::move(fd);
  return done("open", 0);
}

bool send_all(int fd, const std::vector<std::uint8_t>& bytes, Clock::time_point deadline) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  }
  return true;
}

ReadStatus read_some(int fd, std::vector<std::uint8_t>* buf, std::size_t max_total,
                     Clock::time_point deadline) {
  if (buf->size() >= max_total) return ReadStatus::kData;
  pollfd p{fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&p, 1, remaining_ms(deadline));
  } while (n < 0 && errno == EINTR);
  if (n == 0) return ReadStatus::kTimeout;
  if (n < 0) return ReadStatus::kError;
  std::uint8_t tmp[256];
  std::size_t want = std::min(sizeof tmp, max_total - buf->size());
  ssize_t got = ::recv(fd, tmp, want, 0);
  if (got == 0) return ReadStatus::kClosed;
  if (got < 0) return errno == ECONNRESET ? ReadStatus::kClosed : ReadStatus::kError;
  buf->insert(buf->end(), tmp, tmp + got);
  return ReadStatus::kData;
}

DnsResult resolve(const std::string& name, Clock::time_point deadline) {
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
    std::vector<std::string> addresses;
  };
  auto shared = std::make_shared<Shared>();
  try {
    std::thread([shared, name] {
      addrinfo hints{};
      hints.ai_family = AF_UNSPEC;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &res);
      std::vector<std::string> v4, v6;
      for (addrinfo* a = res; rc == 0 && a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        if (a->ai_family == AF_INET)
          inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text,
                    sizeof text);
        else if (a->ai_family == AF_INET6)
          inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text,
                    sizeof text);
        else
          continue;
        auto& list = a->ai_family == AF_INET ? v4 : v6;
        if (std::find(list.begin(), list.end(), text) == list.end()) list.emplace_back(text);
      }
      if (res) freeaddrinfo(res);
      std::lock_guard<std::mutex> lock(shared->m);
      shared->rc = rc;
      shared->addresses = v4;
      shared->addresses.insert(shared->addresses.end(), v6.begin(), v6.end());
      shared->done = true;
      shared->cv.notify_all();
    }).detach();
  } catch (const std::exception& e) {
    return {"no_answer", {}, std::string("could not start the resolver: ") + e.what()};
  }
  std::unique_lock<std::mutex> lock(shared->m);
  if (!shared->cv.wait_until(lock, deadline, [&] { return shared->done; }))
    return {"no_answer", {}, "the resolver did not answer before the deadline"};
  if (shared->rc == 0) return {"ok", shared->addresses, ""};
  if (shared->rc == EAI_NONAME
#ifdef EAI_NODATA
      || shared->rc == EAI_NODATA
#endif
  )
    return {"nxdomain", {}, gai_strerror(shared->rc)};
  return {"no_answer", {}, gai_strerror(shared->rc)};
}

}  // namespace rdptriage::internal::live
