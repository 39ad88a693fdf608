#include "world/nsg_evaluator.h"

#include <algorithm>
#include <cctype>

namespace rdptriage::internal::world {
namespace {

constexpr const char* kLoadBalancerAddress = "168.63.129.16";

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool in_vnet(const std::string& address, const std::vector<std::string>& vnet) {
  return std::any_of(vnet.begin(), vnet.end(),
                     [&](const std::string& p) { return ipv4_in_prefix(address, p); });
}

// Does one prefix (address, CIDR, * or service tag) cover `address`?
bool prefix_matches(const std::string& prefix, const std::string& address,
                    const std::vector<std::string>& vnet) {
  if (prefix == "*" || iequals(prefix, "Any")) return true;
  if (iequals(prefix, "VirtualNetwork")) return in_vnet(address, vnet);
  if (iequals(prefix, "AzureLoadBalancer")) return address == kLoadBalancerAddress;
  if (iequals(prefix, "Internet"))
    return !in_vnet(address, vnet) && address != kLoadBalancerAddress;
  return ipv4_in_prefix(address, prefix);
}

bool rule_matches(const SecurityRule& r, const Flow& f, const std::vector<std::string>& vnet) {
  if (!r.inbound) return false;
  if (r.protocol != "*" && !iequals(r.protocol, f.protocol)) return false;
  auto covers = [&](const std::vector<std::string>& prefixes, const std::string& addr) {
    return std::any_of(prefixes.begin(), prefixes.end(),
                       [&](const std::string& p) { return prefix_matches(p, addr, vnet); });
  };
  if (!covers(r.sources, f.source) || !covers(r.destinations, f.destination)) return false;
  return std::any_of(r.ports.begin(), r.ports.end(),
                     [&](const PortRange& p) { return f.port >= p.low && f.port <= p.high; });
}

std::vector<SecurityRule> default_rules() {
  SecurityRule vnet{"AllowVnetInBound", 65000,       true, true, "*", {"VirtualNetwork"},
                    {"VirtualNetwork"}, {{0, 65535}}};
  SecurityRule lb{"AllowAzureLoadBalancerInBound", 65001, true,        true, "*",
                  {"AzureLoadBalancer"},           {"*"}, {{0, 65535}}};
  SecurityRule deny{"DenyAllInBound", 65500, true, false, "*", {"*"}, {"*"}, {{0, 65535}}};
  return {vnet, lb, deny};
}

}  // namespace

std::string NsgVerdict::describe() const {
  return nsg + " NSG: " + rule + " (priority " + std::to_string(priority) + ")";
}

bool parse_ipv4_prefix(const std::string& text, std::uint32_t* address, int* bits) {
  std::size_t slash = text.find('/');
  std::string addr = text.substr(0, slash);
  *bits = 32;
  if (slash != std::string::npos) {
    std::string b = text.substr(slash + 1);
    if (b.empty() || b.size() > 2 || !std::all_of(b.begin(), b.end(), ::isdigit)) return false;
    *bits = std::stoi(b);
    if (*bits > 32) return false;
  }
  std::uint32_t value = 0;
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= addr.size()) {
    std::size_t dot = addr.find('.', pos);
    std::string part = addr.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), ::isdigit))
      return false;
    int v = std::stoi(part);
    if (v > 255) return false;
    value = (value << 8) | static_cast<std::uint32_t>(v);
    ++parts;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (parts != 4) return false;
  *address = value;
  return true;
}

bool ipv4_in_prefix(const std::string& address, const std::string& prefix) {
  std::uint32_t a, p;
  int abits, pbits;
  if (!parse_ipv4_prefix(address, &a, &abits) || !parse_ipv4_prefix(prefix, &p, &pbits))
    return false;
  std::uint32_t mask = pbits == 0 ? 0 : ~std::uint32_t{0} << (32 - pbits);
  return (a & mask) == (p & mask);
}

NsgVerdict evaluate_nsg(const std::vector<SecurityRule>& rules, const Flow& flow,
                        const std::vector<std::string>& vnet_prefixes) {
  std::vector<SecurityRule> all = rules;
  for (SecurityRule& d : default_rules()) all.push_back(std::move(d));
  std::stable_sort(all.begin(), all.end(), [](const SecurityRule& a, const SecurityRule& b) {
    return a.priority < b.priority;
  });
  for (const SecurityRule& r : all) {
    if (rule_matches(r, flow, vnet_prefixes)) return {r.allow, "", r.name, r.priority};
  }
  return {false, "", "DenyAllInBound", 65500};  // unreachable: the default deny matches all
}

NsgVerdict evaluate_inbound(const std::optional<std::vector<SecurityRule>>& subnet,
                            const std::optional<std::vector<SecurityRule>>& nic, const Flow& flow,
                            const std::vector<std::string>& vnet_prefixes) {
  NsgVerdict last{true, "none", "no NSG", 0};
  if (subnet) {
    last = evaluate_nsg(*subnet, flow, vnet_prefixes);
    last.nsg = "subnet";
    if (!last.allowed) return last;
  }
  if (nic) {
    last = evaluate_nsg(*nic, flow, vnet_prefixes);
    last.nsg = "nic";
  }
  return last;
}

}  // namespace rdptriage::internal::world
