#include "rules/steps.h"

#include <re2/re2.h>

#include <algorithm>
#include <memory>

namespace rdptriage::internal {
namespace {

struct Pattern {
  const char* regex;
  const char* why;
  std::vector<std::string> accepts;
};

// Commands whose effect is visible in their text. Sources: az vm restart /
// redeploy / deallocate / stop / resize (learn.microsoft.com/cli/azure/vm;
// redeploy and deallocation lose the temporary disk and dynamic addresses),
// az vm install-patches --reboot-setting, Restart-Computer, -Restart on
// Uninstall-WindowsFeature / Remove-Computer / Add-Computer, netdom /reboot.
const std::vector<Pattern>& patterns() {
  static const std::vector<Pattern> kPatterns = {
      {R"(\bRestart-Computer\b)", "restarts the VM (Restart-Computer)", {"restarts_vm"}},
      {R"(\bStop-Computer\b)", "stops the VM (Stop-Computer)", {"restarts_vm"}},
      {R"((?:^|[\s;(])-Restart\b)", "restarts the VM (-Restart)", {"restarts_vm"}},
      {R"(-AutoReboot\b)", "restarts the VM (-AutoReboot)", {"restarts_vm"}},
      {R"(/reboot\b)", "restarts the VM (/reboot)", {"restarts_vm"}},
      {R"(\bshutdown(?:\.exe)?\s+[/-][rs]\b)",
       "restarts or stops the VM (shutdown)",
       {"restarts_vm"}},
      {R"(\baz\s+vm\s+(?:restart|redeploy|deallocate|stop|resize|reimage)\b)",
       "restarts or stops the VM (az vm restart/redeploy/deallocate/stop/resize)",
       {"restarts_vm"}},
      {R"(--reboot-setting\s+['"]?(?:IfRequired|Always)\b)",
       "may restart the VM (--reboot-setting)",
       {"restarts_vm"}},
      {R"(\baz\s+vm\s+(?:redeploy|deallocate)\b)",
       "loses the temporary disk's data (redeploy and deallocation move the VM off its host)",
       {"deletes_data"}},
      {R"(\baz\s+vm\s+(?:redeploy|deallocate)\b)",
       "releases dynamic IP addresses (redeploy and deallocation)",
       {"changes_address"}},
      {R"(\b(?:Restart|Stop)-Service\b|\bnet\s+stop\b|\bsc(?:\.exe)?\s+stop\b)",
       "stops or restarts a service",
       {"restarts_service", "restarts_vm"}},
      {R"(\breg(?:\.exe)?\s+(?:add|delete|import|restore|load)\b|\b(?:Set|New|Remove)-ItemProperty\b)",
       "changes the registry",
       {"changes_registry"}},
      {R"((?:^|[;&|(]\s*)(?:logoff|rwinsta)\b|\breset\s+session\b|\bInvoke-RDUserLogoff\b)",
       "ends a session",
       {"drops_sessions"}},
      {R"(\baz\s+vm\s+user\s+(?:update|delete|reset)|\b(?:Set|Enable|Disable|Unlock)-(?:LocalUser|ADAccount)\b|\bSet-ADAccountPassword\b|\bAdd-(?:LocalGroupMember|ADGroupMember)\b|\bReset-ComputerMachinePassword\b|-Repair\b|\bnetdom\s+(?:remove|join|resetpwd)\b|\bIsAccountLocked\b|\bnet\s+user\b[^&;\n]*/(?:active|add|delete))",
       "changes an account, a password or the VM's domain membership",
       {"changes_identity"}},
      {R"(\baz\s+network\s+nsg\s+rule\s+(?:create|update)\b)",
       "changes an NSG rule",
       {"opens_port"}},
      // The guest's own firewall: the built-in Remote Desktop rule group
      // (Enable-NetFirewallRule, netsh advfirewall ... enable=yes) or a new
      // allow rule.
      {R"(\b(?:Enable-NetFirewallRule|Disable-NetFirewallProfile)\b|\bnetsh\s+advfirewall\s+firewall\s+(?:set|add)\b[^&;\n]*enable=yes|\bnetsh\s+advfirewall\s+set\s+\w+\s+state\s+off\b|\bNew-NetFirewallRule\b[^;\n]*-Action\s+Allow\b|\bSet-NetFirewallProfile\b[^;\n]*-Enabled\s+(?:False|\$false)\b)",
       "lets more in through the VM's firewall",
       {"opens_port"}},
      // Azure RBAC and Microsoft Graph writes change who may do what.
      {R"(\baz\s+role\s+assignment\s+(?:create|delete|update)\b)",
       "changes an Azure role assignment (who may sign in or manage)",
       {"changes_identity"}},
      {R"(\baz\s+rest\b[^\n]*--method\s+['"]?(?:patch|put|post|delete)\b[^\n]*graph\.microsoft\.com|\baz\s+rest\b[^\n]*graph\.microsoft\.com[^\n]*--method\s+['"]?(?:patch|put|post|delete)\b)",
       "changes a directory object through Microsoft Graph",
       {"changes_identity"}},
      {R"(perUserMfaState\W+disabled\b)",
       "turns multi-factor authentication off",
       {"lowers_security"}},
      {R"(\bStop-Process\b|\btaskkill(?:\.exe)?\b|\btskill\b)", "ends a process", {"ends_process"}},
      {R"(\baz\s+network\s+route-table\s+route\s+(?:create|update|delete)\b)",
       "changes a route",
       {"changes_routing"}},
      {R"(\bRemove-Item\b|\bdel\s|\brmdir\b)", "deletes files", {"deletes_data"}},
      {R"((?:UserAuthentication|SecurityLayer|fAllowSecProtocolNegotiation)\b[^&;\n]*/d\s+0\b)",
       "turns Network Level Authentication off",
       {"lowers_security"}},
      {R"(AllowEncryptionOracle\b[^&;\n]*(?:/d\s+2\b|-Value\s+2\b))",
       "sets CredSSP to Vulnerable",
       {"lowers_security"}},
      {R"(TLS 1\.[01]\\Server\b[^&;\n]*/v\s+Enabled\b[^&;\n]*/d\s+1\b)",
       "re-enables TLS 1.0 or 1.1",
       {"lowers_security"}},
  };
  return kPatterns;
}

const std::vector<std::unique_ptr<RE2>>& compiled() {
  static const std::vector<std::unique_ptr<RE2>> kCompiled = [] {
    std::vector<std::unique_ptr<RE2>> out;
    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    for (const Pattern& p : patterns()) out.push_back(std::make_unique<RE2>(p.regex, o));
    return out;
  }();
  return kCompiled;
}

}  // namespace

const std::vector<RunsInfo>& runs_vocabulary() {
  static const std::vector<RunsInfo> kRuns = {
      {"admin_shell", "in your own shell with the Azure CLI (az), signed in to the subscription",
       "bash"},
      {"run_command",
       "inside the VM, through Run Command (runs as SYSTEM, cannot prompt, keeps the last 4 KB "
       "of output)",
       "powershell"},
      {"serial_console",
       "inside the VM, at the serial console (SAC> cmd, then ch -si 1 and sign in; type "
       "powershell for a PowerShell prompt)",
       "cmd powershell"},
      {"vm_console",
       "inside the VM at an elevated prompt, signed in as an administrator (an RDP session, or "
       "the serial console; a local account such as .\\<admin> still works while domain "
       "sign-ins fail); interactive, so it can prompt for a credential",
       "cmd powershell"},
      {"client", "on the computer you connect from", "cmd powershell bash"},
      {"directory",
       "on a computer with the Active Directory PowerShell module (RSAT), as a domain "
       "administrator",
       "powershell"},
  };
  return kRuns;
}

const RunsInfo* find_runs(std::string_view name) {
  for (const RunsInfo& r : runs_vocabulary())
    if (r.name == name) return &r;
  return nullptr;
}

const std::vector<EffectInfo>& effect_vocabulary() {
  static const std::vector<EffectInfo> kEffects = {
      {"restarts_vm",
       "restarts the VM: every session ends and the VM cannot be reached until Windows is back "
       "(minutes, longer while updates install); run it in a maintenance window and warn the "
       "people signed in.",
       "restart the VM: every session ends and the VM cannot be reached until Windows is back "
       "(minutes, longer while updates install); run them in a maintenance window and warn the "
       "people signed in."},
      {"restarts_service",
       "restarts a service Remote Desktop depends on: open sessions may be disconnected.",
       "restart services Remote Desktop depends on: open sessions may be disconnected."},
      {"drops_sessions", "ends a user's session: unsaved work in it is lost; tell the user first.",
       "end users' sessions: unsaved work in them is lost; tell the users first."},
      {"ends_process",
       "ends a process: its unsaved work is lost and whatever it serves stops; make sure it is "
       "the runaway, not a service the users need.",
       "end processes: their unsaved work is lost and whatever they serve stops; make sure each "
       "is a runaway, not a service the users need."},
      {"changes_registry",
       "changes the registry inside the VM: take a snapshot of the OS disk first (az snapshot "
       "create) so the change can be rolled back.",
       "change the registry inside the VM: take a snapshot of the OS disk first (az snapshot "
       "create) so the changes can be rolled back."},
      {"opens_port",
       "opens a way in (an NSG rule, or the VM's own firewall): keep the source scoped to your own "
       "address or range (never *, Any or Internet), and prefer Azure Bastion to a public RDP "
       "port.",
       "open ways in (NSG rules, or the VM's own firewall): keep the source scoped to your own "
       "address or range (never *, Any or Internet), and prefer Azure Bastion to a public RDP "
       "port."},
      {"changes_identity",
       "changes an account, its password, its permissions or the VM's domain membership: record "
       "the change, and where a password changed update saved credentials and anything that "
       "signs in with them (services, scheduled tasks).",
       "change accounts, passwords, permissions or the VM's domain membership: record the "
       "changes, and where a password changed update saved credentials and anything that signs "
       "in with them (services, scheduled tasks)."},
      {"deletes_data",
       "deletes data that cannot be brought back (files, the temporary disk's contents): copy "
       "what you need first.",
       "delete data that cannot be brought back (files, the temporary disk's contents): copy "
       "what you need first."},
      {"changes_routing",
       "changes how traffic is routed: traffic for the route's prefix takes the new next hop and "
       "no longer passes what it passed before (an appliance or firewall); agree it with the "
       "network's owner and keep the prefix narrow.",
       "change how traffic is routed: traffic for their prefixes takes the new next hops and no "
       "longer passes what it passed before (an appliance or firewall); agree them with the "
       "network's owner and keep the prefixes narrow."},
      {"changes_address",
       "can change the VM's dynamic IP addresses: update the RDP file and any DNS record, or "
       "make the public IP static first.",
       "can change the VM's dynamic IP addresses: update the RDP file and any DNS record, or "
       "make the public IP static first."},
      {"lowers_security",
       "lowers the security of the VM, the client or the account: put whatever replaces it in "
       "place first, and keep it only as long as it is needed.",
       "lower the security of the VM, the client or the account: put whatever replaces them in "
       "place first, and keep them only as long as they are needed."},
  };
  return kEffects;
}

const EffectInfo* find_effect(std::string_view name) {
  for (const EffectInfo& e : effect_vocabulary())
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<VisibleEffect> visible_effects(std::string_view command) {
  std::vector<VisibleEffect> out;
  const auto& regexes = compiled();
  for (std::size_t i = 0; i < regexes.size(); ++i) {
    if (!regexes[i]->ok()) continue;
    if (RE2::PartialMatch(re2::StringPiece(command.data(), command.size()), *regexes[i]))
      out.push_back({patterns()[i].why, patterns()[i].accepts});
  }
  return out;
}

}  // namespace rdptriage::internal
