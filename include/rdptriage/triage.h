// rdptriage: the triage engine.
//
// A Triage holds an immutable, compiled rule graph. evaluate() starts from a
// symptom (what the client saw), localizes the failure to a layer, asks the
// host's probe adapters for the cheapest observations that can still change
// the outcome, and names the first confirmed cause on the connection path
// with its fix, or ends inconclusive with candidates and the next test.
//
//   auto triage = rdptriage::Triage::create({});
//   if (!triage.ok()) return fail(triage.status());
//   rdptriage::EvaluateRequest req;
//   req.symptom = "timeout";
//   req.context = {{"resource_group", "prod-rg"}, {"vm", "web01"}};
//   req.adapters.push_back(std::make_shared<MyAzureAdapter>());
//   auto report = triage->evaluate(req);
//
// Thread safety: evaluate() is const and may be called from many threads at
// once on one Triage; all per-call state lives in the call.
#ifndef RDPTRIAGE_TRIAGE_H_
#define RDPTRIAGE_TRIAGE_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/client_error.h"
#include "rdptriage/probe.h"
#include "rdptriage/report.h"
#include "rdptriage/rules.h"
#include "rdptriage/status.h"

namespace rdptriage {

enum class LogLevel { kDebug, kInfo, kWarning };

// Receives the engine's diagnostics. The library never prints.
using LogCallback = std::function<void(LogLevel, std::string_view)>;

struct EvaluateOptions {
  // How long one probe may take before it is recorded as failed and the
  // engine routes around it. Applies to adapters whose may_block() is true.
  std::chrono::milliseconds probe_deadline{std::chrono::seconds(180)};
  // At most this many probes per evaluation (then: inconclusive).
  std::size_t max_probes = 256;
  // Per-probe cost overrides in seconds, by probe id.
  std::map<std::string, double, std::less<>> cost_overrides;
  // Optional diagnostics sink; may be called from the evaluating thread.
  LogCallback log;
  // Limits on reading EvaluateRequest::client_error.
  ClientErrorOptions client_error;
};

struct EvaluateRequest {
  // Symptom id (see RuleSet::symptoms()), e.g. "timeout". Empty or
  // "unknown" considers every cause.
  std::string symptom;
  // How `symptom` was obtained, for the report; default "given".
  std::string symptom_source;
  // What the client showed, verbatim: a message, codes, a whole xfreerdp
  // log, a 4625 event (see client_error.h). Picks the symptom when
  // `symptom` is empty (unrecognised text leaves it "unknown"), names the
  // leading cause, and answers the probes the text itself shows when no
  // adapter does.
  std::string client_error;
  // Estate facts for probes and fix commands; validated before anything runs.
  Context context;
  // Asked in order until one answers. Shared so that a probe abandoned at
  // its deadline keeps its adapter alive until it returns.
  std::vector<std::shared_ptr<ProbeAdapter>> adapters;
  EvaluateOptions options;
};

struct TriageOptions {
  LoadOptions rules;  // where the rules come from, and load limits
};

class Triage {
 public:
  // Loads the rules (see RuleSet::load) and compiles the engine. Fails with
  // the load's status.
  static StatusOr<Triage> create(const TriageOptions& options);
  // Uses an already loaded rule set. Never fails.
  static Triage from_rules(RuleSet rules);

  // Runs one triage. Returns kInvalidArgument for an unknown symptom id or a
  // context value Azure would not accept (names the key), kLimitExceeded
  // for a client error longer than options.client_error.max_bytes;
  // otherwise a Report, even when every adapter throws, hangs or answers
  // nonsense.
  StatusOr<Report> evaluate(const EvaluateRequest& request) const;

  // Renders the fix of `cause` for `context` and the evidence gathered so
  // far (a report's `evidence`, or answers a host collected itself), the
  // way evaluate() renders a confirmed cause's fix: values from the
  // evidence's answers and fields, steps whose condition the evidence rules
  // out left out, warnings from the steps' effects, and the values still
  // missing. Use it to show the fix of a candidate an earlier cause
  // shadows. Returns kNotFound for an unknown cause id and
  // kInvalidArgument for a context value Azure would not accept; evidence
  // for unknown probes, or with values outside a probe's domain, is ignored.
  StatusOr<RenderedFix> render_fix(std::string_view cause, const Context& context,
                                   const std::vector<Evidence>& evidence) const;

  // Reads what the client showed (see client_error.h). Fails only with
  // kLimitExceeded when `text` is longer than options.max_bytes.
  StatusOr<ClientErrorReading> read_client_error(std::string_view text,
                                                 const ClientErrorOptions& options = {}) const;

  // read_client_error(text).symptom; "unknown" when nothing matches or the
  // text is over the default limit.
  std::string symptom_for_client_error(std::string_view text) const;

  const RuleSet& rules() const { return rules_; }

 private:
  explicit Triage(RuleSet rules);
  RuleSet rules_;
};

// Validates one context value for its key ("resource_group", "vm", "nsg",
// "port", "source_prefix", ...). Returns kInvalidArgument with the reason;
// unknown keys are accepted if they hold no control characters.
Status validate_context_value(std::string_view key, std::string_view value);

// Quotes `value` as one word for `shell` ("bash", "powershell", "cmd") so it
// can never end the word or start another command.
std::string quote_for_shell(std::string_view shell, std::string_view value);

}  // namespace rdptriage

#endif  // RDPTRIAGE_TRIAGE_H_
