// rdptriage: live client-side probes, run from where the failing client sits.
//
// LiveProbeAdapter answers the client.* probes for one target by looking:
// DNS (A and AAAA, "no such name" told apart from "no answer"), a TCP connect
// with a deadline (open, refused, timeout, unreachable, local error), the RDP
// negotiation (what the server selected, or its failure code), and TLS (the
// negotiated version and cipher, which of TLS 1.0-1.3 the listener accepts,
// and its certificate). Every probe has a deadline and bounded reads; a
// hostile or silent server cannot hang or overflow it.
//
//   rdptriage::LiveProbeOptions opts;
//   opts.timeout = std::chrono::seconds(3);
//   auto live = std::make_shared<rdptriage::LiveProbeAdapter>("vm.example.com", 3389, opts);
//   live->collect();                       // runs the independent probes concurrently
//   req.adapters.push_back(live);          // answers client.* probes from what it saw
//
// Thread safety: collect() and run() may be called from any thread; the
// first call runs the probes once, later calls answer from the results.
#ifndef RDPTRIAGE_LIVE_PROBES_H_
#define RDPTRIAGE_LIVE_PROBES_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rdptriage/probe.h"

namespace rdptriage {

struct LiveProbeOptions {
  // Deadline for each probe (DNS, connect, negotiation, each TLS handshake).
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
};

// What the probes saw. Strings use the values of the client.* probe domains
// in rules/probes.json and rules/live_probes.json.
struct LiveObservations {
  std::string host;
  int port = 3389;
  bool host_is_ip = false;
  std::string dns;                     // ok, nxdomain, no_answer
  std::vector<std::string> addresses;  // resolved, IPv4 first
  std::string dns_detail;
  std::string address;  // the one probed
  std::string tcp;      // open, refused, timeout, unreachable, local_error
  int tcp_errno = 0;
  double tcp_elapsed_s = 0;
  std::string negotiation;  // response, failure, no_negotiation_data, not_rdp, closed, no_answer
  std::string selected_protocol;  // rdp, ssl, hybrid, hybrid_ex, rdstls
  std::string negotiation_failure = "none";
  std::string negotiation_detail;
  std::string nla;  // required, not_required, unknown
  std::string tls;  // ok, failed, not_attempted
  std::string tls_version, tls_cipher, tls_error;
  std::vector<std::string> tls_versions;
  std::string certificate_subject, certificate_issuer, certificate_not_before,
      certificate_not_after, certificate_key_type;
  int certificate_key_bits = 0;
  bool certificate_self_signed = false;
  std::string certificate_common_name;  // the subject's CN (the computer name when self-signed)
  std::string certificate_state;        // valid, expired, not_yet_valid, none
  double wall_s = 0;                    // wall time of collect()
};

class LiveProbeAdapter : public ProbeAdapter {
 public:
  LiveProbeAdapter(std::string host, int port, LiveProbeOptions options = {});

  // Runs the probes (once). Never throws.
  const LiveObservations& collect();
  // Answers client.* probes; other probes are unavailable (not observable
  // from the client).
  ProbeResult run(const ProbeRequest& request) override;
  std::string name() const override { return "live"; }

 private:
  std::string host_;
  int port_;
  LiveProbeOptions options_;
  std::once_flag once_;
  LiveObservations seen_;
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_LIVE_PROBES_H_
