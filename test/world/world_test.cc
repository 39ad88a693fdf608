// Worlds end to end: every bundled world diagnoses to its expect, invalid
// worlds fail with their JSON path, and random single-fault worlds are named.
#include "rdptriage/world.h"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <set>

#include "rdptriage/triage.h"

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
      // Found by fuzz/world_fuzzer.cc: these loaded, then every diagnosis of
      // the world was refused for its context.
      {R"({"vm": {"resource_group": "pr;;od-rg"}})",
       "vm.resource_group: \"pr;;od-rg\" is not a valid resource group name"},
      {R"({"vm": {"name": "web01 --debug"}})", "vm.name: \"web01 --debug\" is not"},
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

void deep_merge(boost::json::value& into, const boost::json::value& from) {
  if (!into.is_object() || !from.is_object()) {
    into = from;
    return;
  }
  for (const auto& [k, v] : from.get_object()) {
    auto* existing = into.get_object().if_contains(k);
    if (existing && existing->is_object() && v.is_object())
      deep_merge(*existing, v);
    else
      into.get_object()[k] = v;
  }
}

// Injects one fault into an otherwise healthy world with random harmless noise.
TEST_CASE("random single-fault worlds are diagnosed to the injected cause") {
  struct Fault {
    const char* cause;
    const char* json;  // merged into "vm.guest" / "vm" / "client" below
  };
  const std::vector<Fault> faults = {
      {"network.nsg_denies_rdp", R"("vm": {"nsg": {"nic": []}})"},
      {"network.jit_closed", R"("vm": {"jit": {"enabled": true}})"},
      {"network.public_ip_changed", R"("client": {"dial": {"host": "52.160.9.9"}})"},
      {"network.appliance_drops",
       R"("vm": {"route": {"next_hop": "VirtualAppliance", "appliance_allows_rdp": false}})"},
      {"boundary.vm_not_running", R"("vm": {"power_state": "stopped"})"},
      {"boundary.platform_issue", R"("vm": {"platform_health": "degraded"})"},
      {"service.termservice_down", R"("vm": {"guest": {"termservice": "disabled"}})"},
      {"service.guest_firewall_blocks",
       R"("vm": {"guest": {"firewall": {"outbound_blocks_rdp": true}}})"},
      {"service.rdp_disabled", R"("vm": {"guest": {"rdp": {"deny_connections": true}}})"},
      {"service.port_mismatch", R"("vm": {"guest": {"rdp": {"port": 3390}}})"},
      {"service.listener_certificate", R"("vm": {"guest": {"rdp": {"certificate": "corrupt"}}})"},
      {"auth.credssp_mismatch", R"("client": {"credssp_patched": false})"},
      {"auth.min_encryption_level", R"("client": {"max_encryption_level": 1})"},
      {"auth.wrong_password", R"("client": {"password": "wrong"})"},
      {"auth.authority_misspelled", R"("client": {"user": "MYVMM\\azureadmin"})"},
      {"guest.disk_full", R"("vm": {"guest": {"disk": {"c_free_mb": 10}}})"},
      {"guest.resource_exhaustion", R"("vm": {"metrics": {"available_memory_mb": 100}})"},
      {"guest.disk_saturated", R"("vm": {"metrics": {"os_disk_busy_pct": 97}})"},
      {"guest.update_in_progress", R"("vm": {"guest": {"shell": "update_in_progress"}})"},
      {"guest.logoff_policy", R"("vm": {"guest": {"session": {"logoff_policy": true}}})"},
  };
  std::mt19937 rng(20261123);
  for (int i = 0; i < 200; ++i) {
    const Fault& f = faults[rng() % faults.size()];
    const int cpu = 20 + static_cast<int>(rng() % 61);
    const int memory = 1024 + static_cast<int>(rng() % 7168);
    const bool hardened_tls = rng() % 2 == 0;
    const bool extra_rule = rng() % 2 == 0;
    const bool second_account = rng() % 2 == 0;
    // Noise that must not change the answer.
    std::string noise_vm = "\"metrics\": {\"cpu_pct\": " + std::to_string(cpu) +
                           ", \"available_memory_mb\": " + std::to_string(memory) + "}";
    std::string noise_guest;
    if (hardened_tls)
      noise_guest += R"("schannel": {"tls1_0_server": false, "tls1_1_server": false})";
    if (second_account)
      noise_guest += std::string(noise_guest.empty() ? "" : ", ") +
                     R"("local_accounts": [{"name": "azureadmin"}, {"name": "ops"}])";
    std::string nsg = extra_rule ? R"(, "nsg": {"nic": [
        {"name": "RDP", "priority": 300, "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationPortRange": "3389"},
        {"name": "WinRM", "priority": 310, "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationPortRanges": ["5985", "5986"]},
        {"name": "DenySsh", "priority": 320, "access": "Deny", "protocol": "*", "sourceAddressPrefix": "Internet", "destinationPortRange": "22"}]})"
                                 : "";
    std::string base = "{\"vm\": {" + noise_vm + nsg + ", \"guest\": {" + noise_guest + "}}}";
    boost::json::value doc = boost::json::parse(base);
    deep_merge(doc, boost::json::parse("{" + std::string(f.json) + "}"));
    const std::string json = boost::json::serialize(doc);
    INFO("step " << i << ": " << json);
    auto w = World::load_string(json, "random.json");
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    INFO(trail(r));
    CHECK(r.status == Verdict::kConfirmed);
    CHECK(r.cause == f.cause);
  }
}

}  // namespace
}  // namespace rdptriage
