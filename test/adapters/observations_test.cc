// Recorded observations: strict loading with JSON paths, and an adapter that
// answers only what was collected.
#include "rdptriage/observations.h"

#include <catch2/catch.hpp>

namespace rdptriage {
namespace {

const RuleSet& rules() {
  static const RuleSet r = [] {
    LoadOptions o;
    o.bundled_dir = std::string(RDPTRIAGE_TEST_SOURCE_DIR) + "/rules";
    auto loaded = RuleSet::load(o);
    if (!loaded.ok()) FAIL(loaded.status().to_string());
    return std::move(loaded).value();
  }();
  return r;
}

Diagnostic first_problem(const std::string& json) {
  auto obs = Observations::load_string(json, "obs.json", rules());
  REQUIRE_FALSE(obs.ok());
  REQUIRE_FALSE(obs.status().diagnostics().empty());
  return obs.status().diagnostics().front();
}

TEST_CASE("observations load values, detail, unavailable and failed entries") {
  auto obs = Observations::load_string(R"json({"schema": "rdptriage.observations/1",
    "symptom": "timeout", "context": {"vm": "web01", "port": 3389},
    "results": {"azure.power_state": "running",
                "netwatch.ip_flow_inbound": {"value": "deny", "detail": "DenyAll (200)"},
                "guest.termservice_state": {"unavailable": "agent down"},
                "metrics.cpu_pct": {"failed": "throttled"}}})json",
                                       "obs.json", rules());
  INFO(obs.status().to_string());
  REQUIRE(obs.ok());
  CHECK(obs->symptom() == "timeout");
  CHECK(obs->context().at("port") == "3389");
  auto adapter = obs->adapter();
  ProbeRequest req;
  req.probe_id = "netwatch.ip_flow_inbound";
  ProbeResult r = adapter->run(req);
  CHECK(r.has_value());
  CHECK(r.reason == "DenyAll (200)");
  req.probe_id = "guest.termservice_state";
  CHECK(adapter->run(req).kind == ProbeResult::Kind::kUnavailable);
  req.probe_id = "metrics.cpu_pct";
  CHECK(adapter->run(req).kind == ProbeResult::Kind::kFailed);
  req.probe_id = "azure.resource_health";  // not collected: never guessed
  CHECK(adapter->run(req).kind == ProbeResult::Kind::kUnavailable);
  CHECK_FALSE(adapter->may_block());
}

TEST_CASE("bad observations name the file, line, column and JSON path") {
  Diagnostic d = first_problem("{\n \"results\": {\n  \"metrics.cpu_pct\": 250}}");
  CHECK(d.file == "obs.json");
  CHECK(d.line == 3);
  CHECK(d.path == "results.metrics.cpu_pct");
  CHECK_THAT(d.message, Catch::Contains("number[0..100]"));

  CHECK_THAT(first_problem(R"({"results": {"azure.nope": true}})").message,
             Catch::Contains("unknown probe id"));
  CHECK_THAT(first_problem(R"({"resultz": {}})").message, Catch::Contains("unknown field"));
  CHECK_THAT(first_problem(R"({"symptom": "sneezing"})").message,
             Catch::Contains("unknown symptom"));
  CHECK_THAT(first_problem(R"({"context": {"vm": "a;b"}})").message,
             Catch::Contains("Azure resource name"));
  CHECK_THAT(first_problem(R"({"results": {"guest.rdp_port": "3389"}})").message,
             Catch::Contains("expected integer"));
  CHECK_THAT(first_problem(R"({"results": {"guest.rdp_port": {"value": 1, "colour": 2}}})").message,
             Catch::Contains("unknown field"));
  CHECK_THAT(first_problem(R"({"schema": "other/1"})").message,
             Catch::Contains("rdptriage.observations/1"));
}

TEST_CASE("observations carry the named fields a probe declares") {
  auto obs = Observations::load_string(R"json({"results": {
    "netwatch.ip_flow_inbound": {"value": "deny", "detail": "nic NSG web01-nsg: Deny (200)",
        "fields": {"nsg": "web01-nsg", "priority": 200, "nsg_priorities_in_use": "200,300"}}}})json",
                                       "obs.json", rules());
  INFO(obs.status().to_string());
  REQUIRE(obs.ok());
  ProbeRequest req;
  req.probe_id = "netwatch.ip_flow_inbound";
  ProbeResult r = obs->adapter()->run(req);
  REQUIRE(r.has_value());
  CHECK(r.fields.at("nsg") == "web01-nsg");
  CHECK(r.fields.at("priority") == "200");
  CHECK(r.fields.at("nsg_priorities_in_use") == "200,300");

  Diagnostic d = first_problem(
      R"({"results": {"netwatch.ip_flow_inbound": {"value": "deny", "fields": {"colour": "red"}}}})");
  CHECK(d.path == "results.netwatch.ip_flow_inbound.fields.colour");
  CHECK_THAT(d.message, Catch::Contains("declares no field \"colour\""));
  CHECK_THAT(first_problem(R"({"results": {"netwatch.ip_flow_inbound": {"value": "deny",
                  "fields": {"nsg": ["a"]}}}})")
                 .message,
             Catch::Contains("a string or an integer"));
  CHECK_THAT(first_problem(R"({"results": {"netwatch.ip_flow_inbound": {"failed": "x",
                  "fields": {"nsg": "a"}}}})")
                 .message,
             Catch::Contains("give one of"));
}

TEST_CASE("observation file limits") {
  ObservationsOptions tiny;
  tiny.max_file_bytes = 8;
  auto obs = Observations::load_string(R"({"results": {}})", "obs.json", rules(), tiny);
  REQUIRE_FALSE(obs.ok());
  CHECK(obs.status().code() == ErrorCode::kLimitExceeded);
  auto missing = Observations::load_file("/nonexistent/obs.json", rules());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kIoError);
}

}  // namespace
}  // namespace rdptriage
