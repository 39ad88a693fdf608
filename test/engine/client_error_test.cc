// evaluate() with a client error: the text picks the symptom and the leading
// cause, answers the probes it shows only where no host adapter does, and
// those answers cost nothing.
#include <catch2/catch.hpp>

#include "rdptriage/triage.h"
#include "support/bundled_triage.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using testing::MapAdapter;
using testing::V;

const Triage& bundled() { return testing::bundled_triage(); }

const Evidence* find(const Report& r, const std::string& probe) {
  for (const Evidence& e : r.evidence)
    if (e.probe == probe) return &e;
  return nullptr;
}

TEST_CASE("a host adapter's answer wins over what the text shows") {
  EvaluateRequest req;
  req.client_error = "Sub Status: 0xC000006A";
  auto host = std::make_shared<MapAdapter>(
      std::map<std::string, ProbeResult>{{"guest.last_logon_failure_status", V("0xC0000071")}});
  req.adapters.push_back(host);
  auto report = bundled().evaluate(req);
  REQUIRE(report.ok());
  const Evidence* e = find(*report, "guest.last_logon_failure_status");
  REQUIRE(e != nullptr);
  CHECK(e->adapter == "map");
  CHECK(std::get<std::string>(e->result.value) == "0xC0000071");
  CHECK(e->cost_s == 46);  // a Run Command session that really ran, and its read
  CHECK(report->client_error.observations.at("guest.last_logon_failure_status") ==
        ProbeValue(std::string("0xC000006A")));
}

TEST_CASE("the text's answers are used where no adapter answers, at no cost") {
  EvaluateRequest req;
  req.client_error =
      "Error: SSL_CERT_NOT_ON_SERVER\nERRCONNECT_SECURITY_NEGO_CONNECT_FAILED [0x0002000C]";
  auto report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kConfirmed);
  CHECK(report->cause == "service.listener_certificate");
  const Evidence* e = find(*report, "client.rdp_negotiation_failure");
  REQUIRE(e != nullptr);
  CHECK(e->adapter == "client error");
  CHECK(e->cost_s == 0);
  CHECK(report->cost_s == 0);
}

TEST_CASE("a given symptom stands; the text's cause leads only if it is a candidate") {
  EvaluateRequest req;
  req.client_error = "Error code: 0xF07";
  req.symptom = "credentials_rejected";
  auto report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->symptom == "credentials_rejected");
  CHECK(report->symptom_source == "given");
  CHECK(report->client_error.symptom == "password_expired");
  CHECK(report->leading_cause == "auth.password_expired");
  REQUIRE_FALSE(report->candidates.empty());
  CHECK(report->candidates.front().cause == "auth.password_expired");
  CHECK_THAT(report->explanation, Catch::Contains("auth.password_expired"));

  req.symptom = "timeout";
  report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->leading_cause.empty());
}

TEST_CASE("unrecognised text starts from every cause and says so") {
  EvaluateRequest req;
  req.client_error = "it does not work";
  auto report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->symptom == "unknown");
  CHECK(report->symptom_source == "client error (unrecognised)");
  CHECK(report->candidates.size() == bundled().rules().causes().size());
  req.client_error = "Error code: 0x3";  // recognised, says nothing
  report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->symptom_source == "client error (recognised, but it does not say where)");
}

TEST_CASE("text over the limit is refused with one clear error") {
  EvaluateRequest req;
  req.client_error = std::string(2000, 'x');
  req.options.client_error.max_bytes = 1000;
  auto report = bundled().evaluate(req);
  REQUIRE_FALSE(report.ok());
  CHECK(report.status().code() == ErrorCode::kLimitExceeded);
  CHECK_THAT(report.status().message(), Catch::Contains("max_bytes"));
}

TEST_CASE("the report's JSON carries what was read") {
  EvaluateRequest req;
  req.client_error = "Error code: 0x204 Extended error code: 0x0";
  auto report = bundled().evaluate(req);
  REQUIRE(report.ok());
  std::string json = report_to_json(*report);
  CHECK_THAT(json, Catch::Contains("\"client_error\":{\"recognized\":true"));
  CHECK_THAT(json, Catch::Contains("\"name\":\"disconnectReasonSocketConnectFailed\""));
  CHECK_THAT(json, Catch::Contains("\"leading_cause\":null"));
  req.client_error.clear();
  req.symptom = "timeout";
  report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK_THAT(report_to_json(*report), !Catch::Contains("\"client_error\""));
}

}  // namespace
}  // namespace rdptriage
