// Internal: the ARM reads behind the probes for one VM, each once per
// evaluation (through EvaluationCache), with pinned api-versions.
//
// Thread safety: a VmReader lives for one run() call; what it reads is
// shared through the evaluation's cache.
#ifndef RDPTRIAGE_LIB_AZURE_VM_READER_H_
#define RDPTRIAGE_LIB_AZURE_VM_READER_H_

#include <memory>
#include <string>

#include "azure/arm_client.h"
#include "azure/evaluation_cache.h"

namespace rdptriage::internal::azure {

// Pinned api-versions, one per resource provider.
inline constexpr const char* kComputeApi = "2024-07-01";
inline constexpr const char* kNetworkApi = "2024-05-01";
inline constexpr const char* kResourceHealthApi = "2020-05-01";
inline constexpr const char* kMetricsApi = "2023-10-01";
inline constexpr const char* kSecurityApi = "2020-01-01";
inline constexpr const char* kClassicComputeApi = "2017-04-01";
inline constexpr const char* kAuthorizationApi = "2022-04-01";

struct VmRef {
  std::string subscription;
  std::string resource_group;
  std::string vm;
  // "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM"
  std::string id() const;
  std::string resource_group_path() const;  // "/subscriptions/S/resourceGroups/RG"
};

// An ARM id that can go into a URL path as it is: "/" first, then letters,
// digits and - _ . ( ) / only.
bool safe_arm_id(const std::string& id);

// The primary NIC's primary IP configuration and what hangs off it.
struct NicView {
  ArmResponse nic;  // the NIC resource
  std::string nic_id, nic_name;
  std::string ip_config_name;
  std::string private_ip;
  std::string public_ip_id;  // empty: no public IP attached
};

class VmReader {
 public:
  VmReader(const ArmClient& arm, std::shared_ptr<EvaluationCache> cache, VmRef ref,
           Clock::time_point deadline, const std::atomic<bool>* stop, WaitReporter report);

  const VmRef& ref() const { return ref_; }
  Clock::time_point deadline() const { return deadline_; }
  const std::atomic<bool>* stop() const { return stop_; }

  // The VM model with its instance view ($expand=instanceView).
  ArmResponse vm();
  // The classic VM of that name, read only when vm() is 404.
  ArmResponse classic_vm();
  // The primary NIC and its primary IP configuration; on failure
  // `failure` holds why and the result is empty.
  NicView nic(ArmResponse* failure);
  ArmResponse public_ip(const std::string& id);
  ArmResponse effective_nsgs(const std::string& nic_id);
  ArmResponse resource_health();
  ArmResponse metrics();
  ArmResponse jit_policies();
  ArmResponse boot_diagnostics_uris();
  // Azure role assignments of the principal `object_id` (a GUID) that apply
  // to the VM: at its scope and above, its groups' included
  // ($filter=assignedTo), every page.
  ArmResponse role_assignments(const std::string& object_id);
  // The Network Watcher in the VM's region; its id, or a failure.
  ArmResponse network_watcher(std::string* id);
  // POST an action on the regional Network Watcher ("ipFlowVerify",
  // "nextHop", "connectivityCheck"), keyed by `key` in the cache.
  ArmResponse watcher_action(const std::string& action, const std::string& body,
                             const std::string& what);
  // The VM's region, normalised ("West US" -> "westus"); empty if unknown.
  std::string location();
  // Any read, keyed, through the cache.
  ArmResponse cached(const std::string& key, const std::function<ArmResponse()>& read);

  const ArmClient& arm() const { return arm_; }
  const WaitReporter& reporter() const { return report_; }

 private:
  const ArmClient& arm_;
  std::shared_ptr<EvaluationCache> cache_;
  VmRef ref_;
  Clock::time_point deadline_;
  const std::atomic<bool>* stop_;
  WaitReporter report_;
};

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_VM_READER_H_
