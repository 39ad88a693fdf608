#include "azure/probe_mapping.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <set>

#include "azure/json_util.h"

namespace rdptriage::internal::azure {
namespace {

using Answer = std::function<ProbeResult(VmReader&, const ProbeInputs&)>;

ProbeResult value(ProbeValue v, const std::string& detail, const ArmResponse& r) {
  return ProbeResult::value_of(std::move(v), detail + r.request_id_note());
}

std::string with_request_id(const ArmResponse& r) {
  if (r.request_id.empty() || r.message.find(r.request_id) != std::string::npos) return r.message;
  return r.message + r.request_id_note();
}

// A read that failed, as the probe's answer: no permission or no credential
// means this adapter cannot reach the channel (unavailable: another adapter
// or a person may); anything else is a failed attempt.
ProbeResult from_failure(const ArmResponse& r, const std::string& what) {
  std::string why = what.empty() ? with_request_id(r) : what + ": " + with_request_id(r);
  switch (r.kind) {
    case ArmResponse::Kind::kForbidden:
    case ArmResponse::Kind::kUnauthorized:
    case ArmResponse::Kind::kNoCredential:
      return ProbeResult::unavailable(why);
    default:
      return ProbeResult::failed(why);
  }
}

// The VM, or the answer to give when it cannot be read. A VM that is not
// in Microsoft.Compute but is a classic VM leaves these probes to others.
std::optional<ProbeResult> need_vm(VmReader& reader, ArmResponse* vm) {
  *vm = reader.vm();
  if (vm->ok()) return std::nullopt;
  if (vm->kind == ArmResponse::Kind::kNotFound) {
    ArmResponse classic = reader.classic_vm();
    if (classic.ok())
      return ProbeResult::unavailable(
          "a classic (cloud service) VM: Microsoft.Compute does not "
          "describe it");
    return ProbeResult::failed("no VM named " + reader.ref().vm + " in resource group " +
                               reader.ref().resource_group + " of subscription " +
                               reader.ref().subscription + " (" + with_request_id(*vm) + ")");
  }
  return from_failure(*vm, "reading the VM");
}

std::string power_state(const boost::json::value& vm) {
  if (const boost::json::array* statuses = arr(at(vm, {"properties", "instanceView", "statuses"})))
    for (const auto& s : *statuses) {
      std::string code = lower(str(at(s, {"code"})));
      if (code.rfind("powerstate/", 0) == 0) return code.substr(11);
    }
  return {};
}

bool running(const boost::json::value& vm) { return power_state(vm) == "running"; }

std::string integer_text(const boost::json::value* v) {
  auto n = num(v);
  if (!n) return str(v);
  if (std::fabs(*n) > 1e15) return {};  // no priority or port is that large
  return std::to_string(static_cast<long long>(std::llround(*n)));
}

bool parse_ipv4(const std::string& text, std::uint32_t* out) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
  *out = ntohl(a.s_addr);
  return true;
}

// "*", "Internet", an address or a CIDR prefix containing `ip`.
bool prefix_contains(const std::string& prefix, const std::string& ip) {
  if (prefix == "*" || lower(prefix) == "any" || lower(prefix) == "internet") return true;
  std::uint32_t addr = 0, net = 0;
  if (!parse_ipv4(ip, &addr)) return lower(prefix) == lower(ip);
  auto slash = prefix.find('/');
  int bits = 32;
  if (slash != std::string::npos) {
    try {
      bits = std::stoi(prefix.substr(slash + 1));
    } catch (...) {
      return false;
    }
    if (bits < 0 || bits > 32) return false;
  }
  if (!parse_ipv4(prefix.substr(0, slash), &net)) return false;
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (addr & mask) == (net & mask);
}

std::string bare_rule_name(std::string name) {
  for (const char* prefix :
       {"securityrules/", "defaultsecurityrules/", "userrule_", "defaultrule_"})
    if (lower(name).rfind(prefix, 0) == 0) return name.substr(std::string(prefix).size());
  return name;
}

// ---------------------------------------------------------------- control plane

ProbeResult power_state_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  const std::string p = power_state(vm.body);
  if (p == "running" || p == "stopped" || p == "deallocated")
    return value(p, "PowerState/" + p, vm);
  // Transitions: a VM on its way down is already not serving; one on its
  // way up is not yet running, and saying which it will be is a guess.
  if (p == "stopping") return value("stopped", "PowerState/stopping: the VM is stopping", vm);
  if (p == "deallocating")
    return value("deallocated", "PowerState/deallocating: the VM is being deallocated", vm);
  if (p == "starting")
    return ProbeResult::failed(
        "PowerState/starting: the VM is starting; ask again when it "
        "reports running" +
        vm.request_id_note());
  return ProbeResult::failed("the instance view reports no known power state (" +
                             (p.empty() ? std::string("none") : "PowerState/" + p) + ")" +
                             vm.request_id_note());
}

ProbeResult deployment_model_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm = reader.vm();
  if (vm.ok()) return value("arm", "Microsoft.Compute/virtualMachines", vm);
  if (vm.kind != ArmResponse::Kind::kNotFound) return from_failure(vm, "reading the VM");
  ArmResponse classic = reader.classic_vm();
  if (classic.ok()) return value("classic", "Microsoft.ClassicCompute/virtualMachines", classic);
  return ProbeResult::failed("no VM named " + reader.ref().vm + " in resource group " +
                             reader.ref().resource_group +
                             ", neither Resource Manager nor "
                             "classic (" +
                             with_request_id(vm) + ")");
}

ProbeResult vm_agent_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  const boost::json::array* statuses =
      arr(at(vm.body, {"properties", "instanceView", "vmAgent", "statuses"}));
  if (statuses == nullptr || statuses->empty()) {
    if (!running(vm.body))
      return ProbeResult::failed("the VM is " + power_state(vm.body) +
                                 ", so its agent reports nothing" + vm.request_id_note());
    return value("unresponsive", "the instance view has no VM agent status", vm);
  }
  std::string status = str(at((*statuses)[0], {"displayStatus"}));
  std::string message = str(at((*statuses)[0], {"message"}));
  return value(lower(status) == "ready" ? "ready" : "unresponsive",
               "VM agent: " + status + (message.empty() ? "" : " (" + message + ")"), vm);
}

ProbeResult boot_diagnostics_enabled_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  bool on = boolean(at(vm.body, {"properties", "diagnosticsProfile", "bootDiagnostics", "enabled"}))
                .value_or(false);
  return value(on, "diagnosticsProfile.bootDiagnostics.enabled", vm);
}

ProbeResult computer_name_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  std::string name = str(at(vm.body, {"properties", "osProfile", "computerName"}));
  if (name.empty()) name = str(at(vm.body, {"properties", "instanceView", "computerName"}));
  if (name.empty())
    return ProbeResult::failed("neither osProfile nor the instance view names the computer" +
                               vm.request_id_note());
  return value(name, "osProfile.computerName", vm);
}

ProbeResult resource_health_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  ArmResponse h = reader.resource_health();
  if (!h.ok()) return from_failure(h, "Resource Health");
  const std::string state = str(at(h.body, {"properties", "availabilityState"}));
  const std::string reason = str(at(h.body, {"properties", "reasonType"}));
  const std::string summary = str(at(h.body, {"properties", "summary"}));
  const std::string detail = "Resource Health: " + state +
                             (reason.empty() ? "" : " (" + reason + ")") +
                             (summary.empty() ? "" : ": " + summary);
  const std::string s = lower(state);
  if (s == "available") return value("available", detail, h);
  if (s == "degraded") return value("degraded", detail, h);
  if (s == "unavailable") {
    // A VM its owner stopped is "Unavailable" too; the platform is fine then.
    const std::string r = lower(reason);
    if (r.find("customer") != std::string::npos || r.find("user") != std::string::npos)
      return value("available", detail + "; the platform itself is healthy", h);
    return value("degraded", detail, h);
  }
  return ProbeResult::failed(detail.empty() ? "Resource Health gave no state"
                                            : detail + h.request_id_note());
}

// ---------------------------------------------------------------- network

ProbeResult nic_failure(const ArmResponse& failure) {
  return from_failure(failure, "reading the NIC");
}

ProbeResult private_ip_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm, failure;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  NicView nic = reader.nic(&failure);
  if (nic.nic_id.empty() || !nic.nic.ok()) return nic_failure(failure);
  if (nic.private_ip.empty())
    return ProbeResult::failed("the NIC " + nic.nic_name + " has no private IP address" +
                               nic.nic.request_id_note());
  ProbeResult r = value(nic.private_ip, "NIC " + nic.nic_name + ", " + nic.ip_config_name, nic.nic);
  r.fields["nic"] = nic.nic_name;
  r.fields["ip_config"] = nic.ip_config_name;
  return r;
}

ProbeResult public_ip_present_probe(VmReader& reader, const ProbeInputs&) {
  ArmResponse vm, failure;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  NicView nic = reader.nic(&failure);
  if (nic.nic_id.empty() || !nic.nic.ok()) return nic_failure(failure);
  const bool present = !nic.public_ip_id.empty();
  ProbeResult r = value(present,
                        present ? "NIC " + nic.nic_name + " has " + last_segment(nic.public_ip_id)
                                : "NIC " + nic.nic_name + " has no public IP",
                        nic.nic);
  r.fields["nic"] = nic.nic_name;
  r.fields["ip_config"] = nic.ip_config_name;
  if (present) r.fields["public_ip_name"] = last_segment(nic.public_ip_id);
  return r;
}

// The attached public IP resource, or the answer when there is none.
std::optional<ProbeResult> attached_public_ip(VmReader& reader, NicView* nic, ArmResponse* pip) {
  ArmResponse vm, failure;
  if (auto stop = need_vm(reader, &vm)) return stop;
  *nic = reader.nic(&failure);
  if (nic->nic_id.empty() || !nic->nic.ok()) return nic_failure(failure);
  if (nic->public_ip_id.empty())
    return ProbeResult::failed("no public IP attached to NIC " + nic->nic_name +
                               nic->nic.request_id_note());
  *pip = reader.public_ip(nic->public_ip_id);
  if (!pip->ok()) return from_failure(*pip, "reading the public IP");
  return std::nullopt;
}

ProbeResult public_ip_address_probe(VmReader& reader, const ProbeInputs&) {
  NicView nic;
  ArmResponse pip;
  if (auto stop = attached_public_ip(reader, &nic, &pip)) return *stop;
  const std::string name = last_segment(nic.public_ip_id);
  const std::string address = str(at(pip.body, {"properties", "ipAddress"}));
  if (address.empty())
    return ProbeResult::failed(
        "the public IP " + name + " holds no address now (" +
        lower(str(at(pip.body, {"properties", "publicIPAllocationMethod"}))) +
        " allocation; a dynamic address is released while the VM is deallocated)" +
        pip.request_id_note());
  ProbeResult r = value(address, "public IP " + name + " on NIC " + nic.nic_name, pip);
  r.fields["public_ip_name"] = name;
  r.fields["nic"] = nic.nic_name;
  r.fields["ip_config"] = nic.ip_config_name;
  return r;
}

ProbeResult public_ip_allocation_probe(VmReader& reader, const ProbeInputs&) {
  NicView nic;
  ArmResponse pip;
  if (auto stop = attached_public_ip(reader, &nic, &pip)) return *stop;
  const std::string method = lower(str(at(pip.body, {"properties", "publicIPAllocationMethod"})));
  if (method != "static" && method != "dynamic")
    return ProbeResult::failed("the public IP reports no allocation method" +
                               pip.request_id_note());
  ProbeResult r = value(method, "public IP " + last_segment(nic.public_ip_id), pip);
  r.fields["public_ip_name"] = last_segment(nic.public_ip_id);
  return r;
}

ProbeResult jit_probe(VmReader& reader, const ProbeInputs& in, bool want_active) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  ArmResponse jit = reader.jit_policies();
  if (!jit.ok()) return from_failure(jit, "Just-In-Time policies");
  const std::string vm_id =
      lower(str(at(vm.body, {"id"})).empty() ? reader.ref().id() : str(at(vm.body, {"id"})));
  bool covered = false, open = false;
  std::string policy_name, open_detail;
  const std::time_t now = std::time(nullptr);
  if (const boost::json::array* policies = arr(at(jit.body, {"value"}))) {
    for (const auto& p : *policies) {
      // A policy covers RDP only through a port entry for the RDP port; a
      // policy for the VM that opens only 22 leaves 3389 to the NSG.
      if (const boost::json::array* vms = arr(at(p, {"properties", "virtualMachines"})))
        for (const auto& v : *vms) {
          if (lower(str(at(v, {"id"}))) != vm_id) continue;
          if (const boost::json::array* ports = arr(at(v, {"ports"})))
            for (const auto& port : *ports)
              if (num(at(port, {"number"})).value_or(-1) == in.port) {
                covered = true;
                policy_name = str(at(p, {"name"}));
              }
        }
      const boost::json::array* requests = arr(at(p, {"properties", "requests"}));
      if (requests == nullptr) continue;
      for (const auto& req : *requests) {
        const boost::json::array* vms = arr(at(req, {"virtualMachines"}));
        if (vms == nullptr) continue;
        for (const auto& v : *vms) {
          if (lower(str(at(v, {"id"}))) != vm_id) continue;
          const boost::json::array* ports = arr(at(v, {"ports"}));
          if (ports == nullptr) continue;
          for (const auto& port : *ports) {
            if (num(at(port, {"number"})).value_or(-1) != in.port) continue;
            if (lower(str(at(port, {"status"}))) != "initiated") continue;
            std::tm tm{};
            std::string end = str(at(port, {"endTimeUtc"}));
            if (strptime(end.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr || timegm(&tm) <= now)
              continue;
            std::vector<std::string> prefixes;
            if (auto s = str(at(port, {"allowedSourceAddressPrefix"})); !s.empty())
              prefixes.push_back(s);
            if (const boost::json::array* many = arr(at(port, {"allowedSourceAddressPrefixes"})))
              for (const auto& s : *many) prefixes.push_back(str(&s));
            for (const std::string& prefix : prefixes)
              if (prefix_contains(prefix, in.client_ip)) {
                open = true;
                open_detail = "open for " + prefix + " until " + end;
              }
          }
        }
      }
    }
  }
  if (!want_active)
    return value(covered,
                 covered ? "JIT policy " + policy_name + " covers port " + std::to_string(in.port)
                         : "no JIT policy covers port " + std::to_string(in.port) + " of the VM",
                 jit);
  if (in.client_ip.empty())
    return ProbeResult::unavailable(
        "whether JIT access is open depends on the client's address "
        "(context client_ip)");
  return value(covered && open,
               open ? "JIT " + open_detail
                    : "no current JIT request opens port " + std::to_string(in.port) + " for " +
                          in.client_ip,
               jit);
}

// ---------------------------------------------------------------- Entra ID sign-in

bool is_guid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The built-in roles that let an Entra ID account sign in to a VM (their
// ids are the same in every tenant):
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
constexpr const char* kVmAdministratorLogin = "1c0163c0-47e6-4577-8991-ea5c82e286e4";
constexpr const char* kVmUserLogin = "fb879df8-f326-4884-b1cf-06f3ad86be52";

// Entra ID sign-in to a Windows VM needs the AADLoginForWindows extension
// (publisher Microsoft.Azure.ActiveDirectory) on it.
bool entra_joined(const boost::json::value& vm) {
  if (const boost::json::array* ext = arr(at(vm, {"resources"})))
    for (const auto& e : *ext)
      if (lower(str(at(e, {"properties", "type"}))) == "aadloginforwindows" &&
          lower(str(at(e, {"properties", "publisher"}))) == "microsoft.azure.activedirectory")
        return true;
  return false;
}

ProbeResult entra_login_role_probe(VmReader& reader, const ProbeInputs& in) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  if (!entra_joined(vm.body))
    return value("not_entra",
                 "the VM has no AADLoginForWindows extension, so no Entra ID account signs in to "
                 "it",
                 vm);
  const std::string domain = lower(in.user_domain);
  if (in.user_object_id.empty()) {
    // Entra ID sign-in takes AzureAD\UPN or a UPN; a name typed alone or
    // as .\name is a local account.
    if (!in.username.empty() && (domain.empty() || domain == "."))
      return value("not_entra", "the account " + in.username + " is a local one", vm);
    return ProbeResult::unavailable(
        "whether the account is an Entra ID one, and its roles, need its object id (context "
        "user_object_id, from az ad user show --id UPN --query id)");
  }
  if (!is_guid(in.user_object_id))
    return ProbeResult::failed("user_object_id is not an object id (a GUID)");
  ArmResponse roles = reader.role_assignments(in.user_object_id);
  if (!roles.ok()) return from_failure(roles, "Azure role assignments");
  bool admin = false, user = false;
  if (const boost::json::array* list = arr(at(roles.body, {"value"})))
    for (const auto& a : *list) {
      const std::string role = lower(last_segment(str(at(a, {"properties", "roleDefinitionId"}))));
      admin |= role == kVmAdministratorLogin;
      user |= role == kVmUserLogin;
    }
  const std::string who = "object id " + in.user_object_id;
  if (admin)
    return value("administrator", who + " holds Virtual Machine Administrator Login on the VM",
                 roles);
  if (user) return value("user", who + " holds Virtual Machine User Login on the VM", roles);
  return value("none",
               who +
                   " holds neither Virtual Machine Administrator Login nor User Login at the "
                   "VM or above",
               roles);
}

// ---------------------------------------------------------------- metrics

ProbeResult metric_probe(VmReader& reader, const std::string& metric, double scale) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  ArmResponse m = reader.metrics();
  if (!m.ok()) return from_failure(m, "Azure Monitor metrics");
  if (const boost::json::array* values = arr(at(m.body, {"value"}))) {
    for (const auto& v : *values) {
      if (lower(str(at(v, {"name", "value"}))) != lower(metric)) continue;
      const boost::json::array* series = arr(at(v, {"timeseries"}));
      if (series == nullptr || series->empty()) break;
      const boost::json::array* data = arr(at((*series)[0], {"data"}));
      if (data == nullptr) break;
      for (auto it = data->rbegin(); it != data->rend(); ++it) {
        auto avg = num(at(*it, {"average"}));
        if (!avg) continue;
        return value(*avg * scale,
                     metric + " average at " + str(at(*it, {"timeStamp"})) + " (PT5M)", m);
      }
      break;
    }
  }
  return ProbeResult::unavailable("Azure Monitor has no recent " + metric + " data points" +
                                  (running(vm.body) ? "" : " (the VM is not running)") +
                                  m.request_id_note());
}

// ---------------------------------------------------------------- Network Watcher

std::optional<ProbeResult> watcher_blocker(VmReader& reader, ArmResponse* vm) {
  if (auto stop = need_vm(reader, vm)) return stop;
  if (!running(vm->body))
    return ProbeResult::unavailable("Network Watcher needs the VM running (it is " +
                                    power_state(vm->body) + ")");
  return std::nullopt;
}

ProbeResult ip_flow_probe(VmReader& reader, const ProbeInputs& in) {
  ArmResponse vm, failure;
  if (auto stop = watcher_blocker(reader, &vm)) return *stop;
  if (in.client_ip.empty())
    return ProbeResult::unavailable(
        "IP flow verify needs the client's public address "
        "(context client_ip)");
  NicView nic = reader.nic(&failure);
  if (nic.nic_id.empty() || !nic.nic.ok()) return nic_failure(failure);
  boost::json::object body;
  body["targetResourceId"] =
      str(at(vm.body, {"id"})).empty() ? reader.ref().id() : str(at(vm.body, {"id"}));
  // The NIC is named: a VM with several NICs would otherwise be checked
  // on the primary one, which is not necessarily the one RDP arrives on.
  body["targetNicResourceId"] = nic.nic_id;
  body["direction"] = "Inbound";
  body["protocol"] = "TCP";
  body["localPort"] = std::to_string(in.port);
  body["remotePort"] = "60000";
  body["localIPAddress"] = nic.private_ip;
  body["remoteIPAddress"] = in.client_ip;
  ArmResponse flow =
      reader.watcher_action("ipFlowVerify", boost::json::serialize(body), "IP flow verify");
  if (!flow.ok()) return from_failure(flow, "IP flow verify");
  const std::string access = lower(str(at(flow.body, {"access"})));
  if (access != "allow" && access != "deny")
    return ProbeResult::failed("IP flow verify gave no access verdict" + flow.request_id_note());
  const std::string rule = str(at(flow.body, {"ruleName"}));
  ProbeResult r = value(access,
                        "IP flow verify " + in.client_ip + " -> " + nic.private_ip + ":" +
                            std::to_string(in.port) + ": " + str(at(flow.body, {"access"})) +
                            (rule.empty() ? "" : " by " + rule),
                        flow);
  r.fields["nic"] = nic.nic_name;
  if (!rule.empty()) {
    ArmResponse nsgs = reader.effective_nsgs(nic.nic_id);
    if (nsgs.ok()) {
      locate_deciding_rule(rule, access, nsgs.body,
                           str(at(nic.nic.body, {"properties", "networkSecurityGroup", "id"})), &r);
    } else {
      r.reason += "; the deciding rule's NSG is unknown: " + with_request_id(nsgs);
    }
  }
  return r;
}

ProbeResult next_hop_probe(VmReader& reader, const ProbeInputs& in) {
  ArmResponse vm, failure;
  if (auto stop = watcher_blocker(reader, &vm)) return *stop;
  if (in.client_ip.empty())
    return ProbeResult::unavailable("next hop needs the client's address (context client_ip)");
  NicView nic = reader.nic(&failure);
  if (nic.nic_id.empty() || !nic.nic.ok()) return nic_failure(failure);
  boost::json::object body;
  body["targetResourceId"] =
      str(at(vm.body, {"id"})).empty() ? reader.ref().id() : str(at(vm.body, {"id"}));
  body["sourceIPAddress"] = nic.private_ip;
  body["destinationIPAddress"] = in.client_ip;
  body["targetNicResourceId"] = nic.nic_id;
  ArmResponse hop = reader.watcher_action("nextHop", boost::json::serialize(body), "next hop");
  if (!hop.ok()) return from_failure(hop, "next hop");
  const std::string type = str(at(hop.body, {"nextHopType"}));
  // Network Watcher's NextHopType enum. HyperNetGateway (a gateway of the
  // classic HyperNet kind) is a gateway on the way out as
  // VirtualNetworkGateway is, so it answers as that; the field keeps the
  // type ARM named.
  static const std::pair<const char*, const char*> kKnown[] = {
      {"Internet", "Internet"},
      {"VirtualAppliance", "VirtualAppliance"},
      {"VnetLocal", "VnetLocal"},
      {"VirtualNetworkGateway", "VirtualNetworkGateway"},
      {"HyperNetGateway", "VirtualNetworkGateway"},
      {"None", "None"}};
  std::string known, named;
  for (const auto& [arm_type, answer] : kKnown)
    if (lower(arm_type) == lower(type)) {
      known = answer;
      named = arm_type;
    }
  if (known.empty())
    return ProbeResult::failed("next hop type \"" + type + "\" is outside what the rules know" +
                               hop.request_id_note());
  const std::string ip = str(at(hop.body, {"nextHopIpAddress"}));
  // "System Route" for Azure's own routes; a route table's id for a user
  // route, whose name and resource group a fix needs.
  const std::string table_id = str(at(hop.body, {"routeTableId"}));
  const bool user_route = safe_arm_id(table_id);
  const std::string table = user_route ? last_segment(table_id) : table_id;
  ProbeResult r = value(known,
                        "next hop " + nic.private_ip + " -> " + in.client_ip + ": " + named +
                            (ip.empty() ? "" : " " + ip) + (table.empty() ? "" : " via " + table),
                        hop);
  r.fields["next_hop_type"] = named;
  if (!ip.empty()) r.fields["next_hop_ip"] = ip;
  if (user_route) {
    r.fields["route_table"] = table;
    r.fields["route_table_resource_group"] = id_segment(table_id, "resourceGroups");
  }
  return r;
}

ProbeResult connectivity_probe(VmReader& reader, const ProbeInputs& in) {
  ArmResponse vm;
  if (auto stop = watcher_blocker(reader, &vm)) return *stop;
  if (in.connectivity_source.empty())
    return ProbeResult::unavailable(
        "a connectivity check runs from a VM in Azure: name one (a VM name or id) in the "
        "context key connectivity_source");
  std::string source = in.connectivity_source;
  if (source.front() != '/')
    source = reader.ref().resource_group_path() + "/providers/Microsoft.Compute/virtualMachines/" +
             source;
  if (!safe_arm_id(source))
    return ProbeResult::failed("connectivity_source is neither a VM name nor a VM id");
  boost::json::object body, src, dst;
  src["resourceId"] = source;
  dst["resourceId"] =
      str(at(vm.body, {"id"})).empty() ? reader.ref().id() : str(at(vm.body, {"id"}));
  dst["port"] = in.port;
  body["source"] = std::move(src);
  body["destination"] = std::move(dst);
  body["protocol"] = "Tcp";
  ArmResponse check = reader.watcher_action("connectivityCheck", boost::json::serialize(body),
                                            "connectivity check");
  if (!check.ok()) return from_failure(check, "connectivity check");
  const std::string status = str(at(check.body, {"connectionStatus"}));
  std::string first_issue, issue_context;
  if (const boost::json::array* hops = arr(at(check.body, {"hops"})))
    for (const auto& hop : *hops) {
      if (const boost::json::array* issues = arr(at(hop, {"issues"})))
        for (const auto& issue : *issues)
          if (first_issue.empty()) {
            first_issue = str(at(issue, {"type"}));
            issue_context = str(at(hop, {"address"}));
          }
    }
  const std::string detail =
      "connectivity check from " + last_segment(source) + ": " + status +
      (first_issue.empty() ? ""
                           : ", first issue " + first_issue +
                                 (issue_context.empty() ? "" : " at " + issue_context));
  static const std::map<std::string, std::string> kIssues = {
      {"networksecurityrule", "network_security_rule"},
      {"userdefinedroute", "user_defined_route"},
      {"guestfirewall", "guest_firewall"},
      {"socketbind", "socket_bind"},
      {"platform", "platform"}};
  const std::string s = lower(status);
  if (lower(first_issue) == "agentstopped")
    return ProbeResult::unavailable("the Network Watcher agent on " + last_segment(source) +
                                    " is stopped" + check.request_id_note());
  if (!first_issue.empty()) {
    auto it = kIssues.find(lower(first_issue));
    if (it != kIssues.end()) return value(it->second, detail, check);
  }
  if (s == "connected" || s == "reachable") return value("reachable", detail, check);
  if (s == "disconnected" || s == "unreachable" || s == "degraded")
    return value("unreachable", detail, check);
  return ProbeResult::failed("the connectivity check could not tell (" + detail + ")" +
                             check.request_id_note());
}

// ---------------------------------------------------------------- boot diagnostics

ProbeResult screenshot_probe(VmReader& reader, const ProbeInputs& in) {
  ArmResponse vm;
  if (auto stop = need_vm(reader, &vm)) return *stop;
  if (!boolean(at(vm.body, {"properties", "diagnosticsProfile", "bootDiagnostics", "enabled"}))
           .value_or(false))
    return ProbeResult::unavailable("boot diagnostics are disabled");
  ArmResponse uris = reader.boot_diagnostics_uris();
  if (!uris.ok()) return from_failure(uris, "retrieveBootDiagnosticsData");
  const std::string screenshot = str(at(uris.body, {"consoleScreenshotBlobUri"}));
  const std::string serial = str(at(uris.body, {"serialConsoleLogBlobUri"}));
  std::string serial_note;
  if (!serial.empty() && lower(serial).rfind("https://", 0) != 0) {
    // A SAS URI carries its signature in the query: never over plain HTTP.
    serial_note = "; the serial log URI is not https, so it was not read";
  } else if (!serial.empty() && in.blob_http != nullptr) {
    ArmResponse log = reader.cached("serial_log", [&] {
      HttpRequest req;
      req.url = serial;
      req.deadline = reader.deadline();
      req.cancelled = reader.stop();
      req.tail_bytes = in.serial_log_tail_bytes;
      HttpResponse r = in.blob_http->send(req);
      ArmResponse out;
      out.status = r.status;
      if (!r.transported() || r.status != 200) {
        out.kind = ArmResponse::Kind::kTransport;
        out.message = r.transported() ? "HTTP " + std::to_string(r.status) : r.error;
        return out;
      }
      out.kind = ArmResponse::Kind::kOk;
      out.body = boost::json::string(r.body);
      return out;
    });
    if (log.ok() && log.body.is_string()) {
      std::string text(log.body.get_string());
      // The last few non-empty lines say how far the boot got.
      std::vector<std::string> lines;
      std::size_t start = 0;
      while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? end : end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) lines.push_back(line.substr(0, 200));
        if (end == std::string::npos) break;
        start = end + 1;
      }
      std::string last;
      for (std::size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
        last += (last.empty() ? "" : " | ") + lines[i];
      serial_note = "; the serial log (" + std::to_string(text.size()) +
                    " bytes read) ends: " + (last.empty() ? "(empty)" : last);
    } else {
      serial_note = "; the serial log could not be read: " + log.message;
    }
  }
  // A screenshot is a picture; classifying it is left to a person or
  // another adapter. The URI (without its SAS signature) stays as evidence.
  return ProbeResult::unavailable(
      "the boot screenshot needs a person to look at it: " +
      (screenshot.empty() ? std::string("no screenshot URI") : url_without_query(screenshot)) +
      serial_note + uris.request_id_note());
}

const std::map<std::string, Answer, std::less<>>& answers() {
  static const std::map<std::string, Answer, std::less<>> kAnswers = {
      {"azure.power_state", power_state_probe},
      {"azure.deployment_model", deployment_model_probe},
      {"azure.resource_health", resource_health_probe},
      {"azure.public_ip_present", public_ip_present_probe},
      {"azure.public_ip_address", public_ip_address_probe},
      {"azure.public_ip_allocation", public_ip_allocation_probe},
      {"azure.private_ip", private_ip_probe},
      {"azure.jit_enabled",
       [](VmReader& r, const ProbeInputs& in) { return jit_probe(r, in, false); }},
      {"azure.jit_access_active",
       [](VmReader& r, const ProbeInputs& in) { return jit_probe(r, in, true); }},
      {"azure.vm_agent_status", vm_agent_probe},
      {"azure.boot_diagnostics_enabled", boot_diagnostics_enabled_probe},
      {"azure.computer_name", computer_name_probe},
      {"azure.entra_vm_login_role", entra_login_role_probe},
      {"bootdiag.screenshot", screenshot_probe},
      {"metrics.cpu_pct",
       [](VmReader& r, const ProbeInputs&) { return metric_probe(r, "Percentage CPU", 1); }},
      {"metrics.available_memory_mb",
       [](VmReader& r, const ProbeInputs&) {
         return metric_probe(r, "Available Memory Bytes", 1.0 / (1024 * 1024));
       }},
      {"metrics.os_disk_busy_pct",
       [](VmReader& r, const ProbeInputs&) {
         return metric_probe(r, "OS Disk IOPS Consumed Percentage", 1);
       }},
      {"netwatch.ip_flow_inbound", ip_flow_probe},
      {"netwatch.next_hop", next_hop_probe},
      {"netwatch.connection_troubleshoot", connectivity_probe},
  };
  return kAnswers;
}

}  // namespace

void locate_deciding_rule(const std::string& rule_name, const std::string& access,
                          const boost::json::value& effective, const std::string& nic_nsg_id,
                          ProbeResult* result) {
  const std::string want = lower(bare_rule_name(rule_name));
  const std::string nic_nsg = lower(nic_nsg_id);
  struct Match {
    const boost::json::value* group;
    const boost::json::value* rule;
    std::string scope;
  };
  std::vector<Match> matches;
  const boost::json::array* groups = arr(at(effective, {"value"}));
  if (groups == nullptr) return;
  for (const auto& g : *groups) {
    // Only two NSGs apply to a NIC: its own and its subnet's. The NIC's own
    // is the one the NIC resource names; every other group is the
    // subnet's. ("association" cannot tell: the published shape lists the
    // subnet and the network interface together in every entry.) One NSG
    // attached to both is labelled "nic"; a fix edits that same NSG.
    const std::string nsg_id = lower(str(at(g, {"networkSecurityGroup", "id"})));
    const std::string scope = !nic_nsg.empty() && nsg_id == nic_nsg ? "nic" : "subnet";
    if (const boost::json::array* rules = arr(at(g, {"effectiveSecurityRules"})))
      for (const auto& r : *rules)
        if (lower(str(at(r, {"direction"}))) == "inbound" &&
            lower(bare_rule_name(str(at(r, {"name"})))) == want)
          matches.push_back({&g, &r, scope});
  }
  if (matches.empty()) return;
  // Inbound traffic meets the subnet NSG first: a deny there decides; an
  // allow is decided last by the NIC's.
  const Match* best = &matches.front();
  for (const Match& m : matches) {
    const bool same_access = lower(str(at(m.rule, {"access"}))) == access;
    const bool best_same = lower(str(at(best->rule, {"access"}))) == access;
    if (same_access && !best_same) best = &m;
    if (same_access == best_same && m.scope != best->scope)
      if ((access == "deny" && m.scope == "subnet") || (access == "allow" && m.scope == "nic"))
        best = &m;
  }
  const std::string nsg_id = str(at(best->group, {"networkSecurityGroup", "id"}));
  auto& f = result->fields;
  f["rule"] = bare_rule_name(str(at(best->rule, {"name"})));
  f["priority"] = integer_text(at(best->rule, {"priority"}));
  if (!nsg_id.empty()) {
    f["nsg"] = last_segment(nsg_id);
    f["nsg_resource_group"] = id_segment(nsg_id, "resourceGroups");
  }
  f["nsg_scope"] = best->scope;
  // That NSG's own inbound rules (not Azure's defaults): the priorities
  // they hold and their names, which a new rule must avoid. A rule with
  // several port ranges is listed once per range: names are kept once.
  std::set<long long> in_use;
  std::vector<std::string> names;
  if (const boost::json::array* rules = arr(at(best->group, {"effectiveSecurityRules"})))
    for (const auto& r : *rules) {
      if (lower(str(at(r, {"direction"}))) != "inbound" ||
          lower(str(at(r, {"name"}))).rfind("defaultsecurityrules/", 0) == 0)
        continue;
      if (auto p = num(at(r, {"priority"})); p && *p >= 0 && *p <= 65535)
        in_use.insert(std::llround(*p));
      const std::string name = bare_rule_name(str(at(r, {"name"})));
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
    }
  std::string list, name_list;
  for (long long p : in_use) list += (list.empty() ? "" : ",") + std::to_string(p);
  for (const std::string& n : names) name_list += (name_list.empty() ? "" : ",") + n;
  f["nsg_priorities_in_use"] = list;
  f["nsg_rule_names"] = name_list;
}

ProbeResult answer_probe(const std::string& probe_id, VmReader& reader, const ProbeInputs& in) {
  if (probe_id.rfind("guest.", 0) == 0) {
    if (!in.run_command_enabled)
      return ProbeResult::unavailable("Run Command is turned off in the adapter's options");
    // Run Command is an action of Microsoft.Compute VMs; a classic VM has
    // none, so its guest is read another way (the serial console).
    if (ArmResponse vm = reader.vm();
        vm.kind == ArmResponse::Kind::kNotFound && reader.classic_vm().ok())
      return ProbeResult::unavailable(
          "a classic (cloud service) VM: Run Command runs only on Resource Manager "
          "(Microsoft.Compute) VMs");
    return guest_fact(reader, in.run_command, probe_id.substr(6));
  }
  auto it = answers().find(probe_id);
  if (it == answers().end()) return ProbeResult::unavailable("not observable through ARM");
  return it->second(reader, in);
}

const std::vector<std::string>& mapped_probes() {
  static const std::vector<std::string> kIds = [] {
    std::vector<std::string> ids;
    for (const auto& [id, fn] : answers()) ids.push_back(id);
    ids.push_back("guest.*");
    return ids;
  }();
  return kIds;
}

}  // namespace rdptriage::internal::azure
