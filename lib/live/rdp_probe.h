// Internal: the RDP negotiation probe and the TLS probe built on it.
#ifndef RDPTRIAGE_LIB_LIVE_RDP_PROBE_H_
#define RDPTRIAGE_LIB_LIVE_RDP_PROBE_H_

#include <string>
#include <vector>

#include "live/net.h"

namespace rdptriage::internal::live {

struct Negotiation {
  // response, failure, no_negotiation_data, not_rdp, closed, no_answer,
  // or connect_failed (see tcp)
  std::string outcome;
  std::string selected;  // protocol the server chose (response)
  std::string failure;   // failure code name (failure)
  std::string detail;
  TcpResult tcp;
};

// Connects, sends a Connection Request asking for `requested`, reads at most
// kMaxConfirmBytes by the deadline. Leaves the socket in `fd` on a response.
Negotiation negotiate(const std::string& address, int port, std::uint32_t requested,
                      Clock::time_point deadline, Fd* fd = nullptr);

struct Certificate {
  bool present = false;
  std::string subject, issuer, not_before, not_after, key_type;
  std::string common_name;  // the subject's CN: a self-signed RDP certificate carries the computer name
  int key_bits = 0;
  bool self_signed = false, expired = false, not_yet_valid = false;
};

struct TlsHandshake {
  bool ok = false;
  std::string version;  // "1.2", "1.3"...
  std::string cipher;
  std::string error;
  Certificate certificate;
};

// Negotiates (asking for TLS) and completes a TLS handshake limited to
// [min_version, max_version] (OpenSSL TLS1_x_VERSION, 0 for no limit).
TlsHandshake tls_probe(const std::string& address, int port, int min_version, int max_version,
                       Clock::time_point deadline);

// Which of TLS 1.0, 1.1, 1.2, 1.3 the listener accepts ("1.0", ...), tried
// concurrently, one connection per version.
std::vector<std::string> tls_versions(const std::string& address, int port,
                                      Clock::time_point deadline);

}  // namespace rdptriage::internal::live

#endif  // RDPTRIAGE_LIB_LIVE_RDP_PROBE_H_
