// Worlds end to end: every bundled world diagnoses to its expect, invalid
// worlds fail with their JSON path, and random single-fault worlds are named.
#include "rdptriage/world.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <set>

#include "rdptriage/triage.h"
#include "world/random_worlds.h"

namespace rdptriage {
namespace {

const std::string kSource = RDPTRIAGE_TEST_SOURCE_DIR;

const Triage& triage() {
  static const Triage t = [] {
    TriageOptions o;
    o.rules.bundled_dir = kSource + "/rules";
    auto loaded = Triage::create(o);
    if (!loaded.ok()) FAIL(loaded.status().to_string());
    return std::move(loaded).value();
  }();
  return t;
}

Report diagnose(const World& w) {
  EvaluateRequest req;
  req.symptom = w.symptom();
  req.context = w.context();
  req.adapters.push_back(w.adapter());
  auto r = triage().evaluate(req);
  if (!r.ok()) FAIL(r.status().to_string());
  return std::move(r).value();
}

std::string trail(const Report& r) {
  std::string out =
      std::string(verdict_name(r.status)) + " " + r.cause + " (symptom " + r.symptom + ")\n";
  for (const Evidence& e : r.evidence)
    out += "  " + e.probe + " = " +
           (e.result.has_value() ? to_string(e.result.value) : e.result.reason) + "\n";
  return out;
}

TEST_CASE("every bundled world diagnoses to its expect") {
  int count = 0;
  std::set<std::string> causes;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/examples/worlds")) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    auto w = World::load_file(entry.path());
    INFO(entry.path().filename().string());
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    INFO(trail(r));
    if (!w->expect_cause().empty()) {
      CHECK(r.status == Verdict::kConfirmed);
      CHECK(r.cause == w->expect_cause());
      causes.insert(w->expect_cause());
    }
    if (!w->expect_status().empty()) CHECK(verdict_name(r.status) == w->expect_status());
    if (!w->expect_layer().empty()) {
      REQUIRE(r.layer.has_value());
      CHECK(layer_name(*r.layer) == w->expect_layer());
    }
    if (r.status == Verdict::kHealthy) CHECK(r.cause.empty());
  }
  CHECK(count >= 50);
  CHECK(causes.size() == triage().rules().causes().size());  // one world per catalog cause
}

TEST_CASE("a healthy world is healthy and invents nothing") {
  auto w = World::load_string(R"({"schema": "rdptriage.world/1"})", "healthy.json");
  REQUIRE(w.ok());
  CHECK(w->symptom() == "ok");
  Report r = diagnose(*w);
  CHECK(r.status == Verdict::kHealthy);
  CHECK(r.evidence.empty());
  CHECK(r.fix.empty());
}

TEST_CASE("invalid worlds name the JSON path") {
  using Case = std::pair<std::string, std::string>;
  const std::vector<Case> cases = {
      {R"({"vm": {"guest": {"rdp": {"port": "abc"}}}})",
       "vm.guest.rdp.port: expected integer 1..65535, got \"abc\""},
      {R"({"vm": {"guest": {"rdp": {"port": 70000}}}})",
       "vm.guest.rdp.port: expected integer 1..65535"},
      {R"({"vm": {"colour": "blue"}})", "vm.colour: unknown field"},
      {R"({"vm": {"vnet_prefixes": ["10.0.0.0/40"]}})",
       "vm.vnet_prefixes[0]: expected a CIDR prefix"},
      {R"({"vm": {"power_state": "sleeping"}})",
       "vm.power_state: expected one of running|stopped|deallocated"},
      {R"({"client": {"source_ip": "1.2.3"}})", "client.source_ip: expected an IPv4 address"},
      {R"({"vm": {"nsg": {"nic": [{"name": "a", "priority": 300, "sourceAddressPrefix": "10.0.0.0/99"}]}}})",
       "vm.nsg.nic[0].sourceAddressPrefix: expected a CIDR prefix"},
      {R"({"vm": {"nsg": {"nic": [{"name": "a", "priority": 300, "destinationPortRange": "4000-3000"}]}}})",
       "vm.nsg.nic[0].destinationPortRange: expected a port"},
      {R"({"vm": {"nsg": {"nic": [{"name": "a", "priority": 300, "direction": "Inbound"},
                                  {"name": "b", "priority": 300, "direction": "Inbound"}]}}})",
       "vm.nsg.nic[1].priority: [b] two rules with priority 300 and direction Inbound"},
      {R"({"schema": "rdptriage.world/2"})", "schema: expected one of rdptriage.world/1"},
      {R"({"vm": {"guest": {"local_accounts": [{"rdp_rights": "yes"}]}}})",
       "vm.guest.local_accounts[0]: missing required field \"name\""},
  };
  for (const auto& [json, fragment] : cases) {
    INFO(json);
    auto w = World::load_string(json, "bad.json");
    REQUIRE_FALSE(w.ok());
    CHECK(w.status().code() == ErrorCode::kValidationError);
    bool found = false;
    for (const Diagnostic& d : w.status().diagnostics()) {
      found |= d.to_string().find(fragment) != std::string::npos;
      CHECK(d.file == "bad.json");
      CHECK(d.line >= 1);
    }
    INFO(w.status().to_string());
    CHECK(found);
  }
  auto deep = World::load_string(R"({"vm": {"guest": {"rdp": {"port": 1}}}})", "deep.json",
                                 WorldOptions{1 << 20, 2});
  CHECK(deep.status().code() == ErrorCode::kLimitExceeded);
}

// Injects one fault into an otherwise healthy world with random harmless noise.
TEST_CASE("random single-fault worlds are diagnosed to the injected cause") {
  std::mt19937 rng(20261123);
  for (int i = 0; i < 200; ++i) {
    const testing::RandomFault* f = nullptr;
    const std::string json = testing::random_single_fault_world(rng, &f);
    INFO("step " << i << ": " << json);
    auto w = World::load_string(json, "random.json");
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    INFO(trail(r));
    CHECK(r.status == Verdict::kConfirmed);
    CHECK(r.cause == f->cause);
  }
}

}  // namespace
}  // namespace rdptriage
