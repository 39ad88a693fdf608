// Internal: deadline-bounded network primitives for the live probes. Every
// descriptor is owned by an Fd; every wait is a poll() against a deadline.
#ifndef RDPTRIAGE_LIB_LIVE_NET_H_
#define RDPTRIAGE_LIB_LIVE_NET_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace rdptriage::internal::live {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct TcpResult {
  std::string outcome;  // open, refused, timeout, unreachable, local_error
  int error = 0;        // errno of the failure
  double elapsed_s = 0;
};

// Non-blocking connect, poll, SO_ERROR. On "open" `fd` holds the socket.
TcpResult tcp_connect(const std::string& address, int port, Clock::time_point deadline, Fd* fd);

// Sends all bytes or fails (false) by the deadline.
bool send_all(int fd, const std::vector<std::uint8_t>& bytes, Clock::time_point deadline);

enum class ReadStatus { kData, kClosed, kTimeout, kError };
// Appends what is available (at most `max_total` bytes in `buf` overall).
ReadStatus read_some(int fd, std::vector<std::uint8_t>* buf, std::size_t max_total,
                     Clock::time_point deadline);

struct DnsResult {
  std::string outcome;                 // ok, nxdomain, no_answer
  std::vector<std::string> addresses;  // IPv4 first, then IPv6
  std::string detail;
};
// getaddrinfo on a helper thread; abandoned (not leaked: it owns its state)
// if the resolver does not answer by the deadline.
DnsResult resolve(const std::string& name, Clock::time_point deadline);

bool is_ip_literal(const std::string& host);

}  // namespace rdptriage::internal::live

#endif  // RDPTRIAGE_LIB_LIVE_NET_H_
