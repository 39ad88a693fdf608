// The real FreeRDP client against the lab: xfreerdp (Debian freerdp2-x11,
// under xvfb-run) connects to each broken listener, and what it printed and
// its exit status go to rdptriage as a person would paste them. The symptom
// and layer rdptriage derives are asserted, and the text goes through
// `rdptriage probe --client-error-file` too, where what this machine sees
// narrows it. Loopback only, inside the lab's namespace.
#include <set>

#include "live/lab_support.h"
#include "rdptriage/triage.h"
#include "support/bundled_triage.h"

namespace rdptriage {
namespace {

using namespace lab;

// scripts/install-deps.sh installs both; a machine without them skips
// these cases and says so.
bool have_freerdp() {
  if (std::system("command -v xfreerdp >/dev/null 2>&1 && command -v xvfb-run >/dev/null 2>&1") ==
      0)
    return true;
  WARN("SKIPPED: xfreerdp or xvfb-run is not installed");
  return false;
}

struct ClientRun {
  int exit_code = -1;
  std::string output;  // what xfreerdp printed, then its exit status as a person notes it
  fs::path file;       // the same, saved for --client-error-file
};

// Runs xfreerdp against 127.0.0.1:port (or `host`) with `extra` options.
ClientRun xfreerdp(const std::string& name, const std::string& target, const std::string& extra) {
  const std::string cmd = "timeout 90 xvfb-run -a xfreerdp /v:" + target +
                          " /u:lab /p:lab-password /cert:ignore " + extra + " 2>&1";
  auto start = Clock::now();
  Run r = run(cmd);
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  ClientRun c;
  c.exit_code = r.exit_code;
  c.output = r.out + "\nxfreerdp exited with code " + std::to_string(r.exit_code) + "\n";
  c.file = lab_dir() / ("xfreerdp-" + name + ".log");
  std::ofstream(c.file) << c.output;
  WARN("xfreerdp " << name << ": exit " << r.exit_code << " after " << s << " s\n" << r.out);
  return c;
}

const Triage& triage() { return testing::bundled_triage(); }

std::set<std::string> candidate_layers(const Report& r) {
  std::set<std::string> out;
  for (const Candidate& c : r.candidates) out.insert(std::string(layer_name(c.layer)));
  return out;
}

Report diagnose(const ClientRun& c) {
  EvaluateRequest req;
  req.client_error = c.output;
  auto report = triage().evaluate(req);
  REQUIRE(report.ok());
  std::string notes;
  for (const auto& n : report->client_error.notes) notes += n + "\n";
  INFO("notes: " << notes);
  return std::move(report).value();
}

TEST_CASE(
    "xfreerdp: a closed port and a reset read as no connection; the probe narrows to refused") {
  if (!have_freerdp()) return;
  ClientRun closed = xfreerdp("closed", "127.0.0.1:14199", "+auth-only");
  CHECK(closed.exit_code == 147);  // XF_EXIT_CONNECT_TRANSPORT_FAILED
  Report r = diagnose(closed);
  CHECK(r.symptom == "no_connection");
  CHECK(candidate_layers(r) == std::set<std::string>{"network", "service", "boundary"});
  CliRun p = cli("probe 127.0.0.1:14199 --timeout 1 --client-error-file " + closed.file.string());
  CHECK(p.exit_code == 3);
  CHECK(p.report.at("symptom") == "refused");
  CHECK(p.report.at("layer") == "service");
  CHECK(p.report.at("client_error").at("symptom") == "no_connection");

  Xrdp server(14111, tls_globals("negotiate"));
  nft("add table inet rdpt_fr_reset");
  nft("'add chain inet rdpt_fr_reset input { type filter hook input priority 0; }'");
  nft("add rule inet rdpt_fr_reset input tcp dport 14111 reject with tcp reset");
  ClientRun reset = xfreerdp("reset", "127.0.0.1:14111", "+auth-only");
  nft("delete table inet rdpt_fr_reset");
  CHECK(reset.exit_code == 147);
  CHECK(diagnose(reset).symptom == "no_connection");
}

TEST_CASE("xfreerdp: a silent drop reads as no connection; the probe narrows to a timeout") {
  if (!have_freerdp()) return;
  Xrdp server(14110, tls_globals("negotiate"));
  nft("add table inet rdpt_fr_drop");
  nft("'add chain inet rdpt_fr_drop input { type filter hook input priority 0; }'");
  nft("add rule inet rdpt_fr_drop input tcp dport 14110 drop");
  ClientRun drop = xfreerdp("drop", "127.0.0.1:14110", "+auth-only");
  CHECK(drop.exit_code == 141);  // XF_EXIT_CONNECT_FAILED: the connect timed out
  Report r = diagnose(drop);
  CHECK(r.symptom == "no_connection");
  CliRun p = cli("probe 127.0.0.1:14110 --timeout 1 --client-error-file " + drop.file.string() +
                 " --context resource_group=lab-rg --context vm=lab-vm");
  nft("delete table inet rdpt_fr_drop");
  CHECK(p.report.at("symptom") == "timeout");
  CHECK(p.report.at("layer") == "network");
}

TEST_CASE("xfreerdp: a listener without its certificate is diagnosed from the client's log alone") {
  if (!have_freerdp()) return;
  Xrdp server(
      14112,
      "security_layer=tls\ncertificate=/nonexistent/cert.pem\nkey_file=/nonexistent/key.pem\n");
  ClientRun c = xfreerdp("nocert", "127.0.0.1:14112", "+auth-only");
  CHECK(c.exit_code == 133);  // XF_EXIT_NEGO_FAILURE
  Report r = diagnose(c);
  CHECK(r.symptom == "security_error");
  // The log shows the server's RDP_NEG_FAILURE: SSL_CERT_NOT_ON_SERVER.
  CHECK(r.status == Verdict::kConfirmed);
  CHECK(r.cause == "service.listener_certificate");
  REQUIRE(r.layer.has_value());
  CHECK(layer_name(*r.layer) == "service");
  CHECK(r.cost_s == 0);  // everything came from the pasted log
}

TEST_CASE(
    "xfreerdp: an RDP-only server and a client that insists on TLS fail security negotiation") {
  if (!have_freerdp()) return;
  Xrdp server(14113, tls_globals("rdp"));
  ClientRun c = xfreerdp("rdp-only", "127.0.0.1:14113", "/sec:tls");
  CHECK(c.exit_code == 133);
  Report r = diagnose(c);
  CHECK(r.symptom == "security_error");
  CHECK(r.status == Verdict::kInconclusive);
  CHECK(candidate_layers(r) == std::set<std::string>{"service", "auth"});
  // What this machine sees agrees: the server selects standard RDP security.
  CliRun p = cli("probe 127.0.0.1:14113 --timeout 2 --client-error-file " + c.file.string());
  CHECK(p.report.at("symptom") == "security_error");
}

TEST_CASE("xfreerdp: a TLS version mismatch fails the TLS handshake") {
  if (!have_freerdp()) return;
  Xrdp server(14114, tls_globals("tls", "ssl_protocols=TLSv1.3\n"));
  ClientRun c = xfreerdp("tls-version", "127.0.0.1:14114", "/sec:tls +enforce-tlsv1_2");
  CHECK(c.exit_code == 143);  // XF_EXIT_TLS_CONNECT_FAILED
  Report r = diagnose(c);
  CHECK(r.symptom == "security_error");
  CHECK(candidate_layers(r) == std::set<std::string>{"service", "auth"});
  bool tls = false;
  for (const ClientErrorMatch& m : r.client_error.matches)
    tls |= m.name == "ERRCONNECT_TLS_CONNECT_FAILED" && m.decisive;
  CHECK(tls);
}

TEST_CASE(
    "xfreerdp: a name that does not resolve points at name resolution; the probe confirms it") {
  if (!have_freerdp()) return;
  FakeDns dns;
  ClientRun c = xfreerdp("nxdomain", "missing.rdptriage.test", "+auth-only");
  CHECK(c.exit_code == 140);  // XF_EXIT_DNS_NAME_NOT_FOUND
  Report r = diagnose(c);
  CHECK(r.symptom == "name_not_found");
  // FreeRDP 2 says DNS_NAME_NOT_FOUND for any failure to resolve, so the
  // log alone does not tell "no such name" from "no answer": the cause
  // leads, and its test is named.
  CHECK(r.status == Verdict::kInconclusive);
  CHECK(r.leading_cause == "network.name_unresolvable");
  REQUIRE(r.layer.has_value());
  CHECK(layer_name(*r.layer) == "network");
  CliRun p = cli("probe missing.rdptriage.test --timeout 2 --client-error-file " + c.file.string());
  CHECK(p.report.at("status") == "confirmed");
  CHECK(p.report.at("cause") == "network.name_unresolvable");
}

}  // namespace
}  // namespace rdptriage
