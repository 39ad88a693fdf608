// The adapter's parts on their own: Retry-After, redaction, the deciding
// rule in effective NSGs (the published example's shape), the guest facts
// line and its worst-case size against Run Command's 4,096 bytes.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

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

// The body of NetworkInterfaceEffectiveNSGList.json
// (azure-rest-api-specs, Microsoft.Network/stable/2022-01-01/examples), with a
// second group for a NIC-level NSG as ARM lists one per NSG.
const char* kEffective = R"({"value": [
  {"networkSecurityGroup": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/test-nsg"},
   "association": {"subnet": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/rg1-vnet/subnets/default"}},
   "effectiveSecurityRules": [
     {"name": "securityRules/rule1", "protocol": "Tcp", "sourcePortRange": "456-456", "destinationPortRange": "6579-6579",
      "sourceAddressPrefix": "0.0.0.0/32", "destinationAddressPrefix": "0.0.0.0/32", "access": "Allow", "priority": 234, "direction": "Inbound"},
     {"name": "securityRules/default-allow-rdp", "protocol": "Tcp", "sourcePortRange": "0-65535", "destinationPortRange": "3389-3389",
      "sourceAddressPrefix": "1.1.1.1/32", "destinationAddressPrefix": "0.0.0.0/0", "access": "Allow", "priority": 1000, "direction": "Inbound"},
     {"name": "defaultSecurityRules/AllowInternetOutBound", "protocol": "All", "sourcePortRange": "0-65535", "destinationPortRange": "0-65535",
      "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "Internet", "access": "Allow", "priority": 65001, "direction": "Outbound"},
     {"name": "defaultSecurityRules/DenyAllInBound", "protocol": "All", "sourcePortRange": "0-65535", "destinationPortRange": "0-65535",
      "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "0.0.0.0/0", "access": "Deny", "priority": 65500, "direction": "Inbound"}]},
  {"networkSecurityGroup": {"id": "/subscriptions/subid/resourceGroups/net-rg/providers/Microsoft.Network/networkSecurityGroups/nic1-nsg"},
   "association": {"networkInterface": {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkInterfaces/nic1"}},
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

  ProbeResult allow = ProbeResult::value_of(std::string("allow"));
  locate_deciding_rule("default-allow-rdp", "allow", effective, nic_nsg, &allow);
  CHECK(allow.fields["nsg"] == "test-nsg");
  CHECK(allow.fields["nsg_scope"] == "subnet");
  CHECK(allow.fields["nsg_priorities_in_use"] == "234,1000");

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

// The longest line the script can print: every key it reads, each with the
// longest value its probe's domain allows (strings as the script caps them),
// and every key listed as unreadable.
TEST_CASE("guest facts fit Run Command's 4 KB output (worst case)", "[azure]") {
  const std::string source = RDPTRIAGE_TEST_SOURCE_DIR;
  const std::string script = read(source + "/rules/run_command/guest_facts.ps1");
  const auto probes = boost::json::parse(read(source + "/rules/probes.json"));
  std::map<std::string, boost::json::object> domains;
  for (const auto& p : probes.at("probes").as_array())
    domains[std::string(p.at("id").as_string())] = p.at("result").as_object();
  std::regex fact("^Fact '([a-z0-9_]+)'", std::regex::ECMAScript | std::regex::multiline);
  std::vector<std::string> keys;
  for (std::sregex_iterator it(script.begin(), script.end(), fact), end; it != end; ++it)
    keys.push_back((*it)[1]);
  REQUIRE(keys.size() >= 25);
  // What the script lets through for the two free-text facts.
  const std::map<std::string, std::size_t> text_max = {{"domain_dns_name", 253},
                                                       {"domain_netbios_name", 15}};
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
  json += ",\"unreadable\":\"" + all_keys + "\"}";
  const std::string line = kGuestFactsMarker + json + "\r\n";
  std::cout << "guest facts worst case: " << line.size() << " bytes of 4096 (" << keys.size()
            << " facts)\n";
  CHECK(line.size() <= 4096);
  std::string why;
  CHECK(parse_guest_facts(line, &why));
}

}  // namespace
}  // namespace rdptriage::internal::azure
