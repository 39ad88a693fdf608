// A minimal host of the Azure adapter, built against the installed package:
// the adapter is created with the installed Run Command script and asked a
// probe whose context names no VM, so nothing is sent anywhere.
#include <iostream>
#include <memory>

#include "rdptriage/azure.h"
#include "rdptriage/triage.h"

int main() {
  rdptriage::AzureOptions options;
  options.credentials = rdptriage::AzureCredentialOptions::from_environment();
  auto azure = rdptriage::AzureAdapter::create(options);
  if (!azure.ok()) {
    std::cerr << azure.status().to_string() << "\n";
    return 1;
  }
  std::atomic<bool> cancelled{false};
  rdptriage::Context context;  // no subscription, resource group or VM
  rdptriage::ProbeRequest request;
  request.probe_id = "azure.power_state";
  request.context = &context;
  request.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  request.cancelled = &cancelled;
  rdptriage::ProbeResult r = (*azure)->run(request);
  if (r.kind != rdptriage::ProbeResult::Kind::kUnavailable) return 1;
  std::cout << "azure adapter ready (" << rdptriage::AzureAdapter::answered_probes().size()
            << " probe kinds); without a VM: " << r.reason << "\n";
  return 0;
}
