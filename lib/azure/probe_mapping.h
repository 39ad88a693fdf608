// Internal: which ARM reads answer which probe, and how their answers map
// onto the probe's result domain (rules/probes.json).
#ifndef RDPTRIAGE_LIB_AZURE_PROBE_MAPPING_H_
#define RDPTRIAGE_LIB_AZURE_PROBE_MAPPING_H_

#include <string>
#include <vector>

#include "azure/run_command.h"
#include "azure/vm_reader.h"
#include "rdptriage/probe.h"

namespace rdptriage::internal::azure {

struct ProbeInputs {
  std::string client_ip;            // context "client_ip": IP flow verify, next hop, JIT
  int port = 3389;                  // context "port"
  std::string connectivity_source;  // context "connectivity_source": a VM name or id
  // The account signing in: context "username" (no domain part), its
  // "user_domain" ("AzureAD", a domain, "." or empty) and, for an Entra ID
  // account, "user_object_id" (its object id, a GUID).
  std::string username, user_domain, user_object_id;
  std::size_t serial_log_tail_bytes = 16u << 10;
  const HttpClient* blob_http = nullptr;  // reads the serial log (no token)
  RunCommandSettings run_command;
  bool run_command_enabled = true;
};

// Answers `probe_id`, or unavailable when this adapter does not answer it.
ProbeResult answer_probe(const std::string& probe_id, VmReader& reader, const ProbeInputs& in);

// Every probe id answer_probe() may answer.
const std::vector<std::string>& mapped_probes();

// The deciding rule of an IP flow verify answer, located in the NIC's
// effective security groups: fills rule, priority, nsg, nsg_scope (an NSG
// whose id is the NIC's own `nic_nsg_id` is "nic", every other one
// "subnet"; empty `nic_nsg_id`: the NIC has no NSG), nsg_resource_group,
// nsg_priorities_in_use and nsg_rule_names. Exposed for tests.
void locate_deciding_rule(const std::string& rule_name, const std::string& access,
                          const boost::json::value& effective_nsgs, const std::string& nic_nsg_id,
                          ProbeResult* result);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_PROBE_MAPPING_H_
