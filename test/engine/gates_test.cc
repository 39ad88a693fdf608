// The bundled layer gates (rules/gates.json), one test each: which causes
// the gate clears, named one by one, and which it must not; then through
// the engine, that the evidence completing the gate rules out exactly those
// and leaves the others, and that the look-alike evidence a gate must not
// trust (another machine answering, another account signing in) completes
// nothing.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "rdptriage/triage.h"
#include "support/bundled_triage.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using testing::bundled_triage;
using testing::MapAdapter;
using testing::V;
using Answers = std::map<std::string, ProbeResult>;
using Ids = std::set<std::string>;

const GateInfo& gate(const std::string& id) {
  for (const GateInfo& g : bundled_triage().rules().gates())
    if (g.id == id) return g;
  FAIL("no bundled gate " << id);
  throw;  // unreachable
}

// The causes the gate clears, from its declaration.
Ids cleared_by(const GateInfo& g) {
  Ids out;
  for (const CauseInfo& c : bundled_triage().rules().causes())
    if (std::find(g.clears.begin(), g.clears.end(), c.stage) != g.clears.end() &&
        std::find(g.except.begin(), g.except.end(), c.id) == g.except.end())
      out.insert(c.id);
  return out;
}

struct Run {
  Report report;
  Ids ruled_out;
  bool completed = false;  // the gate was completed by some answer
};

// Diagnoses with only `answers` available (symptom unknown: every cause is
// a candidate) and collects what was ruled out.
Run run(const std::string& gate_id, const Answers& answers) {
  EvaluateRequest req;
  req.symptom = "unknown";
  req.adapters.push_back(std::make_shared<MapAdapter>(answers));
  // A question to the user (60 s) is past the default exclusion budget:
  // widen it so that every gate's evidence is asked.
  req.options.exclusion_budget_s = 600;
  StatusOr<Report> r = bundled_triage().evaluate(req);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  Run out{std::move(r).value(), {}, false};
  for (const Evidence& e : out.report.evidence) {
    out.ruled_out.insert(e.ruled_out.begin(), e.ruled_out.end());
    out.completed |= std::find(e.gates.begin(), e.gates.end(), gate_id) != e.gates.end();
  }
  return out;
}

// The gate clears exactly `expected`, never any of `never`; the answers
// complete it and rule out every cause it clears, and leave every cause it
// does not clear whose own test reads none of the answered probes.
void check_gate(const std::string& id, const Answers& answers, const Ids& expected,
                const Ids& never) {
  const GateInfo& g = gate(id);
  INFO("gate " << id);
  CHECK(cleared_by(g) == expected);
  for (const std::string& c : never) CHECK(expected.count(c) == 0);

  Run r = run(id, answers);
  CHECK(r.completed);
  for (const std::string& c : expected) {
    INFO("cleared cause " << c);
    CHECK(r.ruled_out.count(c) == 1);
  }
  for (const CauseInfo& c : bundled_triage().rules().causes()) {
    if (expected.count(c.id)) continue;
    const bool reads_answered = std::any_of(c.probes.begin(), c.probes.end(),
                                            [&](const std::string& p) { return answers.count(p); });
    if (reads_answered && !never.count(c.id)) continue;
    INFO("cause the gate must leave: " << c.id);
    CHECK(r.ruled_out.count(c.id) == 0);
  }
}

const Ids kClientToListener = {"network.client_local_block",
                               "network.edge_device_block",
                               "network.name_unresolvable",
                               "network.dns_stale",
                               "network.public_ip_missing",
                               "network.public_ip_changed",
                               "boundary.vm_not_running",
                               "boundary.platform_issue",
                               "network.jit_closed",
                               "network.classic_endpoint",
                               "network.nsg_denies_rdp",
                               "network.appliance_drops",
                               "network.asymmetric_route",
                               "service.guest_security_software",
                               "service.guest_firewall_blocks",
                               "service.rdp_disabled",
                               "service.termservice_down",
                               "service.port_mismatch"};
const Ids kChannel = {"service.listener_certificate", "auth.tls_disabled",
                      "auth.min_encryption_level",   "auth.fips_enforced",
                      "auth.credssp_mismatch",       "auth.client_nla_not_offered"};
const Ids kLogon = {
    "auth.authority_misspelled",     "auth.dc_unreachable",     "auth.secure_channel_broken",
    "auth.domain_creds_disabled",    "auth.conditional_access", "auth.username_format",
    "auth.wrong_password",           "auth.password_expired",   "auth.account_locked",
    "auth.account_disabled",         "auth.no_rdp_rights",      "auth.entra_account_over_nla",
    "auth.entra_login_role_missing", "auth.entra_per_user_mfa", "service.broker_load_balance_info",
    "service.license_expired"};
const Ids kSession = {"guest.disk_full",      "guest.resource_exhaustion",
                      "guest.disk_saturated", "guest.update_in_progress",
                      "guest.shell_failure",  "guest.profile_failure",
                      "guest.logoff_policy",  "guest.session_limit"};

Ids join(std::initializer_list<Ids> parts) {
  Ids out;
  for (const Ids& p : parts) out.insert(p.begin(), p.end());
  return out;
}

// The certificate names this VM: its listener answered, whatever address
// the client dialed.
const Answers kThisVmAnswers = {{"client.tcp_connect", V("open")},
                                {"client.rdp_negotiation", V("response")},
                                {"client.rdp_certificate_name", V("web01")},
                                {"azure.computer_name", V("WEB01")}};

TEST_CASE("gate rdp_listener_answered: client, platform, network and listener, nothing after") {
  check_gate("rdp_listener_answered", kThisVmAnswers, kClientToListener,
             join({kChannel, kLogon, kSession}));
  // An address the VM gave up answers RDP from another machine: its
  // certificate names that machine and the address is not the VM's.
  Run stranger = run("rdp_listener_answered", {{"client.tcp_connect", V("open")},
                                               {"client.rdp_negotiation", V("response")},
                                               {"client.rdp_certificate_name", V("OTHERBOX")},
                                               {"azure.computer_name", V("web01")},
                                               {"client.location", V("internet")},
                                               {"client.dialed_address", V("52.160.9.9")},
                                               {"azure.public_ip_address", V("52.160.10.20")}});
  CHECK_FALSE(stranger.completed);
  CHECK(stranger.ruled_out.count("network.nsg_denies_rdp") == 0);
  // Without the VM's side (no computer name, no address) nothing tells
  // whose listener answered: the gate waits.
  Run unsure = run("rdp_listener_answered", {{"client.tcp_connect", V("open")},
                                             {"client.rdp_negotiation", V("response")},
                                             {"client.rdp_certificate_name", V("web01")}});
  CHECK_FALSE(unsure.completed);
}

TEST_CASE("gate guest_agent_ready: a stopped or wedged VM, not a platform issue") {
  check_gate("guest_agent_ready",
             {{"azure.power_state", V("running")}, {"azure.vm_agent_status", V("ready")}},
             {"boundary.vm_not_running"},
             join({{"boundary.platform_issue", "network.nsg_denies_rdp",
                    "network.public_ip_changed", "service.termservice_down"},
                   kChannel,
                   kLogon,
                   kSession}));
  CHECK_FALSE(run("guest_agent_ready", {{"azure.power_state", V("running")},
                                        {"azure.vm_agent_status", V("unresponsive")}})
                  .completed);
}

TEST_CASE("gate tls_completed: the listener certificate and TLS, not what is negotiated after") {
  Answers tls = kThisVmAnswers;
  tls.erase("client.rdp_negotiation");
  tls["client.tls_handshake"] = V("ok");
  check_gate("tls_completed", tls, {"service.listener_certificate", "auth.tls_disabled"},
             join({{"auth.credssp_mismatch", "auth.min_encryption_level", "auth.fips_enforced",
                    "auth.client_nla_not_offered"},
                   kLogon,
                   kSession}));
  Answers stranger = tls;
  stranger["client.rdp_certificate_name"] = V("OTHERBOX");
  CHECK_FALSE(run("tls_completed", stranger).completed);
}

TEST_CASE("gate another_admin_signs_in: everything before the first account's logon") {
  check_gate("another_admin_signs_in", {{"user.second_admin_works", V(true)}},
             join({kClientToListener, kChannel}), join({kLogon, kSession}));
}

TEST_CASE("gate rdp_works_from_vnet: the VM and its listener, not the public path") {
  check_gate("rdp_works_from_vnet", {{"user.rdp_from_vnet_works", V(true)}},
             {"boundary.vm_not_running", "boundary.platform_issue", "service.rdp_disabled",
              "service.termservice_down", "service.port_mismatch"},
             join({{"service.guest_firewall_blocks", "service.guest_security_software",
                    "network.nsg_denies_rdp", "network.public_ip_changed", "network.jit_closed",
                    "network.client_local_block"},
                   kChannel,
                   kLogon,
                   kSession}));
}

TEST_CASE("gate account_signed_in: this account's logon from this client, nothing else") {
  check_gate("account_signed_in", {{"guest.rdp_account_last_logon", V("signed_in")}}, kLogon,
             join({kClientToListener, kChannel, kSession}));
  // Another address, an NLA logon with no session after it, a failure:
  // none of them says this account's logon works from this client.
  for (const char* seen : {"signed_in_elsewhere", "authenticated", "failed", "none"}) {
    INFO(seen);
    Run r = run("account_signed_in", {{"guest.rdp_account_last_logon", V(seen)}});
    CHECK_FALSE(r.completed);
    CHECK(r.ruled_out.count("auth.wrong_password") == 0);
  }
}

TEST_CASE("every bundled gate has its test here") {
  Ids tested = {"rdp_listener_answered",  "guest_agent_ready",   "tls_completed",
                "another_admin_signs_in", "rdp_works_from_vnet", "account_signed_in"};
  Ids bundled;
  for (const GateInfo& g : bundled_triage().rules().gates()) bundled.insert(g.id);
  CHECK(bundled == tested);
}

}  // namespace
}  // namespace rdptriage
