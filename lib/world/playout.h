// Internal: plays a connection out along the path world.md describes and
// reports what the client sees: the first thing that fails, and how far the
// attempt got. Deterministic and side-effect free, so user questions can be
// answered by replaying a modified copy of the world.
#ifndef RDPTRIAGE_LIB_WORLD_PLAYOUT_H_
#define RDPTRIAGE_LIB_WORLD_PLAYOUT_H_

#include <string>

#include "world/world_model.h"

namespace rdptriage::internal::world {

enum class Reached { kClient, kNetwork, kListener, kChannel, kLogon, kSession };

struct Outcome {
  std::string symptom = "ok";  // symptom id the client sees
  std::string tcp = "open";    // client.tcp_connect: open|refused|timeout|local_error|none
  Reached failed_at = Reached::kSession;  // meaningful when symptom != ok
  std::string step;                       // what failed, for debugging ("nsg", "termservice", ...)
  std::string logon_failure = "none";     // 4625 status of a failed account logon
  std::string logon_failure_domain;       // its Account Domain (AzureAD for Entra ID)
  bool resolves = true;                   // the dialed name resolves
  std::string dialed_address;             // address the client connects to
  bool ok() const { return symptom == "ok"; }
};

// Which account the typed user name designates.
struct AccountLookup {
  enum Kind { kLocal, kDomain, kUnknownAuthority, kEntra } kind = kLocal;
  std::string authority;  // as typed: "." for local
  std::string name;
  const Account* account = nullptr;     // nullptr: no such account
  const EntraAccount* entra = nullptr;  // kEntra: the Entra ID account, nullptr if unknown
};

AccountLookup lookup_account(const WorldModel& w);
Outcome play(const WorldModel& w);

// The NSG verdict for the client's flow (used by playout and IP flow verify).
struct NsgVerdict;
NsgVerdict client_flow_verdict(const WorldModel& w);

// The address the client's dial host resolves to ("" when it does not).
std::string resolved_dial_address(const WorldModel& w);
// The client dials the frontend of the load balancer NAT rule.
bool dials_lb_nat(const WorldModel& w);
// The TCP port the client's packets arrive at on the VM's NIC: the NAT
// rule's backend port through a load balancer, else the dialed port.
int arriving_port(const WorldModel& w);
// RDP is refused at the system level: the policy value when set, else
// fDenyTSConnections.
bool rdp_denied(const Guest& g);
// The CredSSP handshake is blocked (the interoperability table of the
// CVE-2018-0886 update: an updated end refuses an unpatched one unless its
// AllowEncryptionOracle says otherwise).
bool credssp_blocked(const WorldModel& w);

}  // namespace rdptriage::internal::world

#endif  // RDPTRIAGE_LIB_WORLD_PLAYOUT_H_
