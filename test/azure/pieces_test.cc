// The adapter's parts on their own: Retry-After, redaction, the deciding
// rule in effective NSGs (the published example's shape), the guest facts
// line and its worst-case size against Run Command's 4,096 bytes.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "azure/arm_client.h"
#include "azure/probe_mapping.h"
#include "azure/redact.h"
#include "azure/run_command.h"

namespace rdptriage::internal::azure {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("Retry-After in seconds or as an HTTP date", "[azure]") {
  CHECK(retry_after_seconds("") == -1);
  CHECK(retry_after_seconds("7") == 7);
  CHECK(retry_after_seconds("0.5") == 0.5);
  CHECK(retry_after_seconds("soon") == -1);
  CHECK(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0);  // in the past
  // Not a wait anyone can honour: refused, or cut to the hour.
  CHECK(retry_after_seconds("inf") == -1);
  CHECK(retry_after_seconds("-inf") == -1);
  CHECK(retry_after_seconds("nan") == -1);
  CHECK(retry_after_seconds("-3") == -1);
  CHECK(retry_after_seconds("1e300") == kMaxRetryAfterSeconds);
  CHECK(retry_after_seconds("1e400") == -1);  // strtod: inf
  CHECK(retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT") == kMaxRetryAfterSeconds);
}

TEST_CASE("waits are clamped before they become clock durations", "[azure]") {
  using std::chrono::seconds;
  CHECK(seconds_to_duration(std::numeric_limits<double>::infinity()) == Clock::duration::zero());
  CHECK(seconds_to_duration(std::nan("")) == Clock::duration::zero());
  CHECK(seconds_to_duration(-5) == Clock::duration::zero());
  CHECK(seconds_to_duration(1e300) ==
        std::chrono::duration_cast<Clock::duration>(seconds(1000000)));
  CHECK(seconds_to_duration(2.5) ==
        std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(2500)));
}

TEST_CASE("without Retry-After, backoff is exponential with full jitter", "[azure]") {
  const std::chrono::milliseconds initial(100), max(1000);
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const double bound = std::min(1.0, 0.1 * (1 << (attempt - 1)));
    std::set<double> seen;
    double sum = 0;
    for (int i = 0; i < 400; ++i) {
      const double d = retry_delay_seconds(attempt, -1, initial, max);
      INFO("attempt " << attempt << " delay " << d);
      REQUIRE(d >= 0);
      REQUIRE(d <= bound);
      seen.insert(d);
      sum += d;
    }
    // Jittered: spread over the interval, its mean near the middle.
    CHECK(seen.size() > 300);
    CHECK(sum / 400 == Approx(bound / 2).margin(bound * 0.15));
  }
  // A Retry-After beats max_backoff, plus at most 10% jitter, up to the hour.
  for (int i = 0; i < 100; ++i) {
    const double d = retry_delay_seconds(1, 5, initial, max);
    CHECK(d >= 5);
    CHECK(d <= 5.5);
    const double capped = retry_delay_seconds(1, 1e9, initial, max);
    CHECK(capped >= kMaxRetryAfterSeconds);
    CHECK(capped <= kMaxRetryAfterSeconds * 1.1);
  }
  CHECK(retry_delay_seconds(1, 0, initial, max) == 0);
}

// 403 messages as ARM publishes them (quoted from public reports):
// AuthorizationFailed, LinkedAuthorizationFailed (the missing action is the
// second), LinkedAuthorizationFailed about a tenant (none is missing), and
// LinkedAccessCheckFailed.
TEST_CASE("a 403 names the permission that is missing, in each published shape", "[azure]") {
  CHECK(missing_permission(
            "The client '11111111-1111-1111-1111-111111111111' with object id "
            "'11111111-1111-1111-1111-111111111111' does not have authorization to perform "
            "action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/s/"
            "resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1' or the scope is "
            "invalid. If access was recently granted, please refresh your credentials.") ==
        "Microsoft.Compute/virtualMachines/read");
  // CDCgov/prime-reportstream#7678.
  CHECK(missing_permission(
            "The client 'a5808b31-f2b3-41ba-9b59-0fd6c3719b8b' with object id "
            "'a5808b31-f2b3-41ba-9b59-0fd6c3719b8b' has permission to perform action "
            "'Microsoft.Insights/diagnosticSettings/write' on scope '/subscriptions/7d1e3999/"
            "resourcegroups/rg/providers/Microsoft.Web/serverfarms/plan/providers/"
            "Microsoft.Insights/diagnosticSettings/all'; however, it does not have permission to "
            "perform action 'Microsoft.EventHub/namespaces/authorizationrules/listkeys/action' on "
            "the linked scope(s) '/subscriptions/d00bbd04/resourceGroups/mgmt/providers/"
            "Microsoft.EventHub/namespaces/ns/authorizationRules/RootManageSharedAccessKey' or the "
            "linked scope(s) are invalid.") ==
        "Microsoft.EventHub/namespaces/authorizationrules/listkeys/action");
  // Azure/OpenShift#41: the tenant is the problem, not a permission.
  CHECK(missing_permission(
            "The client has permission to perform action "
            "'Microsoft.Network/virtualNetworks/subnets/join/action' on scope '/subscriptions/s/"
            "resourcegroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/ss-compute', "
            "however the current tenant 't' is not authorized to access linked subscription "
            "'s'.") == "");
  // Azure/mpf#44.
  CHECK(missing_permission(
            "The client with object id 'ddfcf162-2cf2-40cf-bd4a-49a63e248436' does not have "
            "authorization to perform action 'Microsoft.Network/publicIPAddresses/join/action' "
            "over scope '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
            "publicIPAddresses/vpn-pip' or the scope is invalid") ==
        "Microsoft.Network/publicIPAddresses/join/action");
  CHECK(missing_permission("Forbidden") == "");
}

TEST_CASE("the redactor removes secrets, bearer tokens, JWTs and SAS queries", "[azure]") {
  Redactor r;
  r.add("topsecretvalue");
  r.add("abc");  // too short to register
  std::string out = r.scrub(
      "x topsecretvalue y; Authorization: Bearer abc.def-ghi; "
      "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl; "
      "https://acct.blob.core.windows.net/c/vm.bmp?sv=2019&sig=SECRETSIG&se=1 and "
      "https://management.azure.com/subscriptions/s?api-version=2024-07-01 abc");
  CHECK(out.find("topsecretvalue") == std::string::npos);
  CHECK(out.find("abc.def-ghi") == std::string::npos);
  CHECK(out.find("eyJhbGci") == std::string::npos);
  CHECK(out.find("SECRETSIG") == std::string::npos);
  CHECK_THAT(out, Catch::Contains("vm.bmp?[query removed]"));
  CHECK_THAT(out, Catch::Contains("?api-version=2024-07-01"));
  CHECK_THAT(out, Catch::EndsWith(" abc"));
}

// NetworkInterfaceEffectiveNSGList.json (azure-rest-api-specs,
// Microsoft.Network/stable/2022-01-01/examples) as published:
// one "association" naming the network manager, the subnet and the network
// interface together. The first group is that example's NSG (test-nsg); the
// second, a NIC-level NSG in another resource group, is shaped the same way,
// as ARM lists one entry per NSG.
const char* kEffective = R"({"value": [
  {"networkSecurityGroup": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/test-nsg"},
   "association": {
     "networkManager": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkManagers/nm1"},
     "subnet": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/rg1-vnet/subnets/default"},
     "networkInterface": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1"}},
   "effectiveSecurityRules": [
     {"name": "securityRules/rule1", "protocol": "Tcp", "sourcePortRange": "456-456", "destinationPortRange": "6579-6579",
      "sourceAddressPrefix": "0.0.0.0/32", "destinationAddressPrefix": "0.0.0.0/32", "access": "Allow", "priority": 234, "direction": "Inbound"},
     {"name": "securityRules/default-allow-rdp", "protocol": "Tcp", "sourcePortRange": "0-65535", "destinationPortRange": "3389-3389",
      "sourceAddressPrefix": "1.1.1.1/32", "destinationAddressPrefix": "0.0.0.0/0", "access": "Allow", "priority": 1000, "direction": "Inbound"},
     {"name": "defaultSecurityRules/AllowInternetOutBound", "protocol": "All", "sourcePortRange": "0-65535", "destinationPortRange": "0-65535",
      "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "Internet",
      "expandedDestinationAddressPrefix": ["32.0.0.0/3", "4.0.0.0/6", "2.0.0.0/7", "1.0.0.0/8"],
      "access": "Allow", "priority": 65001, "direction": "Outbound"},
     {"name": "defaultSecurityRules/DenyAllInBound", "protocol": "All", "sourcePortRange": "0-65535", "destinationPortRange": "0-65535",
      "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "0.0.0.0/0", "access": "Deny", "priority": 65500, "direction": "Inbound"}]},
  {"networkSecurityGroup": {"id": "/subscriptions/subid/resourceGroups/net-rg/providers/Microsoft.Network/networkSecurityGroups/nic1-nsg"},
   "association": {
     "networkManager": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkManagers/nm1"},
     "subnet": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/rg1-vnet/subnets/default"},
     "networkInterface": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1"}},
   "effectiveSecurityRules": [
     {"name": "securityRules/Deny-RDP", "protocol": "Tcp", "sourcePortRange": "0-65535", "destinationPortRange": "3389-3389",
      "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "0.0.0.0/0", "access": "Deny", "priority": 200, "direction": "Inbound"},
     {"name": "defaultSecurityRules/DenyAllInBound", "protocol": "All", "sourcePortRange": "0-65535", "destinationPortRange": "0-65535",
      "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "0.0.0.0/0", "access": "Deny", "priority": 65500, "direction": "Inbound"}]}]})";

TEST_CASE("the deciding rule is found in the NIC's effective security groups", "[azure]") {
  const auto effective = boost::json::parse(kEffective);
  const std::string nic_nsg =
      "/subscriptions/subid/resourceGroups/net-rg/providers/Microsoft.Network/"
      "networkSecurityGroups/nic1-nsg";
  ProbeResult deny = ProbeResult::value_of(std::string("deny"));
  locate_deciding_rule("securityRules/Deny-RDP", "deny", effective, nic_nsg, &deny);
  CHECK(deny.fields["rule"] == "Deny-RDP");
  CHECK(deny.fields["priority"] == "200");
  CHECK(deny.fields["nsg"] == "nic1-nsg");
  CHECK(deny.fields["nsg_scope"] == "nic");
  CHECK(deny.fields["nsg_resource_group"] == "net-rg");
  CHECK(deny.fields["nsg_priorities_in_use"] == "200");
  CHECK(deny.fields["nsg_rule_names"] == "Deny-RDP");

  ProbeResult allow = ProbeResult::value_of(std::string("allow"));
  locate_deciding_rule("default-allow-rdp", "allow", effective, nic_nsg, &allow);
  CHECK(allow.fields["nsg"] == "test-nsg");
  CHECK(allow.fields["nsg_scope"] == "subnet");
  CHECK(allow.fields["nsg_priorities_in_use"] == "234,1000");
  CHECK(allow.fields["nsg_rule_names"] == "rule1,default-allow-rdp");

  // A default rule in both NSGs: a deny is decided where traffic meets
  // first, the subnet.
  ProbeResult both = ProbeResult::value_of(std::string("deny"));
  locate_deciding_rule("defaultSecurityRules/DenyAllInBound", "deny", effective, nic_nsg, &both);
  CHECK(both.fields["nsg_scope"] == "subnet");
  CHECK(both.fields["priority"] == "65500");

  ProbeResult unknown = ProbeResult::value_of(std::string("deny"));
  locate_deciding_rule("securityRules/NoSuchRule", "deny", effective, nic_nsg, &unknown);
  CHECK(unknown.fields.empty());
}

TEST_CASE("a NIC without an NSG: every effective group is the subnet's", "[azure]") {
  // The published example alone: one NSG, associated (in the published
  // shape) with the subnet and the network interface at once. The NIC
  // resource names no NSG, so it is the subnet's.
  auto effective = boost::json::parse(kEffective);
  effective.at("value").as_array().resize(1);
  ProbeResult allow = ProbeResult::value_of(std::string("allow"));
  locate_deciding_rule("securityRules/default-allow-rdp", "allow", effective, "", &allow);
  CHECK(allow.fields["nsg"] == "test-nsg");
  CHECK(allow.fields["nsg_scope"] == "subnet");
  CHECK(allow.fields["nsg_resource_group"] == "rg1");
  CHECK(allow.fields["nsg_rule_names"] == "rule1,default-allow-rdp");
  ProbeResult deny = ProbeResult::value_of(std::string("deny"));
  locate_deciding_rule("defaultSecurityRules/DenyAllInBound", "deny", effective, "", &deny);
  CHECK(deny.fields["nsg_scope"] == "subnet");
  CHECK(deny.fields["rule"] == "DenyAllInBound");
}

TEST_CASE("the guest facts line is found at the end of the output", "[azure]") {
  std::string why;
  auto f = parse_guest_facts(
      "some noise\nRDPTRIAGE-GUEST-FACTS/1 {\"termservice_state\":\"stopped\",\"rdp_port\":3390}\n",
      &why);
  REQUIRE(f);
  CHECK(f->at("termservice_state").as_string() == "stopped");
  CHECK_FALSE(parse_guest_facts("nothing here", &why));
  CHECK_THAT(why, Catch::Contains("no facts line"));
  CHECK_FALSE(parse_guest_facts("RDPTRIAGE-GUEST-FACTS/1 {\"a\":", &why));
  CHECK_THAT(why, Catch::Contains("not a JSON object"));
}

TEST_CASE("answer fields come from the facts line's fact:field keys", "[azure]") {
  std::string why;
  auto f = parse_guest_facts(
      "RDPTRIAGE-GUEST-FACTS/1 {\"top_process_memory_pct\":88.5,"
      "\"top_process_memory_pct:process\":\"w3wp\",\"top_process_memory_pct:pid\":4242,"
      "\"active_sessions\":2,\"active_sessions:session_id\":3.0,"
      "\"active_sessions:session_user\":\"bob\",\"active_sessions_x:y\":1,"
      "\"c_free_mb:odd\":1e300}\n",
      &why);
  REQUIRE(f);
  auto top = guest_fields(*f, "top_process_memory_pct");
  CHECK(top.size() == 2);
  CHECK(top["process"] == "w3wp");
  CHECK(top["pid"] == "4242");
  auto sessions = guest_fields(*f, "active_sessions");
  CHECK(sessions.size() == 2);
  CHECK(sessions["session_id"] == "3");
  CHECK(sessions["session_user"] == "bob");
  CHECK(guest_fields(*f, "c_free_mb").empty());  // not a whole number a field holds
}

// The longest line the script can print: every key it reads, each with the
// longest value its probe's domain allows (strings as the script caps them),
// every answer field at the bound its Field call sets, and every key listed
// as unreadable. Strings are plain (PlainText), one byte each in JSON.
TEST_CASE("guest facts fit Run Command's 4 KB output (worst case)", "[azure]") {
  const std::string source = RDPTRIAGE_TEST_SOURCE_DIR;
  const std::string script = read(source + "/rules/run_command/guest_facts.ps1");
  std::map<std::string, boost::json::object> domains;
  std::map<std::string, std::map<std::string, std::string>> field_kinds;
  for (const char* file : {"/rules/probes.json", "/rules/entra.json"}) {
    const auto probes = boost::json::parse(read(source + file));
    for (const auto& p : probes.at("probes").as_array()) {
      const std::string id(p.at("id").as_string());
      domains[id] = p.at("result").as_object();
      if (const auto* fields = p.as_object().if_contains("fields"))
        for (const auto& kv : fields->as_object()) {
          // A field is {"about", "kind"} or just its "about" text (kind text).
          const auto* kind =
              kv.value().is_object() ? kv.value().as_object().if_contains("kind") : nullptr;
          field_kinds[id][std::string(kv.key())] =
              kind != nullptr ? std::string(kind->as_string()) : "text";
        }
    }
  }
  // Facts in order, and the Field calls inside each ("Field 'pid' 10 ...").
  std::regex fact_re("^Fact '([a-z0-9_]+)'");
  std::regex field_re("Field '([a-z0-9_]+)' ([0-9]+) ");
  std::vector<std::string> keys;
  std::vector<std::tuple<std::string, std::string, int>> fields;
  std::istringstream lines(script);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, fact_re)) keys.push_back(m[1]);
    if (std::regex_search(line, m, field_re) && line.find("function") == std::string::npos) {
      REQUIRE(!keys.empty());
      fields.emplace_back(keys.back(), m[1], std::stoi(m[2]));
    }
  }
  REQUIRE(keys.size() >= 35);
  REQUIRE(fields.size() >= 6);
  // What the script lets through for the free-text facts.
  const std::map<std::string, std::size_t> text_max = {
      {"domain_dns_name", 253}, {"domain_netbios_name", 15}, {"last_logon_failure_domain", 253}};
  std::string json = "{";
  std::string all_keys;
  for (const auto& key : keys) {
    INFO("key " << key);
    auto d = domains.find("guest." + key);
    REQUIRE(d != domains.end());  // every key the script prints is a probe
    const std::string type(d->second.at("type").as_string());
    std::string v;
    if (type == "bool") {
      v = "false";
    } else if (type == "number") {
      v = "-1.7976931348623157E+308";  // the longest double ConvertTo-Json writes
    } else if (type == "enum") {
      for (const auto& e : d->second.at("values").as_array())
        if (e.as_string().size() + 2 > v.size()) v = "\"" + std::string(e.as_string()) + "\"";
    } else {
      REQUIRE(text_max.count(key) == 1);  // a new free-text fact needs its bound here
      v = "\"" + std::string(text_max.at(key), 'x') + "\"";
    }
    json += (json.size() > 1 ? "," : "") + ("\"" + key + "\":") + v;
    all_keys += (all_keys.empty() ? "" : ",") + key;
  }
  for (const auto& [fact, name, max] : fields) {
    INFO("field " << fact << ":" << name);
    // Every field the script prints is one the probe declares.
    REQUIRE(field_kinds["guest." + fact].count(name) == 1);
    const bool integer = field_kinds["guest." + fact][name] == "integer";
    const std::string v = integer ? std::string(max, '9') : "\"" + std::string(max, 'x') + "\"";
    json += ",\"" + fact + ":" + name + "\":" + v;
  }
  json += ",\"unreadable\":\"" + all_keys + "\"}";
  const std::string line = kGuestFactsMarker + json + "\r\n";
  std::cout << "guest facts worst case: " << line.size() << " bytes of 4096 (" << keys.size()
            << " facts, " << fields.size() << " fields)\n";
  CHECK(line.size() <= 4096);
  std::string why;
  CHECK(parse_guest_facts(line, &why));
}

}  // namespace
}  // namespace rdptriage::internal::azure
