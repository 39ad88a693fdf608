// rdptriage: the result of one evaluation.
//
// A Report says where the failure is (layer), what it is (cause), how that
// was established (evidence: every probe asked, in order, with its cost and
// effect), and what to do (fix steps with commands rendered for the host's
// context, and warnings). When the evidence cannot settle it the report is
// inconclusive and lists the candidates with the next test to run for each.
//
//   auto report = triage.evaluate(request);
//   if (report.ok() && report->status == rdptriage::Verdict::kConfirmed)
//     post(report->title, rdptriage::report_to_json(*report));
//   else if (report.ok())
//     std::fputs(rdptriage::to_text(*report, {.colour = isatty(1)}).c_str(), stdout);
//
// Thread safety: a Report is a plain value.
#ifndef RDPTRIAGE_REPORT_H_
#define RDPTRIAGE_REPORT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/client_error.h"
#include "rdptriage/probe.h"
#include "rdptriage/rules.h"

namespace rdptriage {

enum class Verdict {
  kConfirmed,     // a cause is named and its confirming test came back positive
  kInconclusive,  // see candidates
  kHealthy,       // every layer checked out
};

// "confirmed", "inconclusive", "healthy".
std::string_view verdict_name(Verdict verdict);

// One probe asked during an evaluation.
struct Evidence {
  std::string probe;
  Channel channel = Channel::kClient;
  std::string session;  // the channel session it belongs to, may be empty
  std::string adapter;  // which adapter answered, empty if none did
  ProbeResult result;   // value, or unavailable/failed with the reason
  // The cost charged for it: the session's opening cost for the first
  // member asked, plus the probe's own (default or host override); 0 when
  // nothing ran (unavailable) or the answer was already at hand (the
  // client's error showed it).
  double cost_s = 0;
  double elapsed_s = 0;                // wall time the adapters took
  std::vector<std::string> confirmed;  // causes this answer confirmed
  std::vector<std::string> ruled_out;  // causes this answer ruled out (gates included)
  std::vector<std::string> gates;      // layer gates this answer completed
  bool fallback = false;               // asked because another probe could not run
};

// One step of a fix, rendered for the VM's context and the evidence.
struct FixStep {
  std::string text;
  // The command to copy, rendered; empty when the step is prose. A step
  // that runs through Run Command is the whole az vm run-command invoke
  // command, with `script` single-quoted so bash hands it over unchanged.
  std::string command;
  std::string shell;  // the shell of `command`: "bash", "powershell", "cmd"; empty without one
  // Where `command` runs: "admin_shell" (your shell with the Azure CLI),
  // "run_command" (inside the VM through Run Command), "serial_console",
  // "vm_console" (an elevated prompt inside the VM, interactive), "client"
  // (the computer you connect from), "directory" (a computer with the
  // Active Directory module); empty without a command.
  std::string runs;
  std::string where;         // `runs` in words
  std::string script;        // run_command steps: the PowerShell Run Command receives
  std::string script_shell;  // "powershell" when `script` is set
  // What it does to the estate (restarts_vm, changes_registry, ...); the
  // fix's warnings follow from these.
  std::vector<std::string> effects;
  // The step applies under a condition the evidence could not settle
  // (its text says which); steps whose condition is false are left out.
  bool conditional = false;
  // When not 0: the 1-based number of the Run Command step this one does
  // instead, at the serial console, when Run Command cannot run (no VM
  // agent). Run one of the two, not both. When the host's channel policy
  // disables Run Command the alternative takes that step's place (and this
  // is 0); when it disables the serial console the alternative is left out.
  int alternative_to = 0;
  // Names of values it needs that neither the context nor the evidence
  // gave; they appear as placeholders that cannot run (see MissingValue).
  std::vector<std::string> missing;
};

// A value a fix needs that neither the host's context nor the evidence
// gave. In a command it is a placeholder no shell runs by accident: bash
// ${RDPTRIAGE_MISSING_<name>:?}, PowerShell $(throw ...), cmd/prose <name>.
struct MissingValue {
  std::string name;        // e.g. "nsg"
  std::string about;       // what it is
  std::string how;         // how to get it
  std::string probe;       // the probe that would give it, empty if none does
  std::vector<int> steps;  // 1-based numbers of the steps that need it
};

// A cause's fix rendered for one VM: the steps, the warnings their effects
// and the cause bring, and what is still missing.
struct RenderedFix {
  std::vector<FixStep> steps;
  std::vector<std::string> warnings;
  std::vector<MissingValue> missing;
};

struct Candidate {
  std::string cause;
  Layer layer = Layer::kNetwork;
  std::string title;
  std::string next_probe;  // the probe that would settle it, may be empty
  std::string next_test;   // that probe's command or question, rendered
  double cost_s = 0;       // what settling it would still cost (its test's probes)
  double weight = 0;       // its share of what is still open (0..1), from the rules'
                           // likelihoods and the client's error
  bool confirmed = false;  // its test is positive
  RenderedFix fix;         // when confirmed: its fix, rendered from the evidence
};

// What one answer to the next test would mean.
struct AnswerMeaning {
  std::string answer;  // "stopped", "true", "below 256", ...
  // What it would change: "confirms service.termservice_down", "passes the
  // gate ...; rules out ...; clears the network layer", "the gate ... can
  // no longer pass", or what it decides with which other probes.
  std::string meaning;
};

// The planner's pick of the one test to run next, with why.
struct NextTest {
  std::string probe;
  std::string title;
  Channel channel = Channel::kClient;
  std::string command;  // its command or question, rendered for the context
  double cost_s = 0;    // as it would be charged now
  std::string why;      // why it is the best next step
  std::vector<AnswerMeaning> outcomes;
};

// The schema version of report_to_json()'s output ("schema" in the JSON).
// It changes only when a field changes meaning or goes away; new fields are
// additions within a version. The JSON Schema is installed as
// share/rdptriage/schema/report.schema.json.
inline constexpr std::string_view kReportSchema = "rdptriage.report/1";

struct Report {
  // Identity: what produced this report, for a host's decision log.
  std::string library_version;  // library_version() of the library that evaluated
  std::string rules_schema;     // the rule format it read: kRulesSchema, "rdptriage.rules/1"
  std::string rules_digest;     // RuleSet::digest() of the rules it used ("sha256:...")
  // The signed packs among those rules (RuleSet::packs()), with their
  // version and the key that verified each; empty without packs.
  std::vector<PackInfo> rule_packs;
  // EvaluateRequest::decision_id, or a random UUID (version 4) when the
  // request gave none; unique per evaluation.
  std::string decision_id;
  // When the evaluation started, UTC, RFC 3339: "2026-11-25T15:39:01.123Z".
  std::string evaluated_at;

  Verdict status = Verdict::kInconclusive;
  // Confirmed: the cause's layer. Inconclusive: the layer every remaining
  // candidate shares; else the layer the symptom points to
  // (SymptomInfo::layer) while one of its candidates is still open; else
  // empty ("unknown"). Never the top candidate's layer.
  std::optional<Layer> layer;
  std::string cause;                // catalog id; empty unless confirmed
  std::string title;                // the cause in one line (or a summary when not confirmed)
  std::string explanation;          // why, in words
  std::string symptom;              // the starting symptom id
  std::string symptom_source;       // how the symptom was obtained ("given", "client error", ...)
  ClientErrorReading client_error;  // what was read from the client's error, if any was given
  // The cause the client's error points at, when it is a candidate of the
  // symptom; empty otherwise.
  std::string leading_cause;
  std::vector<Evidence> evidence;
  std::vector<FixStep> fix;
  std::vector<std::string> warnings;
  std::vector<MissingValue> missing;  // values the fix needs that nothing gave
  // Inconclusive: the remaining candidates, likeliest first, each with its
  // own next test.
  std::vector<Candidate> candidates;
  // Inconclusive: the one test to run next (the planner's pick); empty
  // when nothing more can be learned.
  std::optional<NextTest> next_test;
  // Confirmed: candidates earlier on the path that were not excluded
  // because the probe that would exclude them costs more than the
  // exclusion budget (or cannot run), each with that test.
  std::vector<Candidate> not_excluded;
  // Confirmed: later causes whose tests also came back positive; they may
  // need fixing too once the named cause is fixed.
  std::vector<Candidate> also_confirmed;
  // Probes the diagnosis would have used that were not asked: disabled by
  // the host's channel policy (EvaluateOptions) or by an override (then
  // rule_changes has its "disable_probe" with file, line and column).
  std::vector<std::string> disabled;
  // Every override of the rules (RuleSet::changes()) that bore on this
  // evaluation, in load order, each with the file, line and column that
  // made it: changes to the symptom's candidate causes, confirmed or not
  // (fields set, orderings involving one), causes of the symptom that an
  // override disabled, and probes disabled that the diagnosis would have
  // used. A reader sees where the knowledge applied was altered.
  std::vector<RuleChange> rule_changes;
  std::vector<std::string> notes;  // engine remarks (limits hit, fallbacks taken)
  double cost_s = 0;               // sum of evidence cost_s
  double wall_s = 0;               // wall time of the whole evaluation
};

// The report as JSON: one object, "schema": "rdptriage.report/1", every
// field described by the JSON Schema installed with the package as
// share/rdptriage/schema/report.schema.json (schema/ in the source tree).
// Never fails.
std::string report_to_json(const Report& report);

// How to_text() renders.
struct TextOptions {
  // ANSI colours and bold for a terminal. Default off: the host decides
  // (e.g. isatty() and NO_COLOR), the library never looks.
  bool colour = false;
  // Inconclusive reports show this many candidates, grouped by layer (all
  // of them are in the JSON). 0 shows none.
  std::size_t max_candidates = 6;
};

// The report as text for a person: verdict, layer and cause, evidence, the
// fix with where each step runs, warnings, what was not excluded, the next
// test and the leading candidates. Every string that came from outside the
// library's own wording (probe answers, reasons, client errors, rule text,
// context values) is made inert for a terminal: control characters, C1
// controls, bidirectional overrides and invalid UTF-8 are shown as visible
// escapes (\x1b, \u202e), and a multi-line command keeps its line breaks
// only with every further line indented, so no text can clear the screen,
// retitle the window or forge a line of the report. Never fails.
std::string to_text(const Report& report, const TextOptions& options = {});

// A client-error reading as the JSON object that report_to_json() embeds
// under "client_error". Never fails.
std::string client_error_to_json(const ClientErrorReading& reading);

}  // namespace rdptriage

#endif  // RDPTRIAGE_REPORT_H_
