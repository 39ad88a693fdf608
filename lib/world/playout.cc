#include "world/playout.h"

#include <algorithm>
#include <cctype>

#include "world/nsg_evaluator.h"

namespace rdptriage::internal::world {
namespace {

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_ipv4(const std::string& s) {
  std::uint32_t a;
  int bits;
  return s.find('/') == std::string::npos && parse_ipv4_prefix(s, &a, &bits);
}

Outcome fail(Outcome o, Reached at, std::string symptom, std::string tcp, std::string step) {
  o.failed_at = at;
  o.symptom = std::move(symptom);
  o.tcp = std::move(tcp);
  o.step = std::move(step);
  return o;
}

const Account* find(const std::vector<Account>& accounts, const std::string& name) {
  for (const Account& a : accounts)
    if (iequals(a.name, name)) return &a;
  return nullptr;
}

}  // namespace

AccountLookup lookup_account(const WorldModel& w) {
  const Guest& g = w.vm.guest;
  AccountLookup r;
  const std::string& user = w.client.user;
  std::size_t slash = user.find('\\'), at = user.find('@');
  if (slash != std::string::npos) {
    r.authority = user.substr(0, slash);
    r.name = user.substr(slash + 1);
  } else if (at != std::string::npos) {
    r.authority = user.substr(at + 1);
    r.name = user.substr(0, at);
  } else {
    r.authority = ".";
    r.name = user;
  }
  // An Entra-joined VM: AzureAD\\user@domain, or a UPN of the tenant.
  if (g.entra) {
    std::string upn;
    if (iequals(r.authority, "AzureAD"))
      upn = r.name;
    else if (at != std::string::npos && iequals(r.authority, g.entra->tenant_domain))
      upn = user;
    if (!upn.empty()) {
      static const Account kEntraProfile{"entra"};  // a healthy profile for the session checks
      r.kind = AccountLookup::kEntra;
      r.account = &kEntraProfile;
      for (const EntraAccount& a : g.entra->accounts)
        if (iequals(a.name, upn)) r.entra = &a;
      return r;
    }
  }
  if (r.authority == "." || iequals(r.authority, g.computer_name)) {
    r.kind = AccountLookup::kLocal;
    // A domain controller has no local accounts: promotion converted them.
    r.account = g.is_domain_controller ? nullptr : find(g.local_accounts, r.name);
  } else if (g.domain &&
             (iequals(r.authority, g.domain->name) || iequals(r.authority, g.domain->dns_name))) {
    r.kind = AccountLookup::kDomain;
    r.account = find(g.domain->accounts, r.name);
  } else {
    r.kind = AccountLookup::kUnknownAuthority;
  }
  return r;
}

std::string resolved_dial_address(const WorldModel& w) {
  if (is_ipv4(w.client.dial_host)) return w.client.dial_host;
  auto it = w.client.dns.find(w.client.dial_host);
  return it == w.client.dns.end() ? std::string() : it->second;
}

bool dials_lb_nat(const WorldModel& w) {
  return w.vm.lb_nat && w.client.location == "internet" &&
         resolved_dial_address(w) == w.vm.lb_nat->frontend_ip;
}

int arriving_port(const WorldModel& w) {
  return dials_lb_nat(w) ? w.vm.lb_nat->backend_port : w.client.dial_port;
}

bool rdp_denied(const Guest& g) {
  if (g.deny_connections_policy == "deny") return true;
  if (g.deny_connections_policy == "allow") return false;
  return g.deny_connections;
}

bool credssp_blocked(const WorldModel& w) {
  const Client& c = w.client;
  const Guest& g = w.vm.guest;
  if (!w.vm.guest.nla || c.credssp_patched == g.credssp_patched) return false;
  // Updated server, unpatched client: only "Force updated clients" on the
  // server blocks. Updated client, unpatched server: blocked unless the
  // client is set to "Vulnerable".
  if (g.credssp_patched) return g.credssp_encryption_oracle == "force_updated_clients";
  return c.credssp_encryption_oracle != "vulnerable";
}

NsgVerdict client_flow_verdict(const WorldModel& w) {
  Flow flow{"Tcp", w.client.source_ip, w.vm.private_ip, arriving_port(w)};
  return evaluate_inbound(w.vm.nsg_subnet, w.vm.nsg_nic, flow, w.vm.vnet_prefixes);
}

Outcome play(const WorldModel& w) {
  const Client& c = w.client;
  const Vm& vm = w.vm;
  const Guest& g = vm.guest;
  Outcome o;
  // 1. Client side. The name resolves (or not) before anything on the way
  // can block the connection, so the dialed address is known either way.
  o.dialed_address = c.dial_host;
  if (!is_ipv4(c.dial_host)) {
    auto it = c.dns.find(c.dial_host);
    o.resolves = it != c.dns.end();
    o.dialed_address = o.resolves ? it->second : std::string();
  }
  if (c.local_software_blocks_rdp)
    return fail(o, Reached::kClient, "timeout", "local_error", "local software");
  if (c.edge_device_blocks_rdp)
    return fail(o, Reached::kClient, "timeout", "timeout", "edge device");
  if (!o.resolves) return fail(o, Reached::kClient, "name_not_found", "none", "name resolution");
  const bool via_nat = dials_lb_nat(w);
  const std::string vm_address = c.location == "vnet" ? vm.private_ip : vm.public_ip.value_or("");
  if (via_nat) {
    if (c.dial_port != vm.lb_nat->frontend_port)
      return fail(o, Reached::kClient, "timeout", "timeout", "no NAT rule for the port");
  } else if (vm_address.empty() || o.dialed_address != vm_address) {
    return fail(o, Reached::kClient, "timeout", "timeout", "wrong address");
  }
  // 2. Azure network: every drop here is silent.
  if (vm.power_state != "running" || vm.boot != "healthy")
    return fail(o, Reached::kNetwork, "timeout", "timeout", "vm not running");
  if (vm.platform_health != "available")
    return fail(o, Reached::kNetwork, "timeout", "timeout", "platform");
  if (vm.jit_enabled && !vm.jit_requested_for_source)
    return fail(o, Reached::kNetwork, "timeout", "timeout", "jit");
  int listener_port_reached = arriving_port(w);
  if (vm.deployment == "classic") {
    if (!vm.classic_acl_permits)
      return fail(o, Reached::kNetwork, "timeout", "timeout", "classic acl");
    listener_port_reached = vm.classic_private_port;
  } else if (!client_flow_verdict(w).allowed) {
    return fail(o, Reached::kNetwork, "timeout", "timeout", "nsg");
  }
  if (vm.next_hop == "VirtualAppliance" && !vm.appliance_allows_rdp)
    return fail(o, Reached::kNetwork, "timeout", "timeout", "appliance");
  if (!vm.return_path_symmetric)
    return fail(o, Reached::kNetwork, "timeout", "timeout", "asymmetric route");
  // 3. Guest listener: with Windows Firewall on, a closed port drops silently.
  if (g.security_software_blocks_rdp)
    return fail(o, Reached::kListener, "timeout", "timeout", "security software");
  if (g.firewall_enabled && (!g.firewall_rdp_rule_enabled || g.firewall_outbound_blocks_rdp))
    return fail(o, Reached::kListener, "timeout", "timeout", "guest firewall");
  const bool closed =
      rdp_denied(g) || g.termservice != "running" || g.rdp_port != listener_port_reached;
  if (closed) {
    return g.firewall_enabled ? fail(o, Reached::kListener, "timeout", "timeout", "listener")
                              : fail(o, Reached::kListener, "refused", "refused", "listener");
  }
  // 4. Secure channel, then the account. The security protocol is agreed
  // first: a listener requiring NLA refuses a client that does not offer it
  // (HYBRID_REQUIRED_BY_SERVER) before any TLS.
  if (g.nla && !c.nla)
    return fail(o, Reached::kChannel, "nla_not_offered", "open", "nla not offered");
  if (g.certificate != "valid")
    return fail(o, Reached::kChannel, "security_error", "open", "certificate");
  if (!g.tls1_0 && !g.tls1_1 && !g.tls1_2)
    return fail(o, Reached::kChannel, "security_error", "open", "tls");
  if (g.min_encryption_level > c.max_encryption_level)
    return fail(o, Reached::kChannel, "security_error", "open", "encryption level");
  if (g.fips && c.max_encryption_level < 4)
    return fail(o, Reached::kChannel, "security_error", "open", "fips");
  if (credssp_blocked(w)) return fail(o, Reached::kChannel, "credssp_error", "open", "credssp");
  AccountLookup who = lookup_account(w);
  if (who.kind == AccountLookup::kEntra) {
    // Plain NLA falls back to NTLM, which cannot check an Entra ID account:
    // 4625 with Account Domain AzureAD and 0xC0000064.
    if (c.entra_sign_in == "nla" || who.entra == nullptr) {
      Outcome r = fail(o, Reached::kLogon, "credentials_rejected", "open", "entra over nla");
      r.logon_failure = "0xC0000064";
      r.logon_failure_domain = "AzureAD";
      return r;
    }
    if (who.entra->vm_login_role == "none")
      return fail(o, Reached::kLogon, "not_authorized", "open", "entra role");
    if (who.entra->per_user_mfa != "disabled")
      return fail(o, Reached::kLogon, "credentials_rejected", "open", "per-user mfa");
  }
  if (who.kind == AccountLookup::kUnknownAuthority)
    return fail(o, Reached::kLogon, "lsa_unreachable", "open", "authority");
  if (who.kind == AccountLookup::kDomain) {
    const Domain& d = *g.domain;
    if (!d.dc_reachable || !d.dc_healthy || d.secure_channel != "ok")
      return fail(o, Reached::kLogon, g.nla ? "nla_dc_unreachable" : "credentials_rejected", "open",
                  "domain controller");
    if (g.disable_domain_creds)
      return fail(o, Reached::kLogon, "lsa_unreachable", "open", "domain creds");
    if (d.conditional_access_blocks_rdp)
      return fail(o, Reached::kLogon, "credentials_rejected", "open", "conditional access");
  }
  auto account_failure = [&](const char* code, const char* symptom, const char* step) {
    Outcome r = fail(o, Reached::kLogon, symptom, "open", step);
    r.logon_failure = code;
    r.logon_failure_domain = who.kind == AccountLookup::kLocal   ? g.computer_name
                             : who.kind == AccountLookup::kEntra ? std::string("AzureAD")
                                                                 : who.authority;
    return r;
  };
  if (who.account == nullptr)
    return account_failure("0xC0000064", "credentials_rejected", "no such user");
  if (!c.password_correct) return account_failure("0xC000006A", "credentials_rejected", "password");
  if (who.account->password_expired)
    return account_failure("0xC0000071", "credentials_rejected", "expired");
  if (who.account->locked_out)
    return account_failure("0xC0000234", "credentials_rejected", "locked");
  if (who.account->disabled)
    return account_failure("0xC0000072", "credentials_rejected", "disabled");
  if (!who.account->rdp_rights) return account_failure("0xC000015B", "not_authorized", "rights");
  // A connection broker routes by the .rdp file's load-balance info.
  if (g.rd_connection_broker && !c.rdp_load_balance_info)
    return fail(o, Reached::kLogon, "broker_refused", "open", "broker");
  if (g.rdsh_installed && g.rdsh_licensing == "grace_expired")
    return fail(o, Reached::kLogon, "license_error", "open", "licensing");
  // 5. The session.
  if (g.c_free_mb < 100) return fail(o, Reached::kSession, "black_screen", "open", "disk full");
  if (vm.available_memory_mb < 256 || vm.cpu_pct >= 95)
    return fail(o, Reached::kSession, "black_screen", "open", "starved");
  if (vm.os_disk_busy_pct >= 95)
    return fail(o, Reached::kSession, "slow_session", "open", "disk saturated");
  if (g.shell != "ok") return fail(o, Reached::kSession, "black_screen", "open", g.shell);
  if (who.account->profile == "temporary")
    return fail(o, Reached::kSession, "temporary_profile", "open", "profile");
  if (who.account->profile == "corrupt")
    return fail(o, Reached::kSession, "disconnect_after_logon", "open", "profile");
  if (g.logoff_policy)
    return fail(o, Reached::kSession, "disconnect_after_logon", "open", "logoff policy");
  if (static_cast<int>(g.signed_in.size()) >= g.max_sessions)
    return fail(o, Reached::kSession, "another_user_signed_in", "open", "session limit");
  return o;
}

}  // namespace rdptriage::internal::world
