#include "azure/vm_reader.h"

#include <boost/json/array.hpp>
#include <cctype>
#include <ctime>

#include "azure/json_util.h"

namespace rdptriage::internal::azure {
namespace {

std::string api(const char* version) { return std::string("api-version=") + version; }

std::string iso_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ArmResponse failure(std::string message) {
  ArmResponse r;
  r.kind = ArmResponse::Kind::kClientError;
  r.message = std::move(message);
  return r;
}

}  // namespace

// The adapter validated these names (validate_context_value), so they need
// no escaping and the id reads the same in a URL and in a request body.
std::string VmRef::resource_group_path() const {
  return "/subscriptions/" + subscription + "/resourceGroups/" + resource_group;
}

std::string VmRef::id() const {
  return resource_group_path() + "/providers/Microsoft.Compute/virtualMachines/" + vm;
}

bool safe_arm_id(const std::string& id) {
  if (id.size() < 2 || id.front() != '/' || id.size() > 1024) return false;
  for (char c : id) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '/' || c == '-' || c == '_' || c == '.' || c == '(' || c == ')'))
      return false;
  }
  return true;
}

VmReader::VmReader(const ArmClient& arm, std::shared_ptr<EvaluationCache> cache, VmRef ref,
                   Clock::time_point deadline, const std::atomic<bool>* stop, WaitReporter report)
    : arm_(arm),
      cache_(std::move(cache)),
      ref_(std::move(ref)),
      deadline_(deadline),
      stop_(stop),
      report_(std::move(report)) {}

ArmResponse VmReader::cached(const std::string& key, const std::function<ArmResponse()>& read) {
  return cache_->get(key, read, deadline_, stop_);
}

ArmResponse VmReader::vm() {
  return cached("vm", [&] {
    return arm_.get(ref_.id() + "?$expand=instanceView&" + api(kComputeApi), deadline_, stop_);
  });
}

ArmResponse VmReader::classic_vm() {
  return cached("classic_vm", [&] {
    return arm_.get(ref_.resource_group_path() +
                        "/providers/Microsoft.ClassicCompute/virtualMachines/" + ref_.vm + "?" +
                        api(kClassicComputeApi),
                    deadline_, stop_);
  });
}

std::string VmReader::location() {
  ArmResponse v = vm();
  if (!v.ok()) return {};
  std::string loc;
  for (char c : lower(str(at(v.body, {"location"}))))
    if (c != ' ') loc += c;
  return loc;
}

NicView VmReader::nic(ArmResponse* failed) {
  NicView view;
  ArmResponse v = vm();
  if (!v.ok()) {
    *failed = v;
    return view;
  }
  const boost::json::array* nics =
      arr(at(v.body, {"properties", "networkProfile", "networkInterfaces"}));
  if (nics == nullptr || nics->empty()) {
    *failed = failure("the VM has no network interface in its network profile");
    return view;
  }
  const boost::json::value* chosen = &(*nics)[0];
  for (const auto& n : *nics)
    if (boolean(at(n, {"properties", "primary"})).value_or(false)) chosen = &n;
  view.nic_id = str(at(chosen, {"id"}));
  view.nic_name = last_segment(view.nic_id);
  if (!safe_arm_id(view.nic_id)) {
    *failed = failure("the VM's network interface has no usable id");
    return view;
  }
  view.nic = cached("nic:" + lower(view.nic_id), [&] {
    return arm_.get(view.nic_id + "?" + api(kNetworkApi), deadline_, stop_);
  });
  if (!view.nic.ok()) {
    *failed = view.nic;
    return view;
  }
  const boost::json::array* configs = arr(at(view.nic.body, {"properties", "ipConfigurations"}));
  if (configs == nullptr || configs->empty()) {
    *failed = failure("the NIC " + view.nic_name + " has no IP configuration");
    return view;
  }
  const boost::json::value* config = &(*configs)[0];
  for (const auto& c : *configs)
    if (boolean(at(c, {"properties", "primary"})).value_or(false)) config = &c;
  view.ip_config_name = str(at(config, {"name"}));
  view.private_ip = str(at(config, {"properties", "privateIPAddress"}));
  view.public_ip_id = str(at(config, {"properties", "publicIPAddress", "id"}));
  return view;
}

ArmResponse VmReader::public_ip(const std::string& id) {
  if (!safe_arm_id(id)) return failure("the public IP has no usable id");
  return cached("pip:" + lower(id),
                [&] { return arm_.get(id + "?" + api(kNetworkApi), deadline_, stop_); });
}

ArmResponse VmReader::effective_nsgs(const std::string& nic_id) {
  return cached("effective_nsgs:" + lower(nic_id), [&] {
    return arm_.post(nic_id + "/effectiveNetworkSecurityGroups?" + api(kNetworkApi), "{}",
                     "the NIC's effective security rules", deadline_, stop_, report_);
  });
}

ArmResponse VmReader::resource_health() {
  return cached("resource_health", [&] {
    return arm_.get(ref_.id() +
                        "/providers/Microsoft.ResourceHealth/availabilityStatuses/current?" +
                        api(kResourceHealthApi),
                    deadline_, stop_);
  });
}

ArmResponse VmReader::metrics() {
  return cached("metrics", [&] {
    std::time_t now = std::time(nullptr);
    std::string timespan = iso_utc(now - 30 * 60) + "/" + iso_utc(now);
    return arm_.get(ref_.id() + "/providers/Microsoft.Insights/metrics?" + api(kMetricsApi) +
                        "&metricnames=" +
                        url_encode("Percentage CPU,Available Memory Bytes,"
                                   "OS Disk IOPS Consumed Percentage") +
                        "&timespan=" + url_encode(timespan) + "&interval=PT5M&aggregation=Average",
                    deadline_, stop_);
  });
}

ArmResponse VmReader::jit_policies() {
  return cached("jit", [&] {
    return arm_.get_all(ref_.resource_group_path() +
                            "/providers/Microsoft.Security/jitNetworkAccessPolicies?" +
                            api(kSecurityApi),
                        deadline_, stop_);
  });
}

ArmResponse VmReader::boot_diagnostics_uris() {
  return cached("boot_diagnostics", [&] {
    return arm_.post(ref_.id() + "/retrieveBootDiagnosticsData?" + api(kComputeApi) +
                         "&sasUriExpirationTimeInMinutes=5",
                     "", "boot diagnostics", deadline_, stop_, report_);
  });
}

ArmResponse VmReader::role_assignments(const std::string& object_id) {
  return cached("role_assignments:" + lower(object_id), [&] {
    return arm_.get_all(ref_.id() + "/providers/Microsoft.Authorization/roleAssignments?" +
                            api(kAuthorizationApi) +
                            "&$filter=" + url_encode("assignedTo('" + object_id + "')"),
                        deadline_, stop_);
  });
}

ArmResponse VmReader::network_watcher(std::string* id) {
  const std::string region = location();
  ArmResponse list = cached("network_watchers", [&] {
    return arm_.get_all("/subscriptions/" + ref_.subscription +
                            "/providers/Microsoft.Network/networkWatchers?" + api(kNetworkApi),
                        deadline_, stop_);
  });
  if (!list.ok()) return list;
  if (region.empty()) return failure("the VM's region is unknown");
  if (const boost::json::array* watchers = arr(at(list.body, {"value"}))) {
    for (const auto& w : *watchers) {
      std::string loc;
      for (char c : lower(str(at(w, {"location"}))))
        if (c != ' ') loc += c;
      if (loc == region) {
        *id = str(at(w, {"id"}));
        if (safe_arm_id(*id)) return list;
      }
    }
  }
  ArmResponse none;
  none.kind = ArmResponse::Kind::kNotFound;
  none.request_id = list.request_id;
  none.message = "no Network Watcher is enabled in the VM's region " + region;
  return none;
}

ArmResponse VmReader::watcher_action(const std::string& action, const std::string& body,
                                     const std::string& what) {
  std::string watcher;
  ArmResponse found = network_watcher(&watcher);
  if (!found.ok()) return found;
  return cached("watcher:" + action + ":" + body, [&] {
    return arm_.post(watcher + "/" + action + "?" + api(kNetworkApi), body, what, deadline_, stop_,
                     report_);
  });
}

}  // namespace rdptriage::internal::azure
