// Test support: random worlds. Single-fault worlds inject one catalog fault
// into a healthy estate with harmless noise; NSG worlds are random subnet
// and NIC security rule sets (ranges, prefix lists, colliding priorities)
// that deny the client's RDP flow and break nothing else.
#ifndef RDPTRIAGE_TEST_WORLD_RANDOM_WORLDS_H_
#define RDPTRIAGE_TEST_WORLD_RANDOM_WORLDS_H_

#include <boost/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace rdptriage::testing {

inline void deep_merge(boost::json::value& into, const boost::json::value& from) {
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

struct RandomFault {
  const char* cause;
  const char* json;  // merged into the world's top level
};

inline const std::vector<RandomFault>& random_faults() {
  static const std::vector<RandomFault> kFaults = {
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
      {"service.rdp_disabled", R"("vm": {"guest": {"rdp": {"deny_connections_policy": true}}})"},
      {"service.port_mismatch", R"("vm": {"guest": {"rdp": {"port": 3390}}})"},
      {"service.listener_certificate", R"("vm": {"guest": {"rdp": {"certificate": "corrupt"}}})"},
      // An unpatched client against a patched VM is allowed under the default
      // Mitigated policy; the VM must lack the update, or force updated clients.
      {"auth.credssp_mismatch", R"("vm": {"guest": {"credssp_patched": false}})"},
      {"auth.credssp_mismatch",
       R"("client": {"credssp_patched": false},
          "vm": {"guest": {"credssp_encryption_oracle": "force_updated_clients"}})"},
      {"auth.min_encryption_level", R"("client": {"max_encryption_level": 1})"},
      {"auth.wrong_password", R"("client": {"password": "wrong"})"},
      {"auth.authority_misspelled", R"("client": {"user": "MYVMM\\azureadmin"})"},
      {"guest.disk_full", R"("vm": {"guest": {"disk": {"c_free_mb": 10}}})"},
      {"guest.resource_exhaustion", R"("vm": {"metrics": {"available_memory_mb": 100}})"},
      {"guest.disk_saturated", R"("vm": {"metrics": {"os_disk_busy_pct": 97}})"},
      {"guest.update_in_progress", R"("vm": {"guest": {"shell": "update_in_progress"}})"},
      {"guest.logoff_policy", R"("vm": {"guest": {"session": {"logoff_policy": true}}})"},
  };
  return kFaults;
}

// Harmless noise, drawn from `rng`: CPU and memory that starve nothing,
// sometimes hardened TLS, an extra local account and an NSG with more rules
// that still allow RDP. A world object ("vm" only).
inline boost::json::value random_noise(std::mt19937& rng) {
  const int cpu = 20 + static_cast<int>(rng() % 61);
  const int memory = 1024 + static_cast<int>(rng() % 7168);
  const bool hardened_tls = rng() % 2 == 0;
  const bool extra_rule = rng() % 2 == 0;
  const bool second_account = rng() % 2 == 0;
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
  return boost::json::parse("{\"vm\": {" + noise_vm + nsg + ", \"guest\": {" + noise_guest + "}}}");
}

// Noise from `rng`, then each fault merged on top (a later fault wins where
// two set the same field).
inline std::string random_fault_world(std::mt19937& rng,
                                      const std::vector<const RandomFault*>& faults) {
  boost::json::value doc = random_noise(rng);
  for (const RandomFault* f : faults)
    deep_merge(doc, boost::json::parse("{" + std::string(f->json) + "}"));
  return boost::json::serialize(doc);
}

// One fault with noise that must not change the answer; `fault` is set to it.
inline std::string random_single_fault_world(std::mt19937& rng, const RandomFault** fault) {
  const RandomFault& f = random_faults()[rng() % random_faults().size()];
  *fault = &f;
  return random_fault_world(rng, {&f});
}

// Random security rules for one NSG: priorities bunched so that they often
// sit right below a deny, sources and ports as single values, ranges and
// lists. The client is 203.0.113.10 and dials TCP 3389 (or, through a load
// balancer, arrives on backend port 3389).
inline boost::json::array random_nsg_rules(std::mt19937& rng, int count) {
  static const std::vector<boost::json::value> kSources = {
      "*",
      "Internet",
      "203.0.113.0/24",
      "203.0.113.10",
      boost::json::array{"198.51.100.0/24", "203.0.113.0/24"},
      "10.0.0.0/8",
      "VirtualNetwork",
      boost::json::array{"192.0.2.0/24", "198.51.100.7"}};
  static const std::vector<boost::json::value> kPorts = {
      "3389", "3000-4000", boost::json::array{"22", "3389"},
      "*",    "80",        boost::json::array{"1-1024", "3380-3399"}};
  boost::json::array rules;
  std::vector<int> used;
  const int base = 100 + static_cast<int>(rng() % 400);
  for (int i = 0; i < count; ++i) {
    int priority;
    do {
      priority = rng() % 3 == 0 ? 100 + static_cast<int>(rng() % 3997)
                                : base + static_cast<int>(rng() % 12);
    } while (std::find(used.begin(), used.end(), priority) != used.end());
    used.push_back(priority);
    boost::json::object r;
    r["name"] = "rule-" + std::to_string(priority);
    r["priority"] = priority;
    r["direction"] = "Inbound";
    r["access"] = rng() % 3 == 0 ? "Allow" : "Deny";
    r["protocol"] = rng() % 4 == 0 ? "*" : "Tcp";
    const boost::json::value& src = kSources[rng() % kSources.size()];
    if (src.is_array())
      r["sourceAddressPrefixes"] = src;
    else
      r["sourceAddressPrefix"] = src;
    const boost::json::value& port = kPorts[rng() % kPorts.size()];
    if (port.is_array())
      r["destinationPortRanges"] = port;
    else
      r["destinationPortRange"] = port;
    rules.push_back(std::move(r));
  }
  return rules;
}

// A world whose only fault is NSG rules: subnet NSG, NIC NSG or both, with
// names, sometimes behind a load balancer NAT rule. Not every draw denies
// the client: callers keep those whose played-out symptom is a timeout.
inline std::string random_nsg_world(std::mt19937& rng) {
  boost::json::object nsg;
  const int layout = static_cast<int>(rng() % 3);  // 0 subnet, 1 nic, 2 both
  if (layout != 1) nsg["subnet"] = random_nsg_rules(rng, 1 + static_cast<int>(rng() % 6));
  nsg["nic"] = layout != 0
                   ? boost::json::value(random_nsg_rules(rng, 1 + static_cast<int>(rng() % 6)))
                   : boost::json::value(nullptr);
  if (layout == 0 && rng() % 2 == 0) nsg.erase("nic");  // keep the portal's default NIC rule
  nsg["subnet_name"] = "web-subnet-nsg";
  nsg["nic_name"] = "web01-nsg";
  if (rng() % 3 == 0) nsg["resource_group"] = "net-rg";
  boost::json::object vm;
  vm["name"] = "web01";
  vm["resource_group"] = "prod-rg";
  vm["nsg"] = std::move(nsg);
  if (rng() % 4 == 0)
    vm["load_balancer_nat"] = {
        {"frontend_ip", "52.160.10.30"}, {"frontend_port", 50001}, {"backend_port", 3389}};
  boost::json::object world;
  world["schema"] = "rdptriage.world/1";
  world["vm"] = std::move(vm);
  return boost::json::serialize(world);
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_WORLD_RANDOM_WORLDS_H_
