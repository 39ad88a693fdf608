// The bundled rules end to end: every catalog cause is confirmed from the
// observations an operator would collect, ruled out when its test is clean,
// and the four-layer discipline holds.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "rdptriage/observations.h"
#include "rdptriage/triage.h"
#include "support/bundled_triage.h"

namespace rdptriage {
namespace {

const std::string kSource = RDPTRIAGE_TEST_SOURCE_DIR;

const Triage& bundled() { return testing::bundled_triage(); }

const boost::json::object& cases_doc() {
  static const boost::json::value doc = [] {
    std::ifstream in(kSource + "/test/data/catalog_cases.json");
    std::stringstream s;
    s << in.rdbuf();
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(s.str(), ec);
    if (ec) FAIL("catalog_cases.json: " << ec.message());
    return v;
  }();
  return doc.get_object();
}

// Builds the observations file an operator would hand over: the healthy
// baseline with this case's answers on top.
Report diagnose(const std::string& symptom, const boost::json::object& overrides) {
  boost::json::object results = cases_doc().at("baseline").get_object();
  for (const auto& [k, v] : overrides) results[k] = v;
  boost::json::object file;
  file["schema"] = "rdptriage.observations/1";
  file["symptom"] = symptom;
  file["context"] = {{"resource_group", "prod-rg"},
                     {"vm", "web01"},
                     {"nsg", "web01-nsg"},
                     {"client_ip", "203.0.113.10"}};
  file["results"] = results;
  StatusOr<Observations> obs =
      Observations::load_string(boost::json::serialize(file), "case.json", bundled().rules());
  if (!obs.ok()) FAIL(obs.status().to_string());
  StatusOr<Report> report = bundled().evaluate(obs->to_request());
  if (!report.ok()) FAIL(report.status().to_string());
  return std::move(report).value();
}

std::string trail(const Report& r) {
  std::string out = std::string(verdict_name(r.status)) + " " + r.cause + "\n";
  for (const Evidence& e : r.evidence)
    out += "  " + e.probe + " = " +
           (e.result.has_value() ? to_string(e.result.value) : e.result.reason) + "\n";
  return out;
}

TEST_CASE(
    "every catalog cause is confirmed from collected observations, and ruled out when clean") {
  std::set<std::string> covered;
  for (const auto& c : cases_doc().at("cases").get_array()) {
    const auto& obj = c.get_object();
    const std::string cause(obj.at("cause").get_string());
    const std::string symptom(obj.at("symptom").get_string());
    covered.insert(cause);
    SECTION(cause) {
      Report fault = diagnose(symptom, obj.at("results").get_object());
      INFO(trail(fault));
      CHECK(fault.status == Verdict::kConfirmed);
      CHECK(fault.cause == cause);
      REQUIRE(bundled().rules().find_cause(cause) != nullptr);
      CHECK(fault.layer == bundled().rules().find_cause(cause)->layer);
      CHECK_FALSE(fault.fix.empty());

      Report clean = diagnose(symptom, {});
      INFO(trail(clean));
      CHECK(clean.cause != cause);
      bool ruled_out = false;
      for (const Evidence& e : clean.evidence)
        for (const std::string& id : e.ruled_out) ruled_out |= id == cause;
      CHECK(ruled_out);
    }
  }
  CHECK(covered.size() == bundled().rules().causes().size());
}

TEST_CASE("a timeout with a clean network path goes on to the guest") {
  Report r = diagnose("timeout",
                      {{"client.tcp_connect", "timeout"}, {"guest.termservice_state", "stopped"}});
  INFO(trail(r));
  CHECK(r.cause == "service.termservice_down");
  CHECK(r.layer == Layer::kService);
}

TEST_CASE("a successful logon never leads back to a network fix") {
  // The network looks broken to every probe, yet the client signed in: the
  // symptom rules the network out, so no network cause may be named.
  const boost::json::object broken_network = {{"netwatch.ip_flow_inbound", "deny"},
                                              {"azure.public_ip_present", false},
                                              {"azure.jit_enabled", true},
                                              {"netwatch.next_hop", "VirtualAppliance"},
                                              {"azure.appliance_allows_rdp", false}};
  for (const char* symptom : {"black_screen", "disconnect_after_logon", "slow_session",
                              "temporary_profile", "another_user_signed_in"}) {
    INFO(symptom);
    Report healthy_guest = diagnose(symptom, broken_network);
    CHECK(healthy_guest.layer != Layer::kNetwork);
    for (const Evidence& e : healthy_guest.evidence) CHECK(e.probe.rfind("netwatch.", 0) != 0);
    boost::json::object with_fault = broken_network;
    with_fault["metrics.available_memory_mb"] = 90;
    Report starved = diagnose(symptom, with_fault);
    if (starved.status == Verdict::kConfirmed) CHECK(starved.layer == Layer::kGuest);
  }
}

TEST_CASE("several faults yield the first on the path") {
  struct Case {
    const char* symptom;
    boost::json::object results;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"timeout",
       {{"netwatch.ip_flow_inbound", "deny"},
        {"guest.termservice_state", "stopped"},
        {"client.tcp_connect", "timeout"}},
       "network.nsg_denies_rdp"},
      {"timeout",
       {{"azure.power_state", "stopped"},
        {"netwatch.ip_flow_inbound", "deny"},
        {"client.tcp_connect", "timeout"}},
       "boundary.vm_not_running"},
      {"black_screen",
       {{"guest.c_free_mb", 12}, {"metrics.available_memory_mb", 90}},
       "guest.disk_full"},
      {"credentials_rejected",
       {{"azure.signin_blocked_by_conditional_access", true},
        {"guest.last_logon_failure_status", "0xC000006A"}},
       "auth.conditional_access"},
  };
  for (const Case& c : cases) {
    Report r = diagnose(c.symptom, c.results);
    INFO(trail(r));
    CHECK(r.cause == c.expected);
  }
}

TEST_CASE("the client error alone localizes the layer and names the next test") {
  EvaluateRequest req;
  req.client_error =
      "An authentication error has occurred.\nThe Local Security Authority cannot be contacted.\n"
      "Remote computer: web01.contoso.com";
  StatusOr<Report> r = bundled().evaluate(req);
  REQUIRE(r.ok());
  // On an NLA host this message is also an expired, must-change or locked
  // account (issue 12): the reading widens to cover both.
  CHECK(r->symptom == "lsa_or_account");
  CHECK(r->leading_cause.empty());
  CHECK(r->status == Verdict::kInconclusive);
  CHECK(r->layer == Layer::kAuth);
  REQUIRE_FALSE(r->candidates.empty());
  for (const Candidate& c : r->candidates) CHECK_FALSE(c.next_test.empty());

  req.client_error = "zxqv nothing like any client message";
  r = bundled().evaluate(req);
  REQUIRE(r.ok());
  CHECK(r->symptom == "unknown");
  CHECK(r->symptom_source == "client error (unrecognised)");
}

TEST_CASE("fix commands are rendered for the context and never open RDP to everyone") {
  Report r = diagnose("timeout",
                      {{"netwatch.ip_flow_inbound", "deny"}, {"client.tcp_connect", "timeout"}});
  REQUIRE(r.cause == "network.nsg_denies_rdp");
  bool scoped = false;
  for (const FixStep& f : r.fix) {
    CHECK(f.command.find("myResourceGroup") == std::string::npos);
    if (f.command.find("nsg rule") != std::string::npos) {
      CHECK(f.command.find("prod-rg") != std::string::npos);
      CHECK(f.command.find("'*'") == std::string::npos);
      scoped |= f.command.find("203.0.113.10/32") != std::string::npos;
    }
  }
  CHECK(scoped);
  CHECK_FALSE(r.warnings.empty());
}

}  // namespace
}  // namespace rdptriage
