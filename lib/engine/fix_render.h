// Internal: renders a cause's fix for one VM from the host's context and the
// evidence gathered (probe answers and their named fields): where each step
// runs, Run Command scripts handed over byte for byte, steps whose
// condition the evidence rules out left out, warnings derived from the
// steps' effects, and the values nothing gave listed with how to get them.
#ifndef RDPTRIAGE_LIB_ENGINE_FIX_RENDER_H_
#define RDPTRIAGE_LIB_ENGINE_FIX_RENDER_H_

#include <string>
#include <vector>

#include "engine/condition_eval.h"
#include "rdptriage/probe.h"
#include "rdptriage/report.h"
#include "rules/model.h"

namespace rdptriage::internal {

// The host's context plus what the evidence tells (the VM's private and
// public IP, its computer name, the dialed port, the user name typed) for
// keys the host did not give, and a /32 (/128) source prefix from the
// client's address. Invalid values are left out.
Context fix_context(const CompiledRules& rules, const Context& context,
                    const std::vector<Evidence>& evidence);

// The fix of rules.causes[cause]. `context` must be valid
// (validate_context); derived values are added here. A step the host's
// channel policy forbids (Run Command, the serial console) is rendered where
// the policy allows: a Run Command step gives way to its declared serial
// console alternative, or its script runs at the serial console in
// PowerShell; with both disabled the step says so and runs at an elevated
// prompt inside the VM. Alternatives are left out when the serial console
// is disabled.
RenderedFix render_fix(const CompiledRules& rules, int cause, const Context& context,
                       const std::vector<Evidence>& evidence,
                       const std::vector<Channel>& disabled_channels = {});

// Re-renders the fixes in `report` (the confirmed cause's, and each
// candidate's that has one) for the host's channel policy, when it disables
// Run Command or the serial console; `context` is the host's.
void apply_fix_channel_policy(const CompiledRules& rules,
                              const std::vector<Channel>& disabled_channels, const Context& context,
                              Report* report);

// The probes still to ask (or their fallbacks, when they could not run)
// whose answers the fix of rules.causes[cause] would use: those giving a
// value it shows as missing (a probe placeholder, IP flow verify for the
// computed NSG values, the probe a context key is derived from) and those
// deciding a step's condition the evidence left open. Ordered by index;
// never a probe `answers` holds an answer for or that is disabled.
std::vector<int> fix_reads(const CompiledRules& rules, int cause, const Context& context,
                           const std::vector<Evidence>& evidence, const ProbeAnswers& answers);

// A probe's test as the next thing to run: its how-text rendered for bash,
// or for a Run Command probe given as a script, the az vm run-command
// invoke command that hands over that script unchanged.
std::string render_probe_test(const Probe& probe, const Context& context);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_FIX_RENDER_H_
