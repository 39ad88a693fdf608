// A minimal host: reads a pasted client error, then one adapter answers like
// a healthy estate whose NSG now denies RDP, evaluated against the bundled
// rules of the installed package it was configured with (found without
// being told where, as the README shows).
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "rdptriage/triage.h"
#include "rdptriage/version.h"

namespace {

class EstateAdapter : public rdptriage::ProbeAdapter {
 public:
  rdptriage::ProbeResult run(const rdptriage::ProbeRequest& request) override {
    static const std::map<std::string, rdptriage::ProbeValue> kAnswers = {
        {"client.location", std::string("internet")},
        {"client.dial_host_kind", std::string("ip")},
        {"client.dialed_address", std::string("52.160.10.20")},
        {"client.tcp_connect", std::string("timeout")},
        {"azure.public_ip_present", true},
        {"azure.public_ip_address", std::string("52.160.10.20")},
        {"azure.power_state", std::string("running")},
        {"bootdiag.screenshot", std::string("sign_in_screen")},
        {"azure.resource_health", std::string("available")},
        {"azure.jit_enabled", false},
        {"azure.deployment_model", std::string("arm")},
        {"netwatch.ip_flow_inbound", std::string("deny")},
        {"user.rdp_to_onprem_works", true},
        {"user.rdp_from_outside_org_works", false},
    };
    auto it = kAnswers.find(request.probe_id);
    if (it == kAnswers.end()) return rdptriage::ProbeResult::unavailable("not modelled");
    return rdptriage::ProbeResult::value_of(it->second);
  }
  std::string name() const override { return "consumer"; }
  bool may_block() const override { return false; }
};

}  // namespace

int main() {
  auto triage = rdptriage::Triage::create({});
  if (!triage.ok()) {
    std::cerr << triage.status().to_string() << "\n";
    return 1;
  }
  std::cout << "rdptriage " << rdptriage::library_version() << " (headers "
            << RDPTRIAGE_VERSION_NUMBER << ")\n";
  if (rdptriage::library_version_number() != RDPTRIAGE_VERSION_NUMBER) return 1;
  std::cout << "bundled rules: " << rdptriage::bundled_rules_dir().string() << " ("
            << triage->rules().causes().size() << " causes)\n";
  // What the user pasted: mstsc's dialog, read with the installed rules.
  auto reading = triage->read_client_error(
      "Remote Desktop can't connect to the remote computer for one of these reasons:\n"
      "Error code: 0x204\nExtended error code: 0x0");
  if (!reading.ok() || reading->symptom != "no_connection") {
    std::cerr << "the client error was not read as no_connection\n";
    return 1;
  }
  rdptriage::EvaluateRequest request;
  request.symptom = "timeout";  // what the host measured: the connect hangs
  request.context = {{"resource_group", "prod-rg"}, {"vm", "web01"}};
  request.adapters.push_back(std::make_shared<EstateAdapter>());
  auto report = triage->evaluate(request);
  if (!report.ok()) {
    std::cerr << report.status().to_string() << "\n";
    return 1;
  }
  std::cout << report->cause << "\n";
  return report->cause == "network.nsg_denies_rdp" ? 0 : 1;
}
