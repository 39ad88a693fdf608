// IP flow verify semantics, against hand-worked cases.
#include "world/nsg_evaluator.h"

#include <catch2/catch.hpp>

namespace rdptriage::internal::world {
namespace {

const std::vector<std::string> kVnet = {"10.0.0.0/16"};

SecurityRule rule(std::string name, int priority, bool allow, std::vector<std::string> sources,
                  std::vector<PortRange> ports = {{3389, 3389}}, std::string protocol = "Tcp") {
  return SecurityRule{std::move(name),     priority,           true,  allow,
                      std::move(protocol), std::move(sources), {"*"}, std::move(ports)};
}

Flow from(const std::string& source, int port = 3389) {
  return Flow{"Tcp", source, "10.0.0.4", port};
}

TEST_CASE("a higher-priority deny shadows the allow") {
  std::vector<SecurityRule> nic = {
      rule("Allow-Office", 300, true, {"203.0.113.0/24"}),
      rule("Deny-Internet", 200, false, {"Internet"}, {{0, 65535}}, "*")};
  NsgVerdict v = evaluate_inbound(std::nullopt, nic, from("203.0.113.10"), kVnet);
  CHECK_FALSE(v.allowed);
  CHECK(v.rule == "Deny-Internet");
  CHECK(v.describe() == "nic NSG: Deny-Internet (priority 200)");
  nic[1].priority = 400;  // below the allow: the allow decides
  CHECK(evaluate_inbound(std::nullopt, nic, from("203.0.113.10"), kVnet).allowed);
}

TEST_CASE("subnet allow with NIC deny is denied, and the reverse") {
  std::vector<SecurityRule> allow = {rule("Allow", 100, true, {"*"})};
  std::vector<SecurityRule> deny = {rule("Deny", 100, false, {"*"})};
  NsgVerdict v = evaluate_inbound(allow, deny, from("203.0.113.10"), kVnet);
  CHECK_FALSE(v.allowed);
  CHECK(v.nsg == "nic");
  v = evaluate_inbound(deny, allow, from("203.0.113.10"), kVnet);
  CHECK_FALSE(v.allowed);
  CHECK(v.nsg == "subnet");
  CHECK(evaluate_inbound(allow, allow, from("203.0.113.10"), kVnet).allowed);
}

TEST_CASE("port ranges, lists and rules for other ports") {
  std::vector<SecurityRule> nic = {rule("Range", 100, true, {"*"}, {{3000, 4000}})};
  CHECK(evaluate_inbound(std::nullopt, nic, from("198.51.100.1"), kVnet).allowed);
  nic = {rule("List", 100, true, {"*"}, {{22, 22}, {5985, 5986}})};
  NsgVerdict v = evaluate_inbound(std::nullopt, nic, from("198.51.100.1"), kVnet);
  CHECK_FALSE(v.allowed);
  CHECK(v.rule == "DenyAllInBound");  // the only allow is for other ports
  CHECK(evaluate_inbound(std::nullopt, nic, from("198.51.100.1", 5986), kVnet).allowed);
}

TEST_CASE("prefixes, prefix lists and single addresses") {
  std::vector<SecurityRule> nic = {rule("Office", 100, true, {"203.0.113.0/24", "198.51.100.7"})};
  CHECK(evaluate_inbound(std::nullopt, nic, from("203.0.113.250"), kVnet).allowed);
  CHECK(evaluate_inbound(std::nullopt, nic, from("198.51.100.7"), kVnet).allowed);
  CHECK_FALSE(evaluate_inbound(std::nullopt, nic, from("198.51.100.8"), kVnet).allowed);
  CHECK_FALSE(evaluate_inbound(std::nullopt, nic, from("203.0.114.1"), kVnet).allowed);
}

TEST_CASE("service tags and Azure's default rules") {
  std::vector<SecurityRule> none;
  // AllowVnetInBound lets the VNet in; DenyAllInBound stops the internet.
  NsgVerdict vnet = evaluate_inbound(std::nullopt, none, from("10.0.1.5"), kVnet);
  CHECK(vnet.allowed);
  CHECK(vnet.rule == "AllowVnetInBound");
  CHECK(vnet.priority == 65000);
  NsgVerdict internet = evaluate_inbound(std::nullopt, none, from("203.0.113.10"), kVnet);
  CHECK_FALSE(internet.allowed);
  CHECK(internet.rule == "DenyAllInBound");
  CHECK(evaluate_inbound(std::nullopt, none, from("168.63.129.16"), kVnet).rule ==
        "AllowAzureLoadBalancerInBound");
  std::vector<SecurityRule> tag = {rule("Internet", 100, true, {"Internet"})};
  CHECK(evaluate_inbound(std::nullopt, tag, from("203.0.113.10"), kVnet).allowed);
  CHECK(evaluate_inbound(std::nullopt, tag, from("10.0.1.5"), kVnet).rule == "AllowVnetInBound");
  std::vector<SecurityRule> vnet_only = {rule("Vnet", 100, true, {"VirtualNetwork"}),
                                         rule("DenyRest", 200, false, {"*"})};
  CHECK_FALSE(evaluate_inbound(std::nullopt, vnet_only, from("203.0.113.10"), kVnet).allowed);
}

TEST_CASE("no NSG at either level lets everything through; protocol must match") {
  CHECK(evaluate_inbound(std::nullopt, std::nullopt, from("203.0.113.10"), kVnet).allowed);
  std::vector<SecurityRule> udp = {rule("Udp", 100, true, {"*"}, {{3389, 3389}}, "Udp")};
  CHECK_FALSE(evaluate_inbound(std::nullopt, udp, from("203.0.113.10"), kVnet).allowed);
}

TEST_CASE("IPv4 prefix parsing") {
  CHECK(ipv4_in_prefix("10.0.5.9", "10.0.0.0/16"));
  CHECK_FALSE(ipv4_in_prefix("10.1.0.1", "10.0.0.0/16"));
  CHECK(ipv4_in_prefix("1.2.3.4", "0.0.0.0/0"));
  std::uint32_t a;
  int bits;
  CHECK_FALSE(parse_ipv4_prefix("10.0.0.0/33", &a, &bits));
  CHECK_FALSE(parse_ipv4_prefix("10.0.0", &a, &bits));
  CHECK_FALSE(parse_ipv4_prefix("256.0.0.1", &a, &bits));
}

}  // namespace
}  // namespace rdptriage::internal::world
