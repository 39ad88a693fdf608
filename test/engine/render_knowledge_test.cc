// The corrected knowledge of issue #10, end to end on the bundled rules with
// the observations an operator would collect (test/data/catalog_cases.json's
// healthy baseline plus each case's answers): what confirms a cause now,
// and which steps its fix renders for this account and this VM.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "rdptriage/observations.h"
#include "rdptriage/triage.h"
#include "support/bundled_triage.h"

namespace rdptriage {
namespace {

const std::string kSource = RDPTRIAGE_TEST_SOURCE_DIR;

const Triage& bundled() { return testing::bundled_triage(); }

const boost::json::object& baseline() {
  static const boost::json::value doc = [] {
    std::ifstream in(kSource + "/test/data/catalog_cases.json");
    std::stringstream s;
    s << in.rdbuf();
    return boost::json::parse(s.str());
  }();
  return doc.at("baseline").get_object();
}

Report diagnose(const std::string& symptom, const boost::json::object& overrides) {
  boost::json::object results = baseline();
  for (const auto& [k, v] : overrides) results[k] = v;
  boost::json::object file;
  file["symptom"] = symptom;
  file["context"] = {{"resource_group", "prod-rg"}, {"vm", "web01"}, {"client_ip", "203.0.113.10"}};
  file["results"] = results;
  auto obs =
      Observations::load_string(boost::json::serialize(file), "case.json", bundled().rules());
  if (!obs.ok()) FAIL(obs.status().to_string());
  auto r = bundled().evaluate(obs->to_request());
  if (!r.ok()) FAIL(r.status().to_string());
  return std::move(r).value();
}

bool ruled_out(const Report& r, const std::string& cause) {
  for (const Evidence& e : r.evidence)
    for (const std::string& id : e.ruled_out)
      if (id == cause) return true;
  return false;
}

std::string commands(const Report& r) {
  std::string out;
  for (const FixStep& s : r.fix) out += (s.script.empty() ? s.command : s.script) + "\n";
  return out;
}

TEST_CASE("behind a load balancer NAT rule the dialed port differing is not a port mismatch") {
  const boost::json::object behind_lb = {{"client.tcp_connect", "timeout"},
                                         {"client.dial_port", 50001},
                                         {"client.dialed_address", "52.160.10.30"},
                                         {"azure.lb_nat_frontend", true},
                                         {"azure.lb_nat_backend_port", 3389}};
  Report r = diagnose("timeout", behind_lb);
  CHECK(r.cause != "service.port_mismatch");
  CHECK(ruled_out(r, "service.port_mismatch"));
  // The dialed load balancer address is not a stale VM address either.
  CHECK(ruled_out(r, "network.public_ip_changed"));
  boost::json::object moved = behind_lb;
  moved["guest.rdp_port"] = 3390;
  Report m = diagnose("timeout", moved);
  CHECK(m.cause == "service.port_mismatch");
  CHECK_THAT(commands(m), Catch::Contains("-Name PortNumber -Value 3389;"));
}

TEST_CASE("CredSSP: the Encryption Oracle Remediation policies decide, not the patch gap alone") {
  // Unpatched client, patched VM, the default Mitigated policy: allowed.
  Report allowed = diagnose("credssp_error", {{"client.credssp_patched", false}});
  CHECK(ruled_out(allowed, "auth.credssp_mismatch"));
  Report forced =
      diagnose("credssp_error", {{"client.credssp_patched", false},
                                 {"guest.credssp_encryption_oracle", "force_updated_clients"}});
  CHECK(forced.cause == "auth.credssp_mismatch");
  // Patched client, unpatched VM: blocked unless the client is Vulnerable.
  Report blocked = diagnose("credssp_error", {{"guest.credssp_patched", false}});
  CHECK(blocked.cause == "auth.credssp_mismatch");
  CHECK_THAT(commands(blocked), Catch::Contains("az vm install-patches"));
  CHECK_THAT(commands(blocked), Catch::Contains("--reboot-setting IfRequired"));
  CHECK_THAT(commands(blocked), !Catch::Contains("AutoReboot"));
  CHECK_THAT(commands(blocked), !Catch::Contains("Install-Module"));
  Report vulnerable = diagnose(
      "credssp_error",
      {{"guest.credssp_patched", false}, {"client.credssp_encryption_oracle", "vulnerable"}});
  CHECK(ruled_out(vulnerable, "auth.credssp_mismatch"));
  // The patch step is for the VM only when the VM lacks the update.
  CHECK_THAT(commands(forced), !Catch::Contains("az vm install-patches"));
}

TEST_CASE("RDP disabled: the policy value overrides the local one") {
  Report policy =
      diagnose("timeout", {{"client.tcp_connect", "timeout"}, {"guest.rdp_deny_policy", "deny"}});
  CHECK(policy.cause == "service.rdp_disabled");
  CHECK_THAT(
      commands(policy),
      Catch::Contains("HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services"));
  Report allowed_by_policy = diagnose("timeout", {{"client.tcp_connect", "timeout"},
                                                  {"guest.rdp_deny_connections", true},
                                                  {"guest.rdp_deny_policy", "allow"}});
  CHECK(ruled_out(allowed_by_policy, "service.rdp_disabled"));
  Report local = diagnose(
      "timeout", {{"client.tcp_connect", "timeout"}, {"guest.rdp_deny_connections", true}});
  CHECK(local.cause == "service.rdp_disabled");
  // No policy set: the policy steps are left out.
  CHECK_THAT(commands(local), !Catch::Contains("Policies"));
}

TEST_CASE("account fixes follow the kind of account, and VMAccess never touches a DC") {
  const boost::json::object wrong = {{"guest.last_logon_failure_status", "0xC000006A"}};
  Report local = diagnose("credentials_rejected", wrong);
  REQUIRE(local.cause == "auth.wrong_password");
  CHECK_THAT(commands(local), Catch::Contains("az vm user update"));
  CHECK_THAT(commands(local), !Catch::Contains("Set-ADAccountPassword"));
  boost::json::object domain = wrong;
  domain["client.user_authority"] = "CONTOSO";
  Report d = diagnose("credentials_rejected", domain);
  REQUIRE(d.cause == "auth.wrong_password");
  CHECK_THAT(commands(d), !Catch::Contains("az vm user update"));
  CHECK_THAT(commands(d), Catch::Contains("Set-ADAccountPassword -Identity"));
  boost::json::object dc = wrong;
  dc["guest.is_domain_controller"] = true;
  dc["client.user_authority"] = "CONTOSO";
  Report on_dc = diagnose("credentials_rejected", dc);
  CHECK_THAT(commands(on_dc), !Catch::Contains("az vm user update"));
  // A locked local account is unlocked, not "activated".
  Report locked = diagnose(
      "credentials_rejected",
      {{"guest.account_state", "locked_out"}, {"guest.last_logon_failure_status", "0xC0000234"}});
  REQUIRE(locked.cause == "auth.account_locked");
  CHECK_THAT(commands(locked), Catch::Contains("IsAccountLocked = $false"));
  CHECK_THAT(commands(locked), !Catch::Contains("/active:yes"));
}

TEST_CASE(
    "MinEncryptionLevel is set to the client's own level, and the secure channel is "
    "repaired without a password on the command line") {
  Report mel = diagnose("security_error",
                        {{"guest.min_encryption_level", 4}, {"client.max_encryption_level", 3}});
  REQUIRE(mel.cause == "auth.min_encryption_level");
  CHECK_THAT(commands(mel), Catch::Contains("/v MinEncryptionLevel /t REG_DWORD /d 3 /f"));
  Report sc = diagnose("nla_dc_unreachable", {{"client.user_authority", "CONTOSO"},
                                              {"guest.domain_netbios_name", "CONTOSO"},
                                              {"guest.domain_dns_name", "contoso.com"},
                                              {"guest.domain_controller_status", "healthy"},
                                              {"guest.secure_channel", "broken"}});
  REQUIRE(sc.cause == "auth.secure_channel_broken");
  const std::string c = commands(sc);
  CHECK_THAT(c, Catch::Contains("/passwordD:*"));
  CHECK_THAT(c, Catch::Contains("netdom join"));
  CHECK_THAT(c, Catch::Contains("-Credential (Get-Credential)"));
  CHECK_THAT(c, !Catch::Contains("PasswordHere"));
  // The probes the fix reads were asked once the cause was confirmed: the
  // domain's DNS name and the computer name come from the VM.
  CHECK_THAT(c, Catch::Contains("netdom join MYVM /domain:contoso.com "));
  // The domain typed, when nothing better was read.
  Evidence typed;
  typed.probe = "client.user_authority";
  typed.result = ProbeResult::value_of(std::string("CONTOSO"));
  auto fallback = bundled().render_fix("auth.secure_channel_broken",
                                       {{"resource_group", "prod-rg"}, {"vm", "web01"}}, {typed});
  REQUIRE(fallback.ok());
  std::string joined;
  for (const FixStep& s : fallback->steps) joined += s.command + "\n";
  CHECK_THAT(joined, Catch::Contains("/domain:CONTOSO "));
}

TEST_CASE("licensing is read with GetGracePeriodDays and the role removal warns of the restart") {
  const ProbeInfo* p = bundled().rules().find_probe("guest.rdsh_licensing_state");
  REQUIRE(p != nullptr);
  CHECK_THAT(p->script, Catch::Contains("GetGracePeriodDays"));
  Report r = diagnose("license_error", {{"guest.rdsh_licensing_state", "grace_expired"}});
  REQUIRE(r.cause == "service.license_expired");
  bool warned = false;
  for (const std::string& w : r.warnings) warned |= w.rfind("Step 2 restarts the VM", 0) == 0;
  CHECK(warned);
}

}  // namespace
}  // namespace rdptriage
