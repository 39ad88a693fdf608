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

#include <atomic>
#include <chrono>
#include <cstddef>
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

namespace internal {
class ProbePoolState;
}  // namespace internal

enum class LogLevel { kDebug, kInfo, kWarning };

// Receives the engine's diagnostics. The library never prints.
using LogCallback = std::function<void(LogLevel, std::string_view)>;

struct EvaluateOptions {
  // How long one probe may take before it is recorded as failed and the
  // engine routes around it; an adapter that misses it is not asked again
  // in the same evaluation. Applies to adapters whose may_block() is true.
  // Must be positive.
  std::chrono::milliseconds probe_deadline{std::chrono::seconds(180)};
  // Bound on the whole evaluation: when it passes, probes in flight are
  // abandoned and the report is concluded from what is known (a note says
  // so). Must be positive. Default 10 minutes.
  std::chrono::milliseconds evaluation_deadline{std::chrono::minutes(10)};
  // At most this many probes per evaluation (then: concluded as is).
  std::size_t max_probes = 256;
  // At most this many probes in flight at once (1: one after another): the
  // best pick, and reads on other channels still worth asking whatever the
  // ones in flight answer (never a question to the user). A read that
  // becomes moot is told to stop (ProbeRequest::cancelled), not waited
  // for and not charged. Only adapters whose may_block() is true run
  // concurrently. Must be > 0.
  std::size_t max_parallel_probes = 4;
  // Stopping rule. Once a cause is confirmed, each candidate earlier on the
  // path is still excluded if the probes that would exclude it cost at most
  // this many seconds (a session already open costs only its members'
  // share); the others are listed in Report::not_excluded with their test.
  // The default, 50, covers the client's own checks, control-plane reads,
  // metrics, Network Watcher and one Run Command session, but not a
  // question to the user or a serial console session. Must be >= 0 and
  // finite.
  double exclusion_budget_s = 50;
  // Once a cause is confirmed, the probes its fix reads (a value the fix
  // would otherwise show as a placeholder, such as the NSG holding the deny
  // or the account name; the condition of a step, such as whether the VM is
  // a domain controller) are asked, cheapest first, while their charges add
  // up to at most this many seconds. 0 asks none: the fix lists what is
  // missing and the probe that would give it. Must be >= 0 and finite.
  double fix_probe_budget_s = 50;
  // Cost overrides in seconds, by probe id or session id (a session's
  // opening cost). Values must be finite and > 0; unknown ids are rejected.
  std::map<std::string, double, std::less<>> cost_overrides;
  // Channel policy: probes on these channels, and these probes, are never
  // asked nor suggested; they cost nothing, their fallbacks apply, and the
  // report names the ones the diagnosis would have used. Unknown probe ids
  // are rejected.
  std::vector<Channel> disabled_channels;
  std::vector<std::string> disabled_probes;
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
  // Set it to true from any thread to end the evaluation early: probes in
  // flight are abandoned (their ProbeRequest::cancelled becomes true) and
  // evaluate() returns the report concluded from what is known so far.
  // May be null; must outlive the evaluate() call.
  const std::atomic<bool>* cancel = nullptr;
  // The id the report carries (Report::decision_id), e.g. the host's
  // request or ticket id for its decision log: 1 to 128 characters of
  // letters, digits and ._:- (kInvalidArgument otherwise). Empty: a random
  // UUID.
  std::string decision_id;
  EvaluateOptions options;
};

// Threads that run the probes of adapters whose may_block() is true, shared
// by every evaluation of the Triage (or Triages) holding it. Threads start
// when first needed, up to size(). A thread stays busy while its adapter
// call runs, even past the probe's deadline: a hung adapter holds at most
// one thread, and further probes wait for a free one until their own
// deadline; a probe still waiting at its deadline is answered as timed out
// without ever taking a thread, so it holds up no probe behind it.
// Thread-safe. Destroying the last handle stops the pool: idle threads exit
// and are joined before the destructor returns (so none outlives a host's
// shutdown and its libraries' clean-up), and so are threads whose call ends
// within its deadline (waited for at most 2 s); a thread stuck in a hung
// adapter past its deadline is left to exit when its call returns.
class ProbeThreadPool {
 public:
  // `threads` 0 means 1. Never fails.
  static std::shared_ptr<ProbeThreadPool> create(std::size_t threads);
  ~ProbeThreadPool();
  ProbeThreadPool(const ProbeThreadPool&) = delete;
  ProbeThreadPool& operator=(const ProbeThreadPool&) = delete;

  std::size_t size() const;
  // Threads started so far (never more than size()).
  std::size_t threads_started() const;

 private:
  friend class Triage;
  explicit ProbeThreadPool(std::size_t threads);
  std::shared_ptr<internal::ProbePoolState> state_;
};

struct TriageOptions {
  LoadOptions rules;  // where the rules come from, and load limits
  // Threads for blocking adapters: a pool of this size is created for the
  // Triage when `probe_pool` is null. Default 8.
  std::size_t probe_threads = 8;
  // A pool to share with other Triages; may be null.
  std::shared_ptr<ProbeThreadPool> probe_pool;
};

class Triage {
 public:
  // Loads the rules (see RuleSet::load) and compiles the engine. Fails with
  // the load's status.
  static StatusOr<Triage> create(const TriageOptions& options);
  // Uses an already loaded rule set, and `pool` for blocking adapters (a
  // new pool of 8 threads when null). Never fails.
  static Triage from_rules(RuleSet rules, std::shared_ptr<ProbeThreadPool> pool = nullptr);

  // Runs one triage. Returns kInvalidArgument for an unknown symptom id, a
  // context value Azure would not accept (names the key) or an option out
  // of range (an unknown or non-positive cost override, an unknown disabled
  // probe, a non-positive deadline), kLimitExceeded for a client error
  // longer than options.client_error.max_bytes; otherwise a Report, even
  // when every adapter throws, hangs or answers nonsense, or the
  // evaluation is cancelled. How probes are chosen and when the diagnosis
  // stops: README.md, "How a diagnosis is reached".
  StatusOr<Report> evaluate(const EvaluateRequest& request) const;

  // Renders the fix of `cause` for `context` and the evidence gathered so
  // far (a report's `evidence`, or answers a host collected itself), the
  // way evaluate() renders a confirmed cause's fix: values from the
  // evidence's answers and fields, steps whose condition the evidence rules
  // out left out, warnings from the steps' effects, and the values still
  // missing. Use it to show the fix of a cause the report could not
  // settle (Report::not_excluded, candidates). `disabled_channels` is the
  // host's channel policy (EvaluateOptions::disabled_channels): a step that
  // would run through a disabled Run Command or serial console is rendered
  // for the guest channel still allowed, or says that none is. Returns
  // kNotFound for an unknown cause id (RuleSet::causes() lists the known
  // ones) and kInvalidArgument for a context value Azure would not accept;
  // evidence for unknown probes, or with values outside a probe's domain,
  // is ignored.
  StatusOr<RenderedFix> render_fix(std::string_view cause, const Context& context,
                                   const std::vector<Evidence>& evidence,
                                   const std::vector<Channel>& disabled_channels = {}) const;

  // Reads what the client showed (see client_error.h). Fails only with
  // kLimitExceeded when `text` is longer than options.max_bytes.
  StatusOr<ClientErrorReading> read_client_error(std::string_view text,
                                                 const ClientErrorOptions& options = {}) const;

  // read_client_error(text).symptom; "unknown" when nothing matches or the
  // text is over the default limit.
  std::string symptom_for_client_error(std::string_view text) const;

  const RuleSet& rules() const { return rules_; }
  // The pool blocking adapters run on.
  const std::shared_ptr<ProbeThreadPool>& probe_pool() const { return pool_; }

 private:
  Triage(RuleSet rules, std::shared_ptr<ProbeThreadPool> pool);
  RuleSet rules_;
  std::shared_ptr<ProbeThreadPool> pool_;
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
