// Worlds end to end: every bundled world diagnoses to its expect, sessions
// are charged once, two-fault worlds and the logon gate, invalid worlds fail
// with their JSON path, and random single-fault worlds are named.
#include "rdptriage/world.h"

#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "rdptriage/triage.h"
#include "support/bundled_triage.h"
#include "world/random_worlds.h"

namespace rdptriage {
namespace {

const std::string kSource = RDPTRIAGE_TEST_SOURCE_DIR;

const Triage& triage() { return testing::bundled_triage(); }

Report diagnose(const World& w) { return testing::diagnose_world(w); }

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

// One Run Command script, one serial console session, one instance-view
// read: the first member charged pays the session, every later one only its
// own (marginal) cost, which is less than the session's.
TEST_CASE("no bundled world charges a session member more than its marginal cost after the first") {
  const RuleSet& rules = triage().rules();
  auto session = [&](const std::string& id) -> const SessionInfo& {
    for (const SessionInfo& s : rules.sessions())
      if (s.id == id) return s;
    FAIL("no session " << id);
    throw;  // unreachable
  };
  int later_members = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/examples/worlds")) {
    if (entry.path().extension() != ".json") continue;
    auto w = World::load_file(entry.path());
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    INFO(entry.path().filename().string() << "\n" << trail(r));
    std::set<std::string> opened;
    double total = 0;
    for (const Evidence& e : r.evidence) {
      total += e.cost_s;
      if (e.session.empty() || e.cost_s == 0) continue;
      const ProbeInfo* probe = rules.find_probe(e.probe);
      REQUIRE(probe != nullptr);
      const SessionInfo& s = session(e.session);
      INFO(e.probe << " in " << e.session << " charged " << e.cost_s);
      CHECK(probe->cost_s < s.cost_s);
      if (opened.insert(e.session).second) {
        CHECK(e.cost_s == Approx(s.cost_s + probe->cost_s));
      } else {
        ++later_members;
        CHECK(e.cost_s == Approx(probe->cost_s));
      }
    }
    CHECK(r.cost_s == Approx(total));
  }
  CHECK(later_members > 50);  // the check saw sessions reused, not only opened
}

// Two faults: the earlier on the path is named; the other is listed when the
// evidence confirmed it, never dropped. The diagnosis stops at the first
// (the issue's stopping rule), so a second fault behind another channel (a
// Run Command read after an NSG deny, anything behind a deallocated VM) is
// not looked for.
TEST_CASE("two-fault worlds name the earlier fault and list the other when it was seen") {
  const std::map<std::string, std::pair<std::string, std::string>> worlds = {
      {"two_faults.credssp_and_expired.json", {"auth.credssp_mismatch", "auth.password_expired"}},
      {"two_faults.deallocated_and_nsg.json",
       {"boundary.vm_not_running", "network.nsg_denies_rdp"}},
      {"two_faults.disk_full_and_starved.json", {"guest.disk_full", "guest.resource_exhaustion"}},
      {"two_faults.nsg_and_termservice.json",
       {"network.nsg_denies_rdp", "service.termservice_down"}}};
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/examples/worlds"))
    files += entry.path().filename().string().rfind("two_faults.", 0) == 0;
  CHECK(files == static_cast<int>(worlds.size()));  // a new two-fault world needs its line here
  for (const auto& [file, faults] : worlds) {
    auto w = World::load_file(kSource + "/examples/worlds/" + file);
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    INFO(file << "\n" << trail(r));
    CHECK(r.cause == faults.first);
    bool seen = false;
    for (const Evidence& e : r.evidence)
      seen |= std::find(e.confirmed.begin(), e.confirmed.end(), faults.second) != e.confirmed.end();
    bool listed = false;
    for (const Candidate& c : r.also_confirmed) {
      CHECK(c.confirmed);
      CHECK_FALSE(c.fix.steps.empty());
      listed |= c.cause == faults.second;
    }
    CHECK(listed == seen);
    if (file == "two_faults.disk_full_and_starved.json") {
      // The memory metrics (5 s) come before the disk (a Run Command read):
      // both are confirmed, the disk is earlier on the path.
      CHECK(listed);
      REQUIRE(r.also_confirmed.size() == 1);
      CHECK(r.also_confirmed.front().cause == "guest.resource_exhaustion");
      // Its fix reads the runaway process too: Stop-Process gets the id,
      // and nothing a probe could give is left missing (a new VM size is
      // the user's choice).
      const RenderedFix& fix = r.also_confirmed.front().fix;
      std::string missing_from_probes;
      for (const MissingValue& m : fix.missing)
        if (!m.probe.empty()) missing_from_probes += " " + m.name + " (" + m.probe + ")";
      CHECK(missing_from_probes.empty());
      bool stops_pid = false;
      for (const FixStep& step : fix.steps)
        stops_pid |= step.command.find("Stop-Process -Id ") != std::string::npos &&
                     step.command.find("Stop-Process -Id $(throw") == std::string::npos;
      CHECK(stops_pid);
    }
  }
}

// The logon gate as the world's Security log shows it: a session-stage
// failure after this account's logon clears every logon cause; a logon that
// fails leaves a 4625 and clears nothing; a failure before the logon leaves
// no event for the account.
TEST_CASE("the account's own successful logon clears the logon stage, nothing else") {
  auto with_symptom_unknown = [](const World& w) {
    EvaluateRequest req;
    req.symptom = "unknown";
    req.context = w.context();
    req.adapters.push_back(w.adapter());
    StatusOr<Report> r = triage().evaluate(req);
    REQUIRE(r.ok());
    return std::move(r).value();
  };
  auto last_logon = [](const World& w) {
    ProbeRequest req;
    req.probe_id = "guest.rdp_account_last_logon";
    ProbeResult r = w.adapter()->run(req);
    return r.has_value() ? to_string(r.value) : r.reason;
  };
  auto load = [](const std::string& name) {
    auto w = World::load_file(kSource + "/examples/worlds/" + name);
    REQUIRE(w.ok());
    return std::move(w).value();
  };
  // Signed in, then the shell found no disk space.
  World disk = load("guest.disk_full.json");
  CHECK(last_logon(disk) == "signed_in");
  Report r = with_symptom_unknown(disk);
  INFO(trail(r));
  CHECK(r.cause == "guest.disk_full");
  bool gate = false;
  std::set<std::string> ruled_out;
  for (const Evidence& e : r.evidence) {
    if (std::find(e.gates.begin(), e.gates.end(), "account_signed_in") != e.gates.end()) {
      gate = true;
      ruled_out.insert(e.ruled_out.begin(), e.ruled_out.end());
    }
  }
  CHECK(gate);
  for (const char* logon : {"auth.wrong_password", "auth.password_expired", "auth.no_rdp_rights"})
    CHECK(ruled_out.count(logon) == 1);
  for (const std::string& c : ruled_out)
    CHECK(triage().rules().find_cause(c)->stage == Stage::kLogon);

  // The account's logon fails: the latest event is a failure.
  World wrong = load("auth.wrong_password.json");
  CHECK(last_logon(wrong) == "failed");
  Report w = with_symptom_unknown(wrong);
  INFO(trail(w));
  CHECK(w.cause == "auth.wrong_password");
  for (const Evidence& e : w.evidence)
    CHECK(e.gates != std::vector<std::string>{"account_signed_in"});
  // NLA lets an unlicensed host's client in before it is turned away.
  CHECK(last_logon(load("service.license_expired.json")) == "authenticated");
  // CredSSP fails before any logon: no event names the account.
  CHECK(last_logon(load("auth.credssp_mismatch.json")) == "none");
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
      {R"({"vm": {"load_balancer_nat": {"frontend_port": 50001}}})",
       "vm.load_balancer_nat: missing required field \"frontend_ip\""},
      {R"({"vm": {"load_balancer_nat": {"frontend_ip": "52.1.1.1", "backend_port": 0}}})",
       "vm.load_balancer_nat.backend_port: expected integer 1..65535"},
      {R"({"client": {"credssp_encryption_oracle": "open"}})",
       "client.credssp_encryption_oracle: expected one of "
       "force_updated_clients|mitigated|vulnerable"},
      {R"({"vm": {"guest": {"rdp": {"deny_connections_policy": "yes"}}}})",
       "vm.guest.rdp.deny_connections_policy: expected true, false or null"},
      {R"({"vm": {"route": {"next_hop_ip": "10.0.100"}}})",
       "vm.route.next_hop_ip: expected an IPv4 address"},
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

// Audit of issue 14: the drill prints a world's title; a terminal control in
// any text of a world is refused at load, naming the file and JSON path.
TEST_CASE("worlds with terminal controls in their text are refused") {
  for (const char* title :
       {"\\u001b]0;owned\\u0007", "x\\r\\nCONFIRMED", "csi\\u009b", "rlo\\u202e"}) {
    INFO(title);
    auto w = World::load_string(std::string(R"({"schema": "rdptriage.world/1",
  "title": ")") + title + R"(", "vm": {"name": "web01"}})",
                                "evil.json");
    REQUIRE_FALSE(w.ok());
    CHECK(w.status().code() == ErrorCode::kValidationError);
    REQUIRE(w.status().diagnostics().size() == 1);
    const Diagnostic& d = w.status().diagnostics()[0];
    CHECK(d.file == "evil.json");
    CHECK(d.path == "title");
    CHECK(d.line == 2);
    CHECK(d.message.find("U+") != std::string::npos);
  }
  auto name = World::load_string(R"({"vm": {"name": "web\u001b[2J01"}})", "vm.json");
  REQUIRE_FALSE(name.ok());
  CHECK(name.status().diagnostics()[0].path == "vm.name");
}

TEST_CASE("the world's answers carry the named fields a fix needs") {
  auto w = World::load_string(R"({"vm": {"name": "web01", "resource_group": "prod-rg",
      "nic": {"name": "web01-nic", "ip_config": "ipconfig1"},
      "public_ip": {"address": "52.160.10.20", "name": "web01-ip"},
      "nsg": {"nic_name": "web01-nsg", "resource_group": "net-rg", "nic": [
        {"name": "Allow-Office", "priority": 300, "access": "Allow", "protocol": "Tcp",
         "sourceAddressPrefix": "203.0.113.0/24", "destinationPortRange": "3389"},
        {"name": "Deny-Internet", "priority": 200, "access": "Deny", "protocol": "*",
         "sourceAddressPrefix": "Internet", "destinationPortRange": "*"},
        {"name": "Out", "priority": 200, "direction": "Outbound", "access": "Allow"}]},
      "route": {"next_hop": "VirtualAppliance", "next_hop_ip": "10.1.0.4", "table": "hub-routes"}},
      "client": {"user": "CONTOSO\\alice"}})",
                              "fields.json");
  REQUIRE(w.ok());
  auto adapter = w->adapter();
  auto ask = [&](const char* id) {
    ProbeRequest req;
    req.probe_id = id;
    return adapter->run(req);
  };
  ProbeResult flow = ask("netwatch.ip_flow_inbound");
  REQUIRE(flow.has_value());
  CHECK(to_string(flow.value) == "deny");
  CHECK(flow.fields.at("rule") == "Deny-Internet");
  CHECK(flow.fields.at("priority") == "200");
  CHECK(flow.fields.at("nsg") == "web01-nsg");
  CHECK(flow.fields.at("nsg_scope") == "nic");
  CHECK(flow.fields.at("nsg_resource_group") == "net-rg");
  CHECK(flow.fields.at("nsg_priorities_in_use") == "200,300");  // inbound only
  CHECK(flow.fields.at("nic") == "web01-nic");
  CHECK(flow.fields.at("port") == "3389");
  ProbeResult hop = ask("netwatch.next_hop");
  CHECK(hop.fields.at("next_hop_ip") == "10.1.0.4");
  CHECK(hop.fields.at("route_table") == "hub-routes");
  ProbeResult pip = ask("azure.public_ip_address");
  CHECK(pip.fields.at("public_ip_name") == "web01-ip");
  CHECK(pip.fields.at("ip_config") == "ipconfig1");
  CHECK(ask("client.user_authority").fields.at("user") == "alice");
  // Defaults follow az vm create's names.
  auto plain = World::load_string(R"({"vm": {"name": "app"}})", "plain.json");
  REQUIRE(plain.ok());
  ProbeRequest req;
  req.probe_id = "azure.public_ip_present";
  ProbeResult present = plain->adapter()->run(req);
  CHECK(present.fields.at("nic") == "appVMNic");
  CHECK(present.fields.at("ip_config") == "ipconfigapp");
  CHECK(present.fields.at("public_ip_name") == "appPublicIP");
}

TEST_CASE("behind a load balancer NAT rule the client dials the frontend port by design") {
  auto w = World::load_string(R"({"vm": {"public_ip": null, "load_balancer_nat": {
      "frontend_ip": "52.160.10.30", "frontend_port": 50001, "backend_port": 3389}}})",
                              "lb.json");
  REQUIRE(w.ok());
  CHECK(w->symptom() == "ok");
  ProbeRequest req;
  req.probe_id = "azure.lb_nat_frontend";
  ProbeResult r = w->adapter()->run(req);
  CHECK(to_string(r.value) == "true");
  CHECK(r.fields.at("backend_port") == "3389");
  auto moved = World::load_string(R"({"vm": {"public_ip": null, "load_balancer_nat": {
      "frontend_ip": "52.160.10.30", "frontend_port": 50001, "backend_port": 3389},
      "guest": {"rdp": {"port": 3390}}}})",
                                  "lb.json");
  REQUIRE(moved.ok());
  CHECK(moved->symptom() == "timeout");
  Report rep = diagnose(*moved);
  INFO(trail(rep));
  CHECK(rep.cause == "service.port_mismatch");
  // The fix sets the listener back to the backend port, not the dialed one.
  bool backend = false;
  for (const FixStep& s : rep.fix) backend |= s.script.find("-Value 3389;") != std::string::npos;
  CHECK(backend);
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
