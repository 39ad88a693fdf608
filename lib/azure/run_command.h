// Internal: the guest facts, from one Run Command per evaluation.
//
// The script (rules/run_command/guest_facts.ps1) prints one line
// "RDPTRIAGE-GUEST-FACTS/1 {json}" whose keys are the guest.* probe ids
// without their prefix, and "fact:field" for their answer fields. The
// script runs once per evaluation (the cache key "run_command"); every
// guest.* probe of that evaluation is answered from it. A VM that is not
// running, an agent that is not Ready, a run that fails or prints no facts
// line: the guest probes are unavailable, so the engine falls back to the
// serial console.
#ifndef RDPTRIAGE_LIB_AZURE_RUN_COMMAND_H_
#define RDPTRIAGE_LIB_AZURE_RUN_COMMAND_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>

#include "azure/vm_reader.h"
#include "rdptriage/probe.h"

namespace rdptriage::internal::azure {

inline constexpr const char* kGuestFactsMarker = "RDPTRIAGE-GUEST-FACTS/1 ";

struct RunCommandSettings {
  std::string script;    // the PowerShell script text
  std::string username;  // passed as -UserName; empty: not passed
  // The client's address as the VM sees it (context client_ip), passed as
  // -ClientAddress: whose logon the Security log shows is the client's.
  // Empty: not passed.
  std::string client_address;
};

// Answers one guest.* probe (`fact` is the id without "guest.").
ProbeResult guest_fact(VmReader& reader, const RunCommandSettings& settings,
                       const std::string& fact);

// The answer fields of `fact` in the facts line: its "fact:field" keys,
// numbers as whole-number text.
std::map<std::string, std::string, std::less<>> guest_fields(const boost::json::object& facts,
                                                             const std::string& fact);

// Finds the facts line in Run Command's standard output and parses it.
// Returns nullopt (with *why) when there is none or it is not an object.
std::optional<boost::json::object> parse_guest_facts(const std::string& stdout_text,
                                                     std::string* why);

// Why Run Command cannot run now, from the instance view (VM not running,
// agent not Ready); empty when it can.
std::string run_command_blocker(const boost::json::value& vm);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_RUN_COMMAND_H_
