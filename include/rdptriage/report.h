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
//
// Thread safety: a Report is a plain value.
#ifndef RDPTRIAGE_REPORT_H_
#define RDPTRIAGE_REPORT_H_

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
  std::string adapter;                 // which adapter answered, empty if none did
  ProbeResult result;                  // value, or unavailable/failed with the reason
  double cost_s = 0;                   // the probe's cost (default or host override)
  double elapsed_s = 0;                // wall time the adapter took
  std::vector<std::string> confirmed;  // causes this answer confirmed
  std::vector<std::string> ruled_out;  // causes this answer ruled out
  bool fallback = false;               // asked because another probe could not run
};

struct FixStep {
  std::string text;
  std::string command;  // rendered for the context; empty when the step is prose
  std::string shell;    // "bash", "powershell", "cmd"; empty without a command
};

struct Candidate {
  std::string cause;
  Layer layer = Layer::kNetwork;
  std::string title;
  std::string next_probe;  // the probe that would settle it, may be empty
  std::string next_test;   // that probe's command or question, rendered
  bool confirmed = false;  // its test is positive but an earlier cause is unsettled
};

struct Report {
  Verdict status = Verdict::kInconclusive;
  std::optional<Layer> layer;       // when inconclusive: where the evidence points, if anywhere
  std::string cause;                // catalog id; empty unless confirmed
  std::string title;                // the cause in one line (or a summary when not confirmed)
  std::string explanation;          // why, in words
  std::string symptom;              // the starting symptom id
  std::string symptom_source;       // how the symptom was obtained ("given", "client error", ...)
  ClientErrorReading client_error;  // what was read from the client's error, if any was given
  // The cause the client's error points at, when it is a candidate of the
  // symptom; empty otherwise. Inconclusive reports list it first among the
  // candidates not yet confirmed.
  std::string leading_cause;
  std::vector<Evidence> evidence;
  std::vector<FixStep> fix;
  std::vector<std::string> warnings;
  std::vector<Candidate> candidates;  // best first; when inconclusive
  std::vector<std::string> notes;     // engine remarks (limits hit, fallbacks taken)
  double cost_s = 0;                  // sum of evidence cost_s
};

// The report as the JSON object documented in the CLI spec (status, layer,
// cause, title, symptom, evidence, fix, warnings, candidates, cost_s, plus
// extra fields). Never fails.
std::string report_to_json(const Report& report);

// A client-error reading as the JSON object that report_to_json() embeds
// under "client_error". Never fails.
std::string client_error_to_json(const ClientErrorReading& reading);

}  // namespace rdptriage

#endif  // RDPTRIAGE_REPORT_H_
