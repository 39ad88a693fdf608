// The world as probes see it. Each answer is what the real channel would
// return for this estate; nothing here names a fault.
#include <algorithm>
#include <functional>
#include <map>

#include "json/json_document.h"
#include "rdptriage/world.h"
#include "world/nsg_evaluator.h"
#include "world/playout.h"
#include "world/world_loader.h"

namespace rdptriage {
namespace internal::world {
namespace {

using Answer = std::function<ProbeResult(const WorldModel&, const Outcome&)>;

ProbeResult v(bool b) { return ProbeResult::value_of(b); }
ProbeResult v(double d) { return ProbeResult::value_of(d); }
ProbeResult v(int i) { return ProbeResult::value_of(static_cast<double>(i)); }
ProbeResult v(std::string s) { return ProbeResult::value_of(std::move(s)); }
ProbeResult v(const char* s) { return ProbeResult::value_of(std::string(s)); }

bool running(const WorldModel& w) {
  return w.vm.power_state == "running" && w.vm.boot == "healthy";
}

// Why a channel cannot run in this world, or empty when it can.
std::string channel_blocker(const std::string& id, const WorldModel& w) {
  const bool up = running(w);
  if (id.rfind("guest.", 0) == 0) {
    if (!up) return "the VM is not running, so Run Command cannot reach the guest";
    if (w.vm.guest.agent != "ready")
      return "the VM agent is unresponsive, so Run Command cannot run";
  } else if (id.rfind("serial.", 0) == 0) {
    if (!w.vm.boot_diagnostics)
      return "boot diagnostics are disabled, so there is no serial console";
    if (!up) return "the VM is not running, so the serial console has no guest to talk to";
  } else if (id.rfind("bootdiag.", 0) == 0) {
    if (!w.vm.boot_diagnostics) return "boot diagnostics are disabled";
    if (w.vm.power_state != "running") return "the VM is not running, so there is no screenshot";
  } else if (id.rfind("metrics.", 0) == 0) {
    if (w.vm.power_state != "running") return "the VM is not running, so no recent metrics exist";
  } else if (id.rfind("netwatch.", 0) == 0) {
    if (w.vm.deployment != "arm") return "Network Watcher needs a Resource Manager VM";
    if (w.vm.power_state != "running") return "Network Watcher needs the VM running";
  }
  return {};
}

// A copy of the world with the user's question applied, played out.
bool works_with(const WorldModel& w, const std::function<void(WorldModel&)>& change) {
  WorldModel copy = w;
  change(copy);
  return play(copy).ok();
}

const Account* other_admin(const WorldModel& w, const std::string& typed) {
  for (const Account& a : w.vm.guest.local_accounts)
    if (a.name != typed && a.rdp_rights && !a.disabled && !a.locked_out && !a.password_expired)
      return &a;
  return nullptr;
}

std::string tcp_answer(const Outcome& o) { return o.tcp == "none" ? "" : o.tcp; }

ProbeResult with(ProbeResult r, std::map<std::string, std::string, std::less<>> fields) {
  r.fields = std::move(fields);
  return r;
}

// Inbound custom rules of one NSG: priorities and names, comma-separated.
std::pair<std::string, std::string> inbound_rules(const std::vector<SecurityRule>& rules) {
  std::vector<int> priorities;
  std::string names;
  for (const SecurityRule& r : rules) {
    if (!r.inbound) continue;
    priorities.push_back(r.priority);
    names += (names.empty() ? "" : ",") + r.name;
  }
  std::sort(priorities.begin(), priorities.end());
  std::string list;
  for (int p : priorities) list += (list.empty() ? "" : ",") + std::to_string(p);
  return {list, names};
}

// IP flow verify as an adapter reports it: access, the deciding rule, and
// the NSG that holds it with what a fix needs to add a rule there.
ProbeResult ip_flow(const WorldModel& w) {
  NsgVerdict n = client_flow_verdict(w);
  ProbeResult r = ProbeResult::value_of(std::string(n.allowed ? "allow" : "deny"), n.describe());
  r.fields["port"] = std::to_string(arriving_port(w));
  r.fields["nic"] = w.vm.nic_name;
  if (n.nsg != "subnet" && n.nsg != "nic") return r;
  const auto& rules = n.nsg == "subnet" ? *w.vm.nsg_subnet : *w.vm.nsg_nic;
  auto [priorities, names] = inbound_rules(rules);
  r.fields["rule"] = n.rule;
  r.fields["priority"] = std::to_string(n.priority);
  r.fields["nsg"] = n.nsg == "subnet" ? w.vm.nsg_subnet_name : w.vm.nsg_nic_name;
  r.fields["nsg_scope"] = n.nsg;
  r.fields["nsg_resource_group"] = w.vm.nsg_resource_group;
  r.fields["nsg_priorities_in_use"] = priorities;
  r.fields["nsg_rule_names"] = names;
  return r;
}

// Connection troubleshoot from another VM in the virtual network to the
// VM's RDP port: what stops it first on the way to the listener.
std::string connection_troubleshoot(const WorldModel& w) {
  const Guest& g = w.vm.guest;
  std::uint32_t a;
  int bits;
  std::string source = "10.0.0.250";
  if (parse_ipv4_prefix(w.vm.private_ip, &a, &bits))
    source = std::to_string((a >> 24) & 255) + "." + std::to_string((a >> 16) & 255) + "." +
             std::to_string((a >> 8) & 255) + ".250";
  Flow flow{"Tcp", source, w.vm.private_ip, arriving_port(w)};
  if (!evaluate_inbound(w.vm.nsg_subnet, w.vm.nsg_nic, flow, w.vm.vnet_prefixes).allowed)
    return "network_security_rule";
  if (w.vm.platform_health != "available") return "platform";
  if (g.security_software_blocks_rdp ||
      (g.firewall_enabled && (!g.firewall_rdp_rule_enabled || g.firewall_outbound_blocks_rdp)))
    return "guest_firewall";
  if (rdp_denied(g) || g.termservice != "running" || g.rdp_port != arriving_port(w))
    return "socket_bind";
  return "reachable";
}

const std::map<std::string, Answer, std::less<>>& answers() {
  static const std::map<std::string, Answer, std::less<>> kAnswers = [] {
    std::map<std::string, Answer, std::less<>> a;
    const auto& G = [](const WorldModel& w) -> const Guest& { return w.vm.guest; };
    // The client's own view.
    a["client.location"] = [](auto& w, auto&) { return v(w.client.location); };
    a["client.dial_host_kind"] = [](auto& w, auto&) {
      std::uint32_t address;
      int bits;
      bool ip = w.client.dial_host.find('/') == std::string::npos &&
                parse_ipv4_prefix(w.client.dial_host, &address, &bits);
      return v(ip ? "ip" : "name");
    };
    a["client.name_resolution"] = [](auto&, auto& o) { return v(o.resolves ? "ok" : "nxdomain"); };
    a["client.dialed_address"] = [](auto&, auto& o) {
      return o.resolves ? v(o.dialed_address) : ProbeResult::failed("the name does not resolve");
    };
    a["client.dial_port"] = [](auto& w, auto&) { return v(w.client.dial_port); };
    a["client.tcp_connect"] = [](auto&, auto& o) {
      std::string t = tcp_answer(o);
      return t.empty() ? ProbeResult::failed("nothing to connect to: the name does not resolve")
                       : v(t);
    };
    a["client.credssp_patched"] = [](auto& w, auto&) { return v(w.client.credssp_patched); };
    a["client.credssp_encryption_oracle"] = [](auto& w, auto&) {
      return v(w.client.credssp_encryption_oracle);
    };
    a["client.max_encryption_level"] = [](auto& w, auto&) {
      return v(w.client.max_encryption_level);
    };
    a["client.tls12_supported"] = [](auto& w, auto&) { return v(w.client.tls12); };
    a["client.user_authority"] = [](auto& w, auto&) {
      AccountLookup who = lookup_account(w);
      ProbeResult r = with(v(who.authority), {{"user", who.name}});
      // A name typed as name@domain (or AzureAD\name@domain) is a UPN.
      const std::string& typed = w.client.user;
      if (typed.find('@') != std::string::npos)
        r.fields["upn"] = typed.find('\\') != std::string::npos ? who.name : typed;
      return r;
    };
    // Control plane.
    // What `rdptriage probe` sees from the client once TCP opens: the
    // listener's negotiation answer, the TLS handshake and the certificate.
    // TCP opens only when the connection got past the listener stage.
    const auto listener_answers = [](const Outcome& o) { return o.tcp == "open"; };
    const auto no_listener = [](const Outcome& o) {
      return ProbeResult::failed(
          "no TCP connection to negotiate over (" +
          (o.tcp == "none" ? std::string("the name does not resolve") : o.tcp) + ")");
    };
    a["client.rdp_negotiation"] = [G, listener_answers, no_listener](auto& w, auto& o) {
      if (!listener_answers(o)) return no_listener(o);
      return v(G(w).certificate != "valid" ? "failure" : "response");
    };
    a["client.rdp_selected_protocol"] = [G, listener_answers, no_listener](auto& w, auto& o) {
      if (!listener_answers(o)) return no_listener(o);
      if (G(w).certificate != "valid")
        return ProbeResult::failed("the server selected nothing (failure)");
      return v(G(w).nla ? "hybrid" : "ssl");
    };
    a["client.nla_required"] = [G, listener_answers, no_listener](auto& w, auto& o) {
      if (!listener_answers(o)) return no_listener(o);
      return v(G(w).nla);
    };
    // The handshake fails on a broken certificate or with every TLS version
    // off; encryption level, FIPS and CredSSP fail after it.
    a["client.tls_handshake"] = [listener_answers, no_listener](auto&, auto& o) {
      if (!listener_answers(o)) return no_listener(o);
      const bool broken = o.failed_at == Reached::kChannel &&
                          (o.step == "certificate" || o.step == "tls") && !o.ok();
      return v(broken ? "failed" : "ok");
    };
    a["client.tls_certificate_state"] = [G, listener_answers, no_listener](auto& w, auto& o) {
      if (!listener_answers(o)) return no_listener(o);
      if (G(w).certificate != "valid") return ProbeResult::failed("no certificate was presented");
      return v("valid");
    };
    a["client.rdp_certificate_name"] = [G, listener_answers, no_listener](auto& w, auto& o) {
      if (!listener_answers(o)) return no_listener(o);
      if (G(w).certificate != "valid") return ProbeResult::failed("no certificate was presented");
      return v(G(w).computer_name);
    };
    a["client.rdp_negotiation_failure"] = [G](auto& w, auto& o) {
      if (!o.ok() && o.failed_at < Reached::kChannel)
        return ProbeResult::failed("the connection never reached an RDP listener");
      return v(G(w).certificate != "valid" ? "ssl_cert_not_on_server" : "none");
    };
    a["azure.power_state"] = [](auto& w, auto&) { return v(w.vm.power_state); };
    a["azure.deployment_model"] = [](auto& w, auto&) { return v(w.vm.deployment); };
    a["azure.resource_health"] = [](auto& w, auto&) { return v(w.vm.platform_health); };
    a["azure.public_ip_present"] = [](auto& w, auto&) {
      std::map<std::string, std::string, std::less<>> f = {{"nic", w.vm.nic_name},
                                                           {"ip_config", w.vm.ip_config}};
      if (w.vm.public_ip) f["public_ip_name"] = w.vm.public_ip_name;
      return with(v(w.vm.public_ip.has_value()), std::move(f));
    };
    a["azure.public_ip_address"] = [](auto& w, auto&) {
      return w.vm.public_ip ? with(v(*w.vm.public_ip), {{"public_ip_name", w.vm.public_ip_name},
                                                        {"nic", w.vm.nic_name},
                                                        {"ip_config", w.vm.ip_config}})
                            : ProbeResult::failed("no public IP attached");
    };
    a["azure.lb_nat_frontend"] = [](auto& w, auto&) {
      if (!dials_lb_nat(w)) return v(false);
      const LbNat& n = *w.vm.lb_nat;
      return with(v(true), {{"load_balancer", n.load_balancer},
                            {"nat_rule", n.rule},
                            {"frontend_ip", n.frontend_ip},
                            {"frontend_port", std::to_string(n.frontend_port)},
                            {"backend_port", std::to_string(n.backend_port)}});
    };
    a["azure.lb_nat_backend_port"] = [](auto& w, auto&) {
      return dials_lb_nat(w) ? v(w.vm.lb_nat->backend_port)
                             : ProbeResult::failed("the client does not dial a load balancer");
    };
    a["azure.public_ip_allocation"] = [](auto& w, auto&) {
      return w.vm.public_ip ? v(w.vm.public_ip_allocation)
                            : ProbeResult::failed("no public IP attached");
    };
    a["azure.private_ip"] = [](auto& w, auto&) { return v(w.vm.private_ip); };
    a["azure.jit_enabled"] = [](auto& w, auto&) { return v(w.vm.jit_enabled); };
    a["azure.jit_access_active"] = [](auto& w, auto&) {
      return v(w.vm.jit_enabled && w.vm.jit_requested_for_source);
    };
    a["azure.classic_endpoint_private_port"] = [](auto& w, auto&) {
      return w.vm.deployment == "classic" ? v(w.vm.classic_private_port)
                                          : ProbeResult::unavailable("not a classic VM");
    };
    a["azure.classic_endpoint_acl_permits"] = [](auto& w, auto&) {
      return w.vm.deployment == "classic" ? v(w.vm.classic_acl_permits)
                                          : ProbeResult::unavailable("not a classic VM");
    };
    // The agent reports Ready only from a guest that booted and runs.
    a["azure.vm_agent_status"] = [G](auto& w, auto&) {
      return v(running(w) ? G(w).agent : std::string("unresponsive"));
    };
    a["azure.boot_diagnostics_enabled"] = [](auto& w, auto&) { return v(w.vm.boot_diagnostics); };
    a["azure.computer_name"] = [G](auto& w, auto&) { return v(G(w).computer_name); };
    a["azure.appliance_allows_rdp"] = [](auto& w, auto&) {
      return v(w.vm.next_hop != "VirtualAppliance" || w.vm.appliance_allows_rdp);
    };
    a["azure.signin_blocked_by_conditional_access"] = [G](auto& w, auto&) {
      return v(G(w).domain && G(w).domain->conditional_access_blocks_rdp);
    };
    // Entra ID sign-in, answered for the account the client types.
    a["azure.entra_vm_login_role"] = [](auto& w, auto&) {
      AccountLookup who = lookup_account(w);
      if (who.kind != AccountLookup::kEntra) return v("not_entra");
      return v(who.entra ? who.entra->vm_login_role : std::string("none"));
    };
    a["azure.entra_per_user_mfa"] = [](auto& w, auto&) {
      AccountLookup who = lookup_account(w);
      if (who.kind != AccountLookup::kEntra) return v("not_entra");
      return v(who.entra ? who.entra->per_user_mfa : std::string("disabled"));
    };
    a["user.rdp_file_has_load_balance_info"] = [](auto& w, auto&) {
      return v(w.client.rdp_load_balance_info);
    };
    a["user.client_offers_nla"] = [](auto& w, auto&) { return v(w.client.nla); };
    a["bootdiag.screenshot"] = [](auto& w, auto&) {
      return v(w.vm.boot == "healthy" ? "sign_in_screen" : w.vm.boot);
    };
    a["metrics.cpu_pct"] = [](auto& w, auto&) { return v(w.vm.cpu_pct); };
    a["metrics.available_memory_mb"] = [](auto& w, auto&) { return v(w.vm.available_memory_mb); };
    a["metrics.os_disk_busy_pct"] = [](auto& w, auto&) { return v(w.vm.os_disk_busy_pct); };
    // Network Watcher.
    a["netwatch.ip_flow_inbound"] = [](auto& w, auto&) { return ip_flow(w); };
    a["netwatch.next_hop"] = [](auto& w, auto&) {
      ProbeResult r = v(w.vm.next_hop);
      r.fields["next_hop_type"] = w.vm.next_hop;
      if (w.vm.next_hop == "VirtualAppliance") {
        r.fields["next_hop_ip"] = w.vm.next_hop_ip;
        r.fields["route_table"] = w.vm.route_table;
        r.fields["route_table_resource_group"] = w.vm.route_table_resource_group;
      }
      return r;
    };
    a["netwatch.return_path_symmetric"] = [](auto& w, auto&) {
      return v(w.vm.return_path_symmetric);
    };
    a["netwatch.connection_troubleshoot"] = [](auto& w, auto&) {
      return v(connection_troubleshoot(w));
    };
    // The guest, through Run Command; the serial console reads the same facts.
    std::map<std::string, Answer> guest;
    guest["termservice_state"] = [G](auto& w, auto&) { return v(G(w).termservice); };
    guest["firewall_enabled"] = [G](auto& w, auto&) { return v(G(w).firewall_enabled); };
    guest["firewall_rdp_rule_enabled"] = [G](auto& w, auto&) {
      return v(G(w).firewall_rdp_rule_enabled);
    };
    guest["firewall_outbound_blocks_rdp"] = [G](auto& w, auto&) {
      return v(G(w).firewall_outbound_blocks_rdp);
    };
    guest["security_software_blocks_rdp"] = [G](auto& w, auto&) {
      return v(G(w).security_software_blocks_rdp);
    };
    guest["rdp_deny_connections"] = [G](auto& w, auto&) { return v(G(w).deny_connections); };
    guest["rdp_deny_policy"] = [G](auto& w, auto&) { return v(G(w).deny_connections_policy); };
    guest["rdp_port"] = [G](auto& w, auto&) { return v(G(w).rdp_port); };
    guest["rdp_listener_certificate"] = [G](auto& w, auto&) { return v(G(w).certificate); };
    guest["rdsh_licensing_state"] = [G](auto& w, auto&) {
      if (!G(w).rdsh_installed) return v("not_installed");
      return with(v(G(w).rdsh_licensing),
                  {{"grace_days_left", G(w).rdsh_licensing == "grace_expired" ? "0" : "95"}});
    };
    guest["min_encryption_level"] = [G](auto& w, auto&) { return v(G(w).min_encryption_level); };
    guest["schannel_tls1_0_server_enabled"] = [G](auto& w, auto&) { return v(G(w).tls1_0); };
    guest["schannel_tls1_1_server_enabled"] = [G](auto& w, auto&) { return v(G(w).tls1_1); };
    guest["schannel_tls1_2_server_enabled"] = [G](auto& w, auto&) { return v(G(w).tls1_2); };
    guest["lsa_fips_enabled"] = [G](auto& w, auto&) { return v(G(w).fips); };
    guest["lsa_disable_domain_creds"] = [G](auto& w, auto&) {
      return v(G(w).disable_domain_creds);
    };
    guest["credssp_patched"] = [G](auto& w, auto&) { return v(G(w).credssp_patched); };
    guest["credssp_encryption_oracle"] = [G](auto& w, auto&) {
      return v(G(w).credssp_encryption_oracle);
    };
    guest["is_domain_controller"] = [G](auto& w, auto&) { return v(G(w).is_domain_controller); };
    guest["domain_netbios_name"] = [G](auto& w, auto&) {
      return v(G(w).domain ? G(w).domain->name : "");
    };
    guest["domain_dns_name"] = [G](auto& w, auto&) {
      return v(G(w).domain ? G(w).domain->dns_name : "");
    };
    guest["domain_controller_status"] = [G](auto& w, auto&) {
      if (!G(w).domain) return v("not_joined");
      if (!G(w).domain->dc_reachable) return v("unreachable");
      std::string dc = G(w).domain->dc_name + "." + G(w).domain->dns_name;
      if (G(w).domain->dns_name.empty()) dc = G(w).domain->dc_name;
      return with(v(G(w).domain->dc_healthy ? "healthy" : "unhealthy"), {{"dc", dc}});
    };
    guest["secure_channel"] = [G](auto& w, auto&) {
      return v(G(w).domain ? G(w).domain->secure_channel : std::string("not_joined"));
    };
    guest["account_state"] = [](auto& w, auto&) {
      AccountLookup who = lookup_account(w);
      if (who.account == nullptr) return v("not_found");
      if (who.account->password_expired) return v("password_expired");
      if (who.account->locked_out) return v("locked_out");
      if (who.account->disabled) return v("disabled");
      return v("ok");
    };
    guest["account_rdp_rights"] = [](auto& w, auto&) {
      AccountLookup who = lookup_account(w);
      return who.account ? v(who.account->rdp_rights)
                         : ProbeResult::failed("no such account on the VM");
    };
    guest["last_logon_failure_status"] = [](auto&, auto& o) { return v(o.logon_failure); };
    guest["last_logon_failure_domain"] = [](auto&, auto& o) {
      return v(o.logon_failure == "none" ? std::string() : o.logon_failure_domain);
    };
    guest["rd_connection_broker_installed"] = [G](auto& w, auto&) {
      return v(G(w).rd_connection_broker);
    };
    guest["rdp_log_last_attempt"] = [](auto&, auto& o) {
      if (o.ok()) return v("session_created");
      switch (o.failed_at) {
        case Reached::kClient:
        case Reached::kNetwork:
        case Reached::kListener:
          return v("none");
        case Reached::kChannel:
        case Reached::kLogon:
          return v("arrived");
        case Reached::kSession:
          return v("session_ended");
      }
      return v("none");
    };
    // The Security log as the client's attempt left it. A world has one
    // client and no history: an attempt that never reached the logon
    // leaves no event for the account. NLA authenticates a connection
    // broker's or an unlicensed host's client (a network logon) before
    // they turn it away, and a full session host before its user picks a
    // session to take over; every other logon failure is a 4625.
    guest["rdp_account_last_logon"] = [](auto&, auto& o) {
      if (o.ok()) return v("signed_in");
      switch (o.failed_at) {
        case Reached::kClient:
        case Reached::kNetwork:
        case Reached::kListener:
        case Reached::kChannel:
          return v("none");
        case Reached::kLogon:
          return v(o.step == "broker" || o.step == "licensing" ? "authenticated" : "failed");
        case Reached::kSession:
          return v(o.step == "session limit" ? "authenticated" : "signed_in");
      }
      return v("none");
    };
    guest["c_free_mb"] = [G](auto& w, auto&) { return v(G(w).c_free_mb); };
    guest["top_process_memory_pct"] = [G](auto& w, auto&) {
      double pct = G(w).top_process_pct.value_or(w.vm.available_memory_mb < 256 ? 88.0 : 12.0);
      return with(v(pct),
                  {{"process", G(w).top_process}, {"pid", std::to_string(G(w).top_process_pid)}});
    };
    guest["windows_update_state"] = [G](auto& w, auto&) {
      return v(G(w).shell == "update_in_progress" ? "installing" : "idle");
    };
    guest["display_driver_errors"] = [G](auto& w, auto&) {
      return v(G(w).shell == "driver_failure");
    };
    guest["user_profile_state"] = [](auto& w, auto&) {
      AccountLookup who = lookup_account(w);
      return who.account ? v(who.account->profile)
                         : ProbeResult::failed("no such account on the VM");
    };
    guest["logoff_policy_active"] = [G](auto& w, auto&) { return v(G(w).logoff_policy); };
    guest["session_limit"] = [G](auto& w, auto&) { return v(G(w).max_sessions); };
    guest["active_sessions"] = [G](auto& w, auto&) {
      // Session 0 is services and 1 the console; RDP sessions follow.
      ProbeResult r = v(static_cast<int>(G(w).signed_in.size()));
      const std::string me = lookup_account(w).name;
      for (std::size_t i = 0; i < G(w).signed_in.size(); ++i) {
        if (G(w).signed_in[i] == me) continue;
        r.fields["session_id"] = std::to_string(i + 2);
        r.fields["session_user"] = G(w).signed_in[i];
        break;
      }
      return r;
    };
    for (const auto& [name, fn] : guest) {
      a["guest." + name] = fn;
      a["serial." + name] = fn;  // only those the rules declare are ever asked
    }
    // Questions for the person: answered by replaying the connection.
    a["user.second_admin_works"] = [](auto& w, auto&) {
      const Account* other = other_admin(w, lookup_account(w).name);
      if (other == nullptr) return v(false);
      std::string user = ".\\" + other->name;
      return v(works_with(w, [&](WorldModel& c) {
        c.client.user = user;
        c.client.password_correct = true;
      }));
    };
    a["user.local_account_works"] = [](auto& w, auto&) {
      const Account* admin = other_admin(w, "");
      if (admin == nullptr || w.vm.guest.is_domain_controller) return v(false);
      std::string user = ".\\" + admin->name;
      return v(works_with(w, [&](WorldModel& c) {
        c.client.user = user;
        c.client.password_correct = true;
      }));
    };
    a["user.rdp_from_vnet_works"] = [](auto& w, auto&) {
      return v(works_with(w, [](WorldModel& c) {
        c.client.location = "vnet";
        c.client.source_ip = "10.0.1.5";
        c.client.dial_host = c.vm.private_ip;
        c.client.local_software_blocks_rdp = c.client.edge_device_blocks_rdp = false;
      }));
    };
    a["user.rdp_to_onprem_works"] = [](auto& w, auto&) {
      return v(!w.client.local_software_blocks_rdp);
    };
    a["user.rdp_from_outside_org_works"] = [](auto& w, auto&) {
      return v(works_with(w, [](WorldModel& c) {
        c.client.local_software_blocks_rdp = c.client.edge_device_blocks_rdp = false;
      }));
    };
    return a;
  }();
  return kAnswers;
}

class WorldAdapter : public ProbeAdapter {
 public:
  explicit WorldAdapter(std::shared_ptr<const WorldModel> w)
      : world_(std::move(w)), outcome_(play(*world_)) {}

  ProbeResult run(const ProbeRequest& request) override {
    auto it = answers().find(request.probe_id);
    if (it == answers().end())
      return ProbeResult::unavailable("the simulated estate has no such probe");
    std::string blocker = channel_blocker(request.probe_id, *world_);
    if (!blocker.empty()) return ProbeResult::unavailable(blocker);
    return it->second(*world_, outcome_);
  }
  std::string name() const override { return "world"; }
  bool may_block() const override { return false; }

 private:
  std::shared_ptr<const WorldModel> world_;
  Outcome outcome_;
};

}  // namespace
}  // namespace internal::world

namespace {
const std::string kEmpty;
}

namespace internal::world {
// Both loaders end here: build the model from a parsed document and play the
// connection out once.
StatusOr<std::shared_ptr<const WorldModel>> model_from(StatusOr<JsonDocument> doc) {
  if (!doc.ok()) return doc.status();
  auto model = build_world(*doc);
  if (!model.ok()) return model.status();
  return std::make_shared<const WorldModel>(std::move(model).value());
}
}  // namespace internal::world

StatusOr<World> World::from_model(
    StatusOr<std::shared_ptr<const internal::world::WorldModel>> model) {
  if (!model.ok()) return model.status();
  World w;
  w.model_ = std::move(model).value();
  w.symptom_ = internal::world::play(*w.model_).symptom;
  return w;
}

StatusOr<World> World::load_string(std::string_view json, std::string_view name,
                                   const WorldOptions& options) {
  return from_model(internal::world::model_from(internal::JsonDocument::parse(
      json, std::string(name), {options.max_file_bytes, options.max_depth})));
}

StatusOr<World> World::load_file(const std::filesystem::path& path, const WorldOptions& options) {
  return from_model(internal::world::model_from(internal::JsonDocument::parse_file(
      path.string(), {options.max_file_bytes, options.max_depth})));
}

const std::string& World::symptom() const { return symptom_; }
const std::string& World::title() const { return model_ ? model_->title : kEmpty; }
const std::string& World::expect_cause() const { return model_ ? model_->expect_cause : kEmpty; }
const std::string& World::expect_layer() const { return model_ ? model_->expect_layer : kEmpty; }
const std::string& World::expect_status() const { return model_ ? model_->expect_status : kEmpty; }

Context World::context() const {
  Context c;
  if (!model_) return c;
  c["resource_group"] = model_->vm.resource_group;
  c["vm"] = model_->vm.name;
  c["port"] = std::to_string(model_->client.dial_port);
  c["client_ip"] = model_->client.source_ip;
  c["private_ip"] = model_->vm.private_ip;
  return c;
}

std::shared_ptr<ProbeAdapter> World::adapter() const {
  return std::make_shared<internal::world::WorldAdapter>(model_);
}

}  // namespace rdptriage
