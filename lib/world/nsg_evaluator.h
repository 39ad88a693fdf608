// Internal: Azure NSG semantics for one inbound flow, as IP flow verify
// answers it. Inbound traffic must be allowed by the subnet NSG and then by
// the NIC NSG; within one NSG the lowest priority number that matches
// decides; Azure's default rules sit beneath every NSG.
#ifndef RDPTRIAGE_LIB_WORLD_NSG_EVALUATOR_H_
#define RDPTRIAGE_LIB_WORLD_NSG_EVALUATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "world/world_model.h"

namespace rdptriage::internal::world {

struct Flow {
  std::string protocol = "Tcp";
  std::string source;       // IPv4 address
  std::string destination;  // IPv4 address
  int port = 3389;
};

struct NsgVerdict {
  bool allowed = true;
  std::string nsg;   // "subnet" or "nic" (the level that decided a deny, or "nic" when allowed)
  std::string rule;  // deciding rule name
  int priority = 0;
  // "nic NSG: DenyRdp (priority 200)"
  std::string describe() const;
};

// Parses "a.b.c.d" or "a.b.c.d/n"; false if malformed.
bool parse_ipv4_prefix(const std::string& text, std::uint32_t* address, int* bits);
bool ipv4_in_prefix(const std::string& address, const std::string& prefix);

// Evaluates one NSG (nullopt: no NSG at that level, allows everything).
NsgVerdict evaluate_nsg(const std::vector<SecurityRule>& rules, const Flow& flow,
                        const std::vector<std::string>& vnet_prefixes);
// Subnet then NIC.
NsgVerdict evaluate_inbound(const std::optional<std::vector<SecurityRule>>& subnet,
                            const std::optional<std::vector<SecurityRule>>& nic, const Flow& flow,
                            const std::vector<std::string>& vnet_prefixes);

}  // namespace rdptriage::internal::world

#endif  // RDPTRIAGE_LIB_WORLD_NSG_EVALUATOR_H_
