// Every bundled world, diagnosed through the Azure adapter and the fake ARM,
// reaches the same verdict as through the world adapter alone. The world's
// own adapter stands in only for what ARM cannot observe (the client's
// side, questions to the person, the serial console, ...: listed below,
// each with why); every probe the Azure adapter maps is answered by Azure
// itself, with the world's value and fields.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "fake_arm_fixture.h"
#include "rdptriage/world.h"
#include "support/bundled_triage.h"

namespace rdptriage::testing {
namespace {

// Probes ARM cannot observe, which the world answers in this test. A key
// ending in "*" covers a prefix.
const std::map<std::string, std::string>& not_through_arm() {
  static const std::map<std::string, std::string> kList = {
      {"client.*", "the client's own machine: the live probes or the person answer"},
      {"user.*", "questions to the person"},
      {"serial.*", "the serial console is an interactive session, not an ARM REST call"},
      {"bootdiag.screenshot",
       "ARM hands over the picture (the adapter reads its URI); classifying it needs a person"},
      {"azure.lb_nat_frontend",
       "whether the client dials the load balancer's frontend is the client's side"},
      {"azure.lb_nat_backend_port",
       "asked only when the client dials a load balancer frontend (the client's side)"},
      {"azure.classic_endpoint_private_port",
       "classic endpoints live in the Service Management API, not ARM"},
      {"azure.classic_endpoint_acl_permits",
       "classic endpoints live in the Service Management API, not ARM"},
      {"azure.appliance_allows_rdp", "a network appliance's own rules, not Azure's"},
      {"azure.signin_blocked_by_conditional_access",
       "Entra ID sign-in logs are Microsoft Graph, not ARM"},
      {"azure.entra_per_user_mfa", "per-user MFA is Microsoft Graph, not ARM"},
      {"netwatch.return_path_symmetric",
       "Network Watcher gives no single answer for the return path of a flow"},
      {"guest.security_software_blocks_rdp",
       "third-party security software has no common interface the script could ask"},
      {"guest.logoff_policy_active",
       "which policy logs a session off is not one value the script can read"},
  };
  return kList;
}

// A classic (cloud service) VM: the adapter recognises it and leaves its
// azure.* probes to others, since Microsoft.Compute does not describe it,
// and its guest.* probes, since Run Command is an action of Microsoft.Compute
// VMs only (the test checks the adapter says so).
constexpr const char* kClassicNote =
    "a classic VM's azure.* and guest.* probes: its details live in the Service Management API, "
    "not in the Microsoft.Compute resources the adapter reads, and Run Command runs only on "
    "Microsoft.Compute VMs";

bool classic_leaves(const std::string& probe) {
  return (probe.rfind("azure.", 0) == 0 && probe != "azure.deployment_model") ||
         probe.rfind("guest.", 0) == 0;
}

bool listed(const std::string& probe, bool classic = false) {
  if (classic && classic_leaves(probe)) return true;
  for (const auto& [key, why] : not_through_arm()) {
    if (key.back() == '*' ? probe.rfind(key.substr(0, key.size() - 1), 0) == 0 : probe == key)
      return true;
  }
  return false;
}

// The keys the Run Command script reports (its Fact blocks).
std::set<std::string> script_facts() {
  std::ifstream in(source_dir() / "rules" / "run_command" / "guest_facts.ps1");
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  std::set<std::string> keys;
  std::regex fact("^Fact '([a-z0-9_]+)'", std::regex::ECMAScript | std::regex::multiline);
  for (std::sregex_iterator it(s.begin(), s.end(), fact), end; it != end; ++it)
    keys.insert((*it)[1]);
  return keys;
}

// The world's adapter, answering only the listed probes.
class OnlyWhatArmCannotSee : public ProbeAdapter {
 public:
  OnlyWhatArmCannotSee(std::shared_ptr<ProbeAdapter> world, bool classic)
      : world_(std::move(world)), classic_(classic) {}
  ProbeResult run(const ProbeRequest& request) override {
    if (!listed(request.probe_id, classic_))
      return ProbeResult::unavailable("observable through ARM: the Azure adapter answers it");
    return world_->run(request);
  }
  std::string name() const override { return "world"; }
  bool may_block() const override { return false; }

 private:
  std::shared_ptr<ProbeAdapter> world_;
  bool classic_;
};

Context azure_context(const World& world, std::size_t index, const boost::json::value& facts) {
  Context c = world.context();
  c["subscription"] = subscription_of(index);
  // The user as typed ("AUTHORITY\\name", ".\\name", "name@domain"): the
  // account name and, for a domain account, its domain.
  std::string typed(facts.at("username").as_string());
  std::string authority, name = typed;
  if (auto slash = typed.find('\\'); slash != std::string::npos) {
    authority = typed.substr(0, slash);
    name = typed.substr(slash + 1);
  } else if (auto at = typed.find('@'); at != std::string::npos) {
    authority = typed.substr(at + 1);
    name = typed.substr(0, at);
  }
  // Only names the fix commands accept go into the context.
  if (validate_context_value("username", name).ok()) {
    c["username"] = name;
    if (!authority.empty() && authority != ".") c["user_domain"] = authority;
  }
  // An Entra ID account is known by its object id (az ad user show).
  const auto& estate = facts.at("estate").as_object();
  if (const auto* oid = estate.if_contains("entra_object_id"))
    c["user_object_id"] = std::string(oid->as_string());
  c["connectivity_source"] = "jumpbox01";
  return c;
}

bool same_value(const ProbeValue& a, const ProbeValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) return std::abs(*x - std::get<double>(b)) < 1e-6;
  return a == b;
}

TEST_CASE("the probes left to the world are ones ARM cannot observe", "[azure]") {
  const auto& mapped = AzureAdapter::answered_probes();
  const std::set<std::string> facts = script_facts();
  for (const auto& [key, why] : not_through_arm()) {
    INFO(key << ": " << why);
    CHECK(!why.empty());
    if (key == "bootdiag.screenshot") continue;  // read by Azure, classified by a person
    CHECK(std::find(mapped.begin(), mapped.end(), key) == mapped.end());
    if (key.rfind("guest.", 0) == 0) CHECK(facts.count(key.substr(6)) == 0);
  }
}

TEST_CASE("every bundled world reaches the same verdict through the Azure adapter", "[azure]") {
  FakeArm fake;
  AzureOptions options = fake.options();
  auto azure = AzureAdapter::create(options);
  REQUIRE(azure.ok());
  const Triage& triage = bundled_triage();
  const auto& all = facts().at("worlds").as_array();
  REQUIRE(all.size() == world_files().size());
  int azure_answers = 0, with_fields = 0, guest_answers = 0, guest_fields = 0, classic_checked = 0;
  std::set<std::string> answered_by_azure;
  for (std::size_t i = 0; i < world_files().size(); ++i) {
    const auto& path = world_files()[i];
    INFO("world " << path.filename().string());
    auto world = World::load_file(path);
    REQUIRE(world.ok());
    EvaluateRequest plain;
    plain.symptom = world->symptom();
    plain.context = azure_context(*world, i, all[i]);
    plain.adapters = {world->adapter()};
    EvaluateRequest through_azure = plain;
    // Whether the VM is classic, as the world shows it (kClassicNote).
    const auto& model = all[i].at("answers").at("azure.deployment_model");
    const bool classic =
        model.at("kind").as_string() == "value" && model.at("value").as_string() == "classic";
    INFO((classic ? kClassicNote : ""));
    through_azure.adapters = {*azure,
                              std::make_shared<OnlyWhatArmCannotSee>(world->adapter(), classic)};
    through_azure.options.probe_deadline = std::chrono::seconds(20);
    auto expected = triage.evaluate(plain);
    auto got = triage.evaluate(through_azure);
    REQUIRE(expected.ok());
    REQUIRE(got.ok());
    std::string trail;
    for (const Evidence& e : got->evidence)
      trail += e.probe + "=" + (e.result.has_value() ? to_string(e.result.value) : "-") + " [" +
               e.adapter + "] " + e.result.reason + "\n";
    INFO(trail);
    CHECK(verdict_name(got->status) == verdict_name(expected->status));
    CHECK(got->cause == expected->cause);
    CHECK(got->layer == expected->layer);
    // Every probe not left to the world is Azure's answer, and it is what
    // the world shows through that probe: kind, value and fields.
    auto world_adapter = world->adapter();
    std::atomic<bool> cancelled{false};
    for (const Evidence& e : got->evidence) {
      ProbeRequest req;
      req.probe_id = e.probe;
      req.context = &through_azure.context;
      req.cancelled = &cancelled;
      if (classic && classic_leaves(e.probe) && !listed(e.probe)) {
        // Left to the world only because the VM is classic: the adapter
        // must say that, not fail or guess.
        ProbeResult a = (*azure)->run(req);
        INFO("probe " << e.probe << " through Azure: " << a.reason);
        CHECK(a.kind == ProbeResult::Kind::kUnavailable);
        CHECK_THAT(a.reason, Catch::Contains("classic"));
        ++classic_checked;
      }
      if (listed(e.probe, classic)) continue;
      ProbeResult w = world_adapter->run(req);
      INFO("probe " << e.probe << " [" << e.adapter << "]: " << e.result.reason
                    << "; the world says " << (w.has_value() ? to_string(w.value) : "-") << " "
                    << w.reason);
      CHECK(static_cast<int>(e.result.kind) == static_cast<int>(w.kind));
      if (e.result.kind != ProbeResult::Kind::kUnavailable) CHECK(e.adapter == "azure");
      if (e.adapter != "azure") continue;
      ++azure_answers;
      answered_by_azure.insert(e.probe);
      if (e.probe.rfind("guest.", 0) == 0) ++guest_answers;
      if (e.result.has_value() && w.has_value()) CHECK(same_value(e.result.value, w.value));
      if (e.result.has_value()) CHECK_THAT(e.result.reason, Catch::Contains("x-ms-request-id"));
      if (!e.result.has_value()) continue;
      for (const auto& [name, v] : w.fields) {
        // IP flow verify's "port" is where traffic arrives on the VM; behind
        // a load balancer NAT rule that is its backend port, which the
        // adapter does not read (it asks for the port the client dials).
        if (e.probe == "netwatch.ip_flow_inbound" && name == "port") continue;
        INFO("field " << name);
        auto it = e.result.fields.find(name);
        const bool present = it != e.result.fields.end();
        CHECK(present);
        if (present) CHECK(it->second == v);
        if (e.probe.rfind("guest.", 0) == 0) ++guest_fields;
        if (e.probe == "netwatch.ip_flow_inbound" && name == "rule") ++with_fields;
      }
    }
  }
  // The comparison is not empty: Azure answered most of what was asked,
  // guest facts and their fields included, and the probes it maps.
  CHECK(azure_answers > 250);
  CHECK(guest_answers > 20);
  CHECK(guest_fields > 3);
  CHECK(with_fields > 5);
  CHECK(classic_checked > 0);
  for (const char* p :
       {"guest.rdp_deny_policy", "guest.credssp_encryption_oracle", "azure.entra_vm_login_role",
        "netwatch.next_hop", "guest.domain_controller_status", "guest.active_sessions",
        "guest.rdp_account_last_logon"}) {
    INFO(p);
    CHECK(answered_by_azure.count(p) == 1);
  }
}

}  // namespace
}  // namespace rdptriage::testing
