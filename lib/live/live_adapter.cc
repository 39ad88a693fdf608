#include <future>

#include "live/net.h"
#include "live/rdp_probe.h"
#include "live/x224.h"
#include "rdptriage/live_probes.h"

namespace rdptriage {

using internal::live::Clock;

LiveProbeAdapter::LiveProbeAdapter(std::string host, int port, LiveProbeOptions options)
    : host_(std::move(host)), port_(port), options_(options) {}

namespace {

void observe(const std::string& host, int port, const LiveProbeOptions& o, LiveObservations& s) {
  namespace live = internal::live;
  const auto start = Clock::now();
  auto deadline = [&] { return Clock::now() + o.timeout; };
  s.host = host;
  s.port = port;
  s.host_is_ip = live::is_ip_literal(host);
  if (s.host_is_ip) {
    s.dns = "ok";
    s.addresses = {host};
  } else {
    live::DnsResult d = live::resolve(host, deadline());
    s.dns = d.outcome;
    s.addresses = d.addresses;
    s.dns_detail = d.detail;
  }
  if (s.addresses.empty()) {
    s.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
    return;
  }
  s.address = s.addresses.front();
  // Independent probes run concurrently, so a silent drop costs about one
  // timeout of wall time: negotiation asking for TLS+CredSSP, negotiation
  // asking for TLS only (does the server insist on NLA?), and the TLS sweep.
  auto full = std::async(std::launch::async, [&] {
    return live::negotiate(s.address, port,
                           live::kProtocolSsl | live::kProtocolHybrid | live::kProtocolHybridEx,
                           deadline());
  });
  auto tls_only = std::async(std::launch::async, [&] {
    return live::negotiate(s.address, port, live::kProtocolSsl, deadline());
  });
  auto handshake = std::async(std::launch::async,
                              [&] { return live::tls_probe(s.address, port, 0, 0, deadline()); });
  auto versions = std::async(std::launch::async,
                             [&] { return live::tls_versions(s.address, port, deadline()); });
  live::Negotiation n = full.get();
  live::Negotiation ssl_only = tls_only.get();
  live::TlsHandshake t = handshake.get();
  std::vector<std::string> accepted = versions.get();
  s.tcp = n.tcp.outcome;
  s.tcp_errno = n.tcp.error;
  s.tcp_elapsed_s = n.tcp.elapsed_s;
  if (n.outcome != "connect_failed") {
    s.negotiation = n.outcome;
    s.selected_protocol = n.selected;
    if (!n.failure.empty()) s.negotiation_failure = n.failure;
    s.negotiation_detail = n.detail;
  }
  if (ssl_only.outcome == "failure" && ssl_only.failure == "hybrid_required_by_server")
    s.nla = "required";
  else if (ssl_only.outcome == "response")
    s.nla = "not_required";
  else
    s.nla = "unknown";
  s.tls =
      t.ok ? "ok" : (n.outcome == "response" && n.selected != "rdp" ? "failed" : "not_attempted");
  s.tls_version = t.version;
  s.tls_cipher = t.cipher;
  s.tls_error = t.error;
  s.tls_versions = accepted;
  const auto& c = t.certificate;
  s.certificate_state = !c.present        ? "none"
                        : c.expired       ? "expired"
                        : c.not_yet_valid ? "not_yet_valid"
                                          : "valid";
  s.certificate_subject = c.subject;
  s.certificate_common_name = c.common_name;
  s.certificate_issuer = c.issuer;
  s.certificate_not_before = c.not_before;
  s.certificate_not_after = c.not_after;
  s.certificate_key_type = c.key_type;
  s.certificate_key_bits = c.key_bits;
  s.certificate_self_signed = c.self_signed;
  s.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

const LiveObservations& LiveProbeAdapter::collect() {
  std::call_once(once_, [this] {
    try {
      observe(host_, port_, options_, seen_);
    } catch (const std::exception& e) {
      seen_.negotiation_detail = std::string("probe failed: ") + e.what();
    }
  });
  return seen_;
}

ProbeResult LiveProbeAdapter::run(const ProbeRequest& request) {
  const LiveObservations& s = collect();
  const std::string& id = request.probe_id;
  auto value = [](std::string v, std::string detail = {}) {
    return ProbeResult::value_of(std::move(v), std::move(detail));
  };
  const bool connected = !s.negotiation.empty();
  if (id == "client.dial_host_kind") return value(s.host_is_ip ? "ip" : "name");
  if (id == "client.dial_port") return ProbeResult::value_of(static_cast<double>(s.port));
  if (id == "client.name_resolution") return value(s.dns, s.dns_detail);
  if (id == "client.dialed_address")
    return s.address.empty() ? ProbeResult::failed("the name did not resolve")
                             : value(s.address, join(s.addresses));
  if (id == "client.tcp_connect")
    return s.tcp.empty() ? ProbeResult::failed("nothing to connect to")
                         : value(s.tcp, "after " + std::to_string(s.tcp_elapsed_s) + " s");
  if (id.rfind("client.rdp_", 0) == 0 || id.rfind("client.tls_", 0) == 0 ||
      id == "client.nla_required") {
    if (!connected)
      return ProbeResult::failed("no TCP connection to negotiate over (" + s.tcp + ")");
    if (id == "client.rdp_negotiation") return value(s.negotiation, s.negotiation_detail);
    if (id == "client.rdp_negotiation_failure") return value(s.negotiation_failure);
    if (id == "client.rdp_selected_protocol")
      return s.selected_protocol.empty()
                 ? ProbeResult::failed("the server selected nothing (" + s.negotiation + ")")
                 : value(s.selected_protocol);
    if (id == "client.nla_required")
      return s.nla == "unknown" ? ProbeResult::failed("the TLS-only negotiation was inconclusive")
                                : ProbeResult::value_of(s.nla == "required");
    if (id == "client.tls_handshake") return value(s.tls == "ok" ? "ok" : "failed", s.tls_error);
    if (id == "client.tls_versions_accepted") return value(join(s.tls_versions));
    if (id == "client.rdp_certificate_name")
      return s.certificate_common_name.empty()
                 ? ProbeResult::failed("the certificate presented names no common name")
                 : value(s.certificate_common_name, s.certificate_subject);
    if (id == "client.tls_certificate_state")
      return s.certificate_state == "none" ? ProbeResult::failed("no certificate was presented")
                                           : value(s.certificate_state, s.certificate_subject);
  }
  return ProbeResult::unavailable("not observable from the client");
}

}  // namespace rdptriage
