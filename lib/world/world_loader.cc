#include "world/world_loader.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <set>
#include <string>
#include <tuple>

#include "rdptriage/triage.h"
#include "world/nsg_evaluator.h"

namespace rdptriage::internal::world {
namespace {

std::string shown(const boost::json::value& v) { return boost::json::serialize(v); }

// A JSON object under a pointer, read field by field; every read records a
// diagnostic on failure and leaves the default in place.
class Obj {
 public:
  Obj(DiagnosticSink& sink, const boost::json::value* v, std::string ptr,
      std::initializer_list<std::string_view> allowed)
      : sink_(sink), ptr_(std::move(ptr)) {
    if (v == nullptr) return;
    if (!v->is_object()) {
      sink_.add(ptr_, "", "expected an object, got " + shown(*v));
      return;
    }
    obj_ = &v->get_object();
    sink_.check_fields(*obj_, ptr_, "", allowed);
  }

  bool active() const { return obj_ != nullptr; }
  const boost::json::value* get(std::string_view key) const {
    return obj_ ? obj_->if_contains(key) : nullptr;
  }
  std::string at(std::string_view key) const { return pointer_join(ptr_, key); }
  DiagnosticSink& sink() { return sink_; }

  void boolean(std::string_view key, bool& out) {
    if (const auto* v = get(key)) {
      if (v->is_bool())
        out = v->get_bool();
      else
        bad(key, "true or false", *v);
    }
  }
  void integer(std::string_view key, int& out, int lo, int hi) {
    if (const auto* v = get(key)) {
      if (v->is_int64() && v->get_int64() >= lo && v->get_int64() <= hi)
        out = static_cast<int>(v->get_int64());
      else
        bad(key, "integer " + std::to_string(lo) + ".." + std::to_string(hi), *v);
    }
  }
  void number(std::string_view key, double& out, double lo, double hi) {
    if (const auto* v = get(key)) {
      double d = v->is_number() ? v->to_number<double>() : NAN;
      if (v->is_number() && d >= lo && d <= hi)
        out = d;
      else
        bad(key, "number " + trim(lo) + ".." + trim(hi), *v);
    }
  }
  void text(std::string_view key, std::string& out) {
    if (const auto* v = get(key)) {
      if (v->is_string())
        out = std::string(v->get_string());
      else
        bad(key, "a string", *v);
    }
  }
  void choice(std::string_view key, std::string& out,
              std::initializer_list<std::string_view> values) {
    if (const auto* v = get(key)) {
      if (v->is_string() && std::find(values.begin(), values.end(),
                                      std::string_view(v->get_string())) != values.end()) {
        out = std::string(v->get_string());
        return;
      }
      std::string list;
      for (auto s : values) list += (list.empty() ? "" : "|") + std::string(s);
      bad(key, "one of " + list, *v);
    }
  }
  void ipv4(std::string_view key, std::string& out) {
    if (const auto* v = get(key)) {
      std::uint32_t a;
      int bits;
      if (v->is_string() && std::string(v->get_string()).find('/') == std::string::npos &&
          parse_ipv4_prefix(std::string(v->get_string()), &a, &bits))
        out = std::string(v->get_string());
      else
        bad(key, "an IPv4 address", *v);
    }
  }
  void bad(std::string_view key, const std::string& expected, const boost::json::value& v) {
    sink_.add(at(key), "", "expected " + expected + ", got " + shown(v));
  }

 private:
  static std::string trim(double d) {
    std::string s = std::to_string(d);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  DiagnosticSink& sink_;
  std::string ptr_;
  const boost::json::object* obj_ = nullptr;
};

bool valid_prefix(const std::string& p) {
  static const std::set<std::string> kTags = {"*", "Any", "Internet", "VirtualNetwork",
                                              "AzureLoadBalancer"};
  if (kTags.count(p)) return true;
  std::uint32_t a;
  int bits;
  return parse_ipv4_prefix(p, &a, &bits);
}

bool parse_port_range(const std::string& s, PortRange* out) {
  if (s == "*") {
    *out = {0, 65535};
    return true;
  }
  auto num = [](const std::string& t, int* v) {
    if (t.empty() || t.size() > 5 || !std::all_of(t.begin(), t.end(), ::isdigit)) return false;
    *v = std::stoi(t);
    return *v >= 0 && *v <= 65535;
  };
  std::size_t dash = s.find('-');
  if (dash == std::string::npos) {
    int v;
    if (!num(s, &v)) return false;
    *out = {v, v};
    return true;
  }
  int lo, hi;
  if (!num(s.substr(0, dash), &lo) || !num(s.substr(dash + 1), &hi) || lo > hi) return false;
  *out = {lo, hi};
  return true;
}

// Reads "<key>" (one string) or "<key>s" (array of strings).
std::vector<std::string> one_or_many(Obj& o, const std::string& key, bool* given) {
  std::vector<std::string> out;
  *given = false;
  if (const auto* v = o.get(key)) {
    *given = true;
    if (v->is_string())
      out.emplace_back(v->get_string());
    else if (v->is_number())
      out.push_back(shown(*v));
    else
      o.bad(key, "a string", *v);
  }
  if (const auto* v = o.get(key + "s")) {
    *given = true;
    if (!v->is_array()) {
      o.bad(key + "s", "an array of strings", *v);
    } else {
      for (const auto& e : v->get_array()) {
        if (e.is_string())
          out.emplace_back(e.get_string());
        else if (e.is_number())
          out.push_back(shown(e));
        else
          o.bad(key + "s", "an array of strings", *v);
      }
    }
  }
  return out;
}

std::optional<std::vector<SecurityRule>> read_nsg(DiagnosticSink& sink, const boost::json::value* v,
                                                  const std::string& ptr,
                                                  std::optional<std::vector<SecurityRule>> dflt) {
  if (v == nullptr) return dflt;
  if (v->is_null()) return std::nullopt;
  if (!v->is_array()) {
    sink.add(ptr, "", "expected an array of security rules or null, got " + shown(*v));
    return dflt;
  }
  std::vector<SecurityRule> rules;
  std::set<std::pair<int, bool>> seen;
  const auto& arr = v->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    std::string rp = pointer_join(ptr, i);
    Obj o(
        sink, &arr[i], rp,
        {"name", "priority", "direction", "access", "protocol", "sourceAddressPrefix",
         "sourceAddressPrefixes", "sourcePortRange", "sourcePortRanges", "destinationAddressPrefix",
         "destinationAddressPrefixes", "destinationPortRange", "destinationPortRanges",
         "description", "id", "etag", "type", "provisioningState", "resourceGroup"});
    if (!o.active()) continue;
    SecurityRule r;
    o.text("name", r.name);
    if (!o.get("priority")) sink.add(rp, "", "missing required field \"priority\"");
    o.integer("priority", r.priority, 100, 4096);
    std::string direction = "Inbound", access = "Allow";
    o.choice("direction", direction, {"Inbound", "Outbound"});
    o.choice("access", access, {"Allow", "Deny"});
    o.choice("protocol", r.protocol, {"Tcp", "Udp", "Icmp", "*", "Any"});
    r.inbound = direction == "Inbound";
    r.allow = access == "Allow";
    if (r.protocol == "Any") r.protocol = "*";
    bool given;
    auto check_prefixes = [&](const std::string& key, std::vector<std::string>& into) {
      std::vector<std::string> values = one_or_many(o, key, &given);
      for (const std::string& p : values)
        if (!valid_prefix(p))
          sink.add(o.at(key + (o.get(key) ? "" : "s")), "",
                   "expected a CIDR prefix, an address, * or a service tag, got \"" + p + "\"");
      if (given) into = values;
    };
    check_prefixes("sourceAddressPrefix", r.sources);
    check_prefixes("destinationAddressPrefix", r.destinations);
    std::vector<std::string> ports = one_or_many(o, "destinationPortRange", &given);
    if (given) {
      r.ports.clear();
      for (const std::string& p : ports) {
        PortRange pr;
        if (parse_port_range(p, &pr))
          r.ports.push_back(pr);
        else
          sink.add(o.at(o.get("destinationPortRange") ? "destinationPortRange"
                                                      : "destinationPortRanges"),
                   "", "expected a port 0..65535, a range like 3000-4000, or *, got \"" + p + "\"");
      }
    }
    one_or_many(o, "sourcePortRange", &given);
    if (!seen.insert({r.priority, r.inbound}).second)
      sink.add(o.at("priority"), r.name,
               "two rules with priority " + std::to_string(r.priority) + " and direction " +
                   direction + " in one NSG (Azure rejects this)");
    rules.push_back(std::move(r));
  }
  return rules;
}

Account read_account(DiagnosticSink& sink, const boost::json::value& v, const std::string& ptr) {
  Account a;
  Obj o(sink, &v, ptr,
        {"name", "password_expired", "locked_out", "disabled", "rdp_rights", "profile"});
  if (!o.active()) return a;
  if (!o.get("name")) sink.add(ptr, "", "missing required field \"name\"");
  o.text("name", a.name);
  o.boolean("password_expired", a.password_expired);
  o.boolean("locked_out", a.locked_out);
  o.boolean("disabled", a.disabled);
  o.boolean("rdp_rights", a.rdp_rights);
  o.choice("profile", a.profile, {"ok", "temporary", "corrupt"});
  return a;
}

std::vector<Account> read_accounts(Obj& o, const std::string& key, std::vector<Account> dflt) {
  const auto* v = o.get(key);
  if (v == nullptr) return dflt;
  if (!v->is_array()) {
    o.bad(key, "an array of accounts", *v);
    return dflt;
  }
  std::vector<Account> out;
  for (std::size_t i = 0; i < v->get_array().size(); ++i)
    out.push_back(read_account(o.sink(), v->get_array()[i], pointer_join(o.at(key), i)));
  return out;
}

void read_client(DiagnosticSink& sink, const boost::json::value* v, Client& c) {
  Obj o(sink, v, "/client",
        {"source_ip", "location", "dial", "dns", "local_software_blocks_rdp",
         "edge_device_blocks_rdp", "credssp_patched", "credssp_encryption_oracle",
         "max_encryption_level", "tls12", "user", "password", "entra_sign_in",
         "rdp_load_balance_info", "nla"});
  o.choice("location", c.location, {"internet", "vnet"});
  c.source_ip = c.location == "vnet" ? "10.0.1.5" : "203.0.113.10";
  o.ipv4("source_ip", c.source_ip);
  Obj dial(sink, o.get("dial"), o.at("dial"), {"host", "port"});
  dial.text("host", c.dial_host);
  dial.integer("port", c.dial_port, 1, 65535);
  if (const auto* dns = o.get("dns")) {
    if (!dns->is_object()) {
      o.bad("dns", "an object mapping names to addresses", *dns);
    } else {
      for (const auto& [name, addr] : dns->get_object()) {
        std::uint32_t a;
        int bits;
        if (addr.is_string() && parse_ipv4_prefix(std::string(addr.get_string()), &a, &bits) &&
            bits == 32)
          c.dns[std::string(name)] = std::string(addr.get_string());
        else
          sink.add(pointer_join(o.at("dns"), name), "",
                   "expected an IPv4 address, got " + shown(addr));
      }
    }
  }
  o.boolean("local_software_blocks_rdp", c.local_software_blocks_rdp);
  o.boolean("edge_device_blocks_rdp", c.edge_device_blocks_rdp);
  o.boolean("credssp_patched", c.credssp_patched);
  o.choice("credssp_encryption_oracle", c.credssp_encryption_oracle,
           {"force_updated_clients", "mitigated", "vulnerable"});
  o.integer("max_encryption_level", c.max_encryption_level, 1, 4);
  o.boolean("tls12", c.tls12);
  o.text("user", c.user);
  std::string password = "correct";
  o.choice("password", password, {"correct", "wrong"});
  c.password_correct = password == "correct";
  o.choice("entra_sign_in", c.entra_sign_in, {"nla", "joined", "web_account"});
  o.boolean("rdp_load_balance_info", c.rdp_load_balance_info);
  o.boolean("nla", c.nla);
}

Entra read_entra(DiagnosticSink& sink, const boost::json::value* v, const std::string& ptr) {
  Entra e;
  Obj o(sink, v, ptr, {"tenant_domain", "accounts"});
  if (o.active() && !o.get("tenant_domain"))
    sink.add(ptr, "", "missing required field \"tenant_domain\"");
  o.text("tenant_domain", e.tenant_domain);
  const auto* list = o.get("accounts");
  if (list == nullptr) return e;
  if (!list->is_array()) {
    o.bad("accounts", "an array of accounts", *list);
    return e;
  }
  for (std::size_t i = 0; i < list->get_array().size(); ++i) {
    const std::string aptr = pointer_join(o.at("accounts"), i);
    EntraAccount a;
    Obj oa(sink, &list->get_array()[i], aptr, {"name", "vm_login_role", "per_user_mfa"});
    if (oa.active() && !oa.get("name")) sink.add(aptr, "", "missing required field \"name\"");
    oa.text("name", a.name);
    oa.choice("vm_login_role", a.vm_login_role, {"administrator", "user", "none"});
    oa.choice("per_user_mfa", a.per_user_mfa, {"disabled", "enabled", "enforced"});
    e.accounts.push_back(std::move(a));
  }
  return e;
}

void read_guest(DiagnosticSink& sink, const boost::json::value* v, const std::string& ptr,
                Guest& g) {
  Obj o(sink, v, ptr,
        {"computer_name",
         "agent",
         "termservice",
         "firewall",
         "security_software_blocks_rdp",
         "rdp",
         "rdsh",
         "schannel",
         "lsa",
         "credssp_patched",
         "credssp_encryption_oracle",
         "is_domain_controller",
         "local_accounts",
         "domain",
         "disk",
         "shell",
         "top_process",
         "session",
         "entra",
         "rd_connection_broker"});
  o.text("computer_name", g.computer_name);
  if (const auto* e = o.get("entra"); e != nullptr && !e->is_null())
    g.entra = read_entra(sink, e, o.at("entra"));
  o.boolean("rd_connection_broker", g.rd_connection_broker);
  o.choice("agent", g.agent, {"ready", "unresponsive"});
  o.choice("termservice", g.termservice, {"running", "stopped", "disabled"});
  Obj fw(sink, o.get("firewall"), o.at("firewall"),
         {"enabled", "rdp_rule_enabled", "outbound_blocks_rdp"});
  fw.boolean("enabled", g.firewall_enabled);
  fw.boolean("rdp_rule_enabled", g.firewall_rdp_rule_enabled);
  fw.boolean("outbound_blocks_rdp", g.firewall_outbound_blocks_rdp);
  o.boolean("security_software_blocks_rdp", g.security_software_blocks_rdp);
  Obj rdp(sink, o.get("rdp"), o.at("rdp"),
          {"deny_connections", "deny_connections_policy", "port", "nla", "min_encryption_level",
           "certificate"});
  rdp.boolean("deny_connections", g.deny_connections);
  if (const auto* pol = rdp.get("deny_connections_policy")) {
    if (pol->is_null())
      g.deny_connections_policy = "not_set";
    else if (pol->is_bool())
      g.deny_connections_policy = pol->get_bool() ? "deny" : "allow";
    else
      rdp.bad("deny_connections_policy", "true, false or null", *pol);
  }
  rdp.integer("port", g.rdp_port, 1, 65535);
  rdp.boolean("nla", g.nla);
  rdp.integer("min_encryption_level", g.min_encryption_level, 1, 4);
  rdp.choice("certificate", g.certificate, {"valid", "missing", "corrupt"});
  Obj rdsh(sink, o.get("rdsh"), o.at("rdsh"), {"installed", "licensing"});
  rdsh.boolean("installed", g.rdsh_installed);
  rdsh.choice("licensing", g.rdsh_licensing, {"ok", "grace_expired"});
  Obj sc(sink, o.get("schannel"), o.at("schannel"),
         {"tls1_0_server", "tls1_1_server", "tls1_2_server"});
  sc.boolean("tls1_0_server", g.tls1_0);
  sc.boolean("tls1_1_server", g.tls1_1);
  sc.boolean("tls1_2_server", g.tls1_2);
  Obj lsa(sink, o.get("lsa"), o.at("lsa"), {"fips_algorithm_policy", "disable_domain_creds"});
  lsa.boolean("fips_algorithm_policy", g.fips);
  lsa.boolean("disable_domain_creds", g.disable_domain_creds);
  o.boolean("credssp_patched", g.credssp_patched);
  o.choice("credssp_encryption_oracle", g.credssp_encryption_oracle,
           {"force_updated_clients", "mitigated", "vulnerable"});
  o.boolean("is_domain_controller", g.is_domain_controller);
  g.local_accounts = read_accounts(o, "local_accounts", g.local_accounts);
  if (const auto* d = o.get("domain"); d != nullptr && !d->is_null()) {
    Domain dom;
    Obj od(sink, d, o.at("domain"),
           {"name", "dns_name", "dc_name", "dc_reachable", "dc_healthy", "secure_channel",
            "conditional_access_blocks_rdp", "accounts"});
    if (od.active() && !od.get("name"))
      sink.add(o.at("domain"), "", "missing required field \"name\"");
    od.text("name", dom.name);
    od.text("dns_name", dom.dns_name);
    od.text("dc_name", dom.dc_name);
    od.boolean("dc_reachable", dom.dc_reachable);
    od.boolean("dc_healthy", dom.dc_healthy);
    od.choice("secure_channel", dom.secure_channel, {"ok", "broken"});
    od.boolean("conditional_access_blocks_rdp", dom.conditional_access_blocks_rdp);
    dom.accounts = read_accounts(od, "accounts", {});
    g.domain = dom;
  }
  Obj disk(sink, o.get("disk"), o.at("disk"), {"c_free_mb", "c_total_mb"});
  disk.number("c_free_mb", g.c_free_mb, 0, 1e9);
  disk.number("c_total_mb", g.c_total_mb, 1, 1e9);
  o.choice("shell", g.shell, {"ok", "update_in_progress", "driver_failure"});
  Obj top(sink, o.get("top_process"), o.at("top_process"), {"name", "pid", "memory_pct"});
  top.text("name", g.top_process);
  top.integer("pid", g.top_process_pid, 1, 1 << 30);
  if (top.get("memory_pct")) {
    double pct = 0;
    top.number("memory_pct", pct, 0, 100);
    g.top_process_pct = pct;
  }
  Obj s(sink, o.get("session"), o.at("session"), {"max_sessions", "signed_in", "logoff_policy"});
  s.integer("max_sessions", g.max_sessions, 1, 10000);
  if (const auto* si = s.get("signed_in")) {
    if (!si->is_array())
      s.bad("signed_in", "an array of user names", *si);
    else
      for (const auto& u : si->get_array())
        if (u.is_string())
          g.signed_in.emplace_back(u.get_string());
        else
          s.bad("signed_in", "an array of user names", *si);
  }
  s.boolean("logoff_policy", g.logoff_policy);
}

void read_vm(DiagnosticSink& sink, const boost::json::value* v, Vm& m) {
  Obj o(sink, v, "/vm",
        {"name", "resource_group", "nic", "deployment", "power_state", "boot", "boot_diagnostics",
         "platform_health", "public_ip", "private_ip", "vnet_prefixes", "nsg", "route", "jit",
         "classic_endpoint", "load_balancer_nat", "metrics", "guest"});
  o.text("name", m.name);
  o.text("resource_group", m.resource_group);
  // They become the context of every diagnosis of the world: what evaluate()
  // would refuse is refused here, with its JSON path (found by fuzzing).
  for (const auto& [key, field, value] :
       {std::tuple<const char*, const char*, const std::string*>{"vm", "name", &m.name},
        {"resource_group", "resource_group", &m.resource_group}}) {
    if (!o.get(field)) continue;
    Status valid = validate_context_value(key, *value);
    if (!valid.ok()) {
      std::string why = valid.message();
      why.erase(0, why.find(": ") + 2);  // "context.vm: " is the engine's path, not the file's
      sink.add(o.at(field), "", why);
    }
  }
  Obj nic(sink, o.get("nic"), o.at("nic"), {"name", "ip_config"});
  nic.text("name", m.nic_name);
  nic.text("ip_config", m.ip_config);
  o.choice("deployment", m.deployment, {"arm", "classic"});
  o.choice("power_state", m.power_state, {"running", "stopped", "deallocated"});
  o.choice("boot", m.boot, {"healthy", "stuck", "recovery"});
  o.boolean("boot_diagnostics", m.boot_diagnostics);
  o.choice("platform_health", m.platform_health, {"available", "degraded"});
  if (const auto* pip = o.get("public_ip")) {
    if (pip->is_null()) {
      m.public_ip.reset();
    } else {
      Obj p(sink, pip, o.at("public_ip"), {"address", "allocation", "name"});
      std::string address = *m.public_ip;
      p.ipv4("address", address);
      p.text("name", m.public_ip_name);
      m.public_ip = address;
      p.choice("allocation", m.public_ip_allocation, {"static", "dynamic"});
    }
  }
  o.ipv4("private_ip", m.private_ip);
  if (const auto* vp = o.get("vnet_prefixes")) {
    if (!vp->is_array()) {
      o.bad("vnet_prefixes", "an array of CIDR prefixes", *vp);
    } else {
      m.vnet_prefixes.clear();
      for (std::size_t i = 0; i < vp->get_array().size(); ++i) {
        const auto& e = vp->get_array()[i];
        std::uint32_t a;
        int bits;
        if (e.is_string() && parse_ipv4_prefix(std::string(e.get_string()), &a, &bits))
          m.vnet_prefixes.emplace_back(e.get_string());
        else
          sink.add(pointer_join(o.at("vnet_prefixes"), i), "",
                   "expected a CIDR prefix, got " + shown(e));
      }
    }
  }
  SecurityRule portal_rdp{"RDP", 300, true, true, "Tcp", {"*"}, {"*"}, {{3389, 3389}}};
  Obj nsg(sink, o.get("nsg"), o.at("nsg"),
          {"subnet", "nic", "subnet_name", "nic_name", "resource_group"});
  nsg.text("subnet_name", m.nsg_subnet_name);
  nsg.text("nic_name", m.nsg_nic_name);
  nsg.text("resource_group", m.nsg_resource_group);
  m.nsg_subnet = read_nsg(sink, nsg.get("subnet"), nsg.at("subnet"), std::nullopt);
  m.nsg_nic = read_nsg(sink, nsg.get("nic"), nsg.at("nic"), std::vector<SecurityRule>{portal_rdp});
  Obj route(sink, o.get("route"), o.at("route"),
            {"next_hop", "next_hop_ip", "table", "table_resource_group", "appliance_allows_rdp",
             "return_path_symmetric"});
  route.choice("next_hop", m.next_hop, {"Internet", "VirtualAppliance"});
  route.ipv4("next_hop_ip", m.next_hop_ip);
  route.text("table", m.route_table);
  route.text("table_resource_group", m.route_table_resource_group);
  route.boolean("appliance_allows_rdp", m.appliance_allows_rdp);
  route.boolean("return_path_symmetric", m.return_path_symmetric);
  Obj jit(sink, o.get("jit"), o.at("jit"), {"enabled", "requested_for_source"});
  jit.boolean("enabled", m.jit_enabled);
  jit.boolean("requested_for_source", m.jit_requested_for_source);
  Obj ce(sink, o.get("classic_endpoint"), o.at("classic_endpoint"),
         {"public_port", "private_port", "acl_permits_source"});
  ce.integer("public_port", m.classic_public_port, 1, 65535);
  ce.integer("private_port", m.classic_private_port, 1, 65535);
  ce.boolean("acl_permits_source", m.classic_acl_permits);
  if (const auto* lb = o.get("load_balancer_nat"); lb != nullptr && !lb->is_null()) {
    LbNat nat;
    Obj n(sink, lb, o.at("load_balancer_nat"),
          {"load_balancer", "rule", "frontend_ip", "frontend_port", "backend_port"});
    if (n.active() && !n.get("frontend_ip"))
      sink.add(o.at("load_balancer_nat"), "", "missing required field \"frontend_ip\"");
    n.text("load_balancer", nat.load_balancer);
    n.text("rule", nat.rule);
    n.ipv4("frontend_ip", nat.frontend_ip);
    n.integer("frontend_port", nat.frontend_port, 1, 65535);
    n.integer("backend_port", nat.backend_port, 1, 65535);
    m.lb_nat = nat;
  }
  Obj met(sink, o.get("metrics"), o.at("metrics"),
          {"cpu_pct", "available_memory_mb", "os_disk_busy_pct"});
  met.number("cpu_pct", m.cpu_pct, 0, 100);
  met.number("available_memory_mb", m.available_memory_mb, 0, 1e9);
  met.number("os_disk_busy_pct", m.os_disk_busy_pct, 0, 100);
  read_guest(sink, o.get("guest"), o.at("guest"), m.guest);
}

}  // namespace

StatusOr<WorldModel> build_world(const JsonDocument& doc) {
  DiagnosticSink sink(doc);
  WorldModel w;
  // A world's title and names are shown to people (the drill prints them):
  // none may carry a terminal control.
  check_terminal_text(sink, doc.root(), "", {});
  Obj top(sink, &doc.root(), "", {"schema", "title", "expect", "client", "vm"});
  if (top.active()) {
    std::string schema = "rdptriage.world/1";
    top.choice("schema", schema, {"rdptriage.world/1"});
    top.text("title", w.title);
    Obj ex(sink, top.get("expect"), top.at("expect"), {"cause", "layer", "status"});
    ex.text("cause", w.expect_cause);
    ex.choice("layer", w.expect_layer, {"network", "service", "auth", "guest", "boundary"});
    ex.choice("status", w.expect_status, {"confirmed", "inconclusive", "healthy"});
    read_vm(sink, top.get("vm"), w.vm);
    read_client(sink, top.get("client"), w.client);
    const boost::json::value* client = top.get("client");
    const bool port_given = client != nullptr && client->is_object() &&
                            client->get_object().if_contains("dial") != nullptr &&
                            client->get_object().at("dial").is_object() &&
                            client->get_object().at("dial").get_object().contains("port");
    if (w.client.dial_host.empty() && w.vm.lb_nat && w.client.location == "internet") {
      // Through the load balancer: its frontend address and NAT port.
      w.client.dial_host = w.vm.lb_nat->frontend_ip;
      if (!port_given) w.client.dial_port = w.vm.lb_nat->frontend_port;
    }
    if (w.client.dial_host.empty())
      w.client.dial_host =
          w.client.location == "vnet" ? w.vm.private_ip : w.vm.public_ip.value_or("52.160.10.20");
    Vm& vm = w.vm;
    if (vm.nic_name.empty()) vm.nic_name = vm.name + "VMNic";
    if (vm.ip_config.empty()) vm.ip_config = "ipconfig" + vm.name;
    if (vm.public_ip_name.empty()) vm.public_ip_name = vm.name + "PublicIP";
    if (vm.nsg_nic_name.empty()) vm.nsg_nic_name = vm.name + "NSG";
    if (vm.nsg_subnet_name.empty()) vm.nsg_subnet_name = vm.name + "SubnetNSG";
    if (vm.nsg_resource_group.empty()) vm.nsg_resource_group = vm.resource_group;
    if (vm.route_table.empty()) vm.route_table = vm.name + "-routes";
    if (vm.route_table_resource_group.empty()) vm.route_table_resource_group = vm.resource_group;
    if (vm.next_hop_ip.empty() && vm.next_hop == "VirtualAppliance") vm.next_hop_ip = "10.0.100.4";
    if (vm.classic_public_port == 0) w.vm.classic_public_port = w.client.dial_port;
    if (w.vm.classic_private_port == 0) w.vm.classic_private_port = w.client.dial_port;
  }
  if (!sink.empty()) {
    std::size_t n = sink.diagnostics().size();
    return Status(ErrorCode::kValidationError,
                  std::to_string(n) + (n == 1 ? " problem" : " problems") + " in " + doc.name(),
                  std::move(sink.diagnostics()));
  }
  return w;
}

}  // namespace rdptriage::internal::world
