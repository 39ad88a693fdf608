// Internal: the vocabulary of fix steps. Where a step runs (`runs`), what it
// does to the estate (`effects`), the warning each effect brings, and the
// commands that visibly restart, stop or change something a step must then
// declare. Shared by the loader (checks) and the fix renderer (wording).
#ifndef RDPTRIAGE_LIB_RULES_STEPS_H_
#define RDPTRIAGE_LIB_RULES_STEPS_H_

#include <string>
#include <string_view>
#include <vector>

namespace rdptriage::internal {

struct RunsInfo {
  std::string_view name;    // "admin_shell", "run_command", ...
  std::string_view where;   // where that is, in words
  std::string_view shells;  // shells a command may be written in, space-separated
};

// admin_shell: the admin's shell with the Azure CLI; run_command: a
// PowerShell script run inside the VM by Run Command (as SYSTEM, no prompts,
// last 4 KB of output); serial_console: the VM's serial console (SAC > cmd);
// vm_console: an interactive elevated prompt inside the VM (a local
// administrator's session or the serial console), for steps that prompt;
// client: the computer the user connects from; directory: a computer with
// the Active Directory PowerShell module, as a domain administrator.
const std::vector<RunsInfo>& runs_vocabulary();
const RunsInfo* find_runs(std::string_view name);

struct EffectInfo {
  std::string_view name;  // "restarts_vm", ...
  // The warning, after "Step 2 " / "Steps 2 and 4 ": a verb phrase in the
  // singular ("restarts the VM: ..."); the plural is formed by the renderer.
  std::string_view singular;
  std::string_view plural;
};
const std::vector<EffectInfo>& effect_vocabulary();
const EffectInfo* find_effect(std::string_view name);

// What a command visibly does that its step must declare. Each entry names
// the effects any one of which satisfies it, and why.
struct VisibleEffect {
  std::string why;                   // "restarts the VM (az vm restart)"
  std::vector<std::string> accepts;  // effect names that declare it
};
// Scans `command` (and for Run Command steps the script) case-insensitively.
std::vector<VisibleEffect> visible_effects(std::string_view command);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_STEPS_H_
