#include "engine/planner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "engine/condition_eval.h"
#include "engine/fix_render.h"
#include "engine/probe_runner.h"
#include "engine/render.h"

namespace rdptriage::internal {
namespace {

int likelihood_rank(const std::string& likelihood) {
  if (likelihood == "common") return 0;
  if (likelihood == "rare") return 2;
  return 1;
}

class Planner {
 public:
  explicit Planner(const PlanInput& in)
      : in_(in),
        rules_(*in.rules),
        options_(in.request->options),
        answers_(rules_),
        status_(in.candidates.size(), CauseStatus::kUnknown),
        runner_(in.adapters, in.context, options_.probe_deadline) {}

  Report run() {
    report_.symptom = in_.symptom;
    report_.symptom_source = in_.symptom_source;
    report_.client_error = in_.client_error;
    if (in_.leading_cause >= 0) report_.leading_cause = rules_.causes[in_.leading_cause].info.id;
    if (!in_.adapters.empty()) probe_loop();
    conclude();
    return std::move(report_);
  }

 private:
  double cost_of(int probe) const {
    const std::string& id = rules_.probes[probe].info.id;
    auto it = options_.cost_overrides.find(id);
    return it != options_.cost_overrides.end() ? it->second : rules_.probes[probe].info.cost_s;
  }

  const Cause& cause_at(std::size_t i) const { return rules_.causes[in_.candidates[i]]; }

  void log(LogLevel level, const std::string& message) const {
    if (!options_.log) return;
    try {
      options_.log(level, message);
    } catch (...) {
      // A throwing log sink must not break the evaluation.
    }
  }

  // Updates candidate statuses; records what changed in `evidence`.
  void refresh(Evidence* evidence) {
    for (std::size_t i = 0; i < status_.size(); ++i) {
      CauseStatus s = cause_status(cause_at(i), answers_);
      if (s == status_[i]) continue;
      status_[i] = s;
      if (evidence == nullptr) continue;
      (s == CauseStatus::kConfirmed ? evidence->confirmed : evidence->ruled_out)
          .push_back(cause_at(i).info.id);
    }
  }

  // Candidates up to and including the first confirmed one are still open
  // questions; later ones cannot change which cause is first on the path.
  std::size_t decision_horizon() const {
    for (std::size_t i = 0; i < status_.size(); ++i)
      if (status_[i] == CauseStatus::kConfirmed) return i;
    return status_.size();
  }

  // The cheapest probe that can still change the outcome, or -1. Ties go to
  // the probe serving the earliest candidate on the path.
  int next_probe() const {
    std::map<int, std::size_t> earliest;  // probe -> first candidate needing it
    const std::size_t horizon = decision_horizon();
    for (std::size_t i = 0; i < horizon; ++i) {
      if (status_[i] != CauseStatus::kUnknown) continue;
      std::set<int> needed;
      cause_needed_probes(cause_at(i), answers_, false, &needed);
      for (int p : needed) earliest.emplace(p, i);
    }
    int best = -1;
    double best_cost = std::numeric_limits<double>::infinity();
    std::size_t best_pos = 0;
    for (const auto& [probe, pos] : earliest) {
      double c = cost_of(probe);
      if (best < 0 || c < best_cost || (c == best_cost && pos < best_pos)) {
        best = probe;
        best_cost = c;
        best_pos = pos;
      }
    }
    return best;
  }

  bool asked_as_fallback(int probe) const {
    for (std::size_t q = 0; q < rules_.probes.size(); ++q)
      if (rules_.probes[q].fallback == probe &&
          answers_.state(static_cast<int>(q)) == ProbeAnswers::State::kNoAnswer)
        return true;
    return false;
  }

  void probe_loop() {
    refresh(nullptr);
    while (true) {
      int probe = next_probe();
      if (probe < 0) return;
      if (report_.evidence.size() >= options_.max_probes) {
        report_.notes.push_back("stopped after max_probes (" + std::to_string(options_.max_probes) +
                                ") probes");
        return;
      }
      const Probe& p = rules_.probes[probe];
      Evidence ev;
      ev.probe = p.info.id;
      ev.channel = p.info.channel;
      ev.fallback = asked_as_fallback(probe);
      ProbeRun run = runner_.run(p);
      ev.adapter = run.adapter;
      ev.elapsed_s = run.elapsed_s;
      ev.result = std::move(run.result);
      // Nothing ran for an unavailable channel, or for an answer the client
      // error already showed, so those cost nothing.
      ev.cost_s = ev.result.kind == ProbeResult::Kind::kUnavailable ||
                          (run.answered_by != nullptr && run.answered_by == in_.already_collected)
                      ? 0
                      : cost_of(probe);
      if (ev.result.has_value()) {
        answers_.set_answer(probe, ev.result.value);
      } else {
        answers_.set_no_answer(probe);
        if (ev.result.kind == ProbeResult::Kind::kFailed)
          report_.notes.push_back(p.info.id + " failed: " + ev.result.reason);
      }
      refresh(&ev);
      log(LogLevel::kDebug,
          "probe " + ev.probe + " -> " +
              (ev.result.has_value() ? to_string(ev.result.value) : ev.result.reason));
      report_.cost_s += ev.cost_s;
      report_.evidence.push_back(std::move(ev));
    }
  }

  Context render_context() const { return fix_context(rules_, *in_.context, report_.evidence); }

  Candidate make_candidate(std::size_t i, const Context& ctx) const {
    const Cause& cause = cause_at(i);
    Candidate c;
    c.cause = cause.info.id;
    c.layer = cause.info.layer;
    c.title = cause.info.title;
    c.confirmed = status_[i] == CauseStatus::kConfirmed;
    if (!c.confirmed) {
      std::set<int> needed;
      cause_needed_probes(cause, answers_, false, &needed);
      if (needed.empty()) cause_needed_probes(cause, answers_, true, &needed);
      // The candidate's own decisive test: the most specific (costliest) of
      // the probes that can still settle it, not a cheap shared precondition.
      int best = -1;
      for (int p : needed)
        if (best < 0 || cost_of(p) > cost_of(best)) best = p;
      if (best >= 0) {
        c.next_probe = rules_.probes[best].info.id;
        c.next_test = render_probe_test(rules_.probes[best], ctx);
      }
    } else {
      c.fix = render_fix(rules_, in_.candidates[i], *in_.context, report_.evidence);
    }
    return c;
  }

  void conclude() {
    const Context ctx = render_context();
    std::size_t first = status_.size();
    for (std::size_t i = 0; i < status_.size(); ++i) {
      if (status_[i] != CauseStatus::kRuledOut) {
        first = i;
        break;
      }
    }
    if (first == status_.size()) {
      if (in_.symptom == "unknown" || in_.symptom == "ok") {
        report_.status = Verdict::kHealthy;
        report_.title = in_.candidates.empty()
                            ? "The session works; no layer needs a fix"
                            : "Every layer checked out; no cause in the rules applies";
      } else {
        report_.status = Verdict::kInconclusive;
        report_.title = "Every cause the rules know for this symptom was ruled out";
        report_.explanation =
            "The probes cleared every candidate. Check the symptom, or add a rule for this "
            "estate's own failure modes.";
      }
      return;
    }
    if (status_[first] == CauseStatus::kConfirmed) {
      const Cause& cause = cause_at(first);
      report_.status = Verdict::kConfirmed;
      report_.layer = cause.info.layer;
      report_.cause = cause.info.id;
      report_.title = cause.info.title;
      report_.explanation = render_template(cause.info.explanation, "", ctx);
      RenderedFix fix = render_fix(rules_, in_.candidates[first], *in_.context, report_.evidence);
      report_.fix = std::move(fix.steps);
      report_.warnings = std::move(fix.warnings);
      report_.missing = std::move(fix.missing);
      return;
    }
    report_.status = Verdict::kInconclusive;
    std::vector<std::pair<std::size_t, Candidate>> open;
    for (std::size_t i = first; i < status_.size(); ++i) {
      if (status_[i] == CauseStatus::kRuledOut) continue;
      open.emplace_back(i, make_candidate(i, ctx));
      if (status_[i] == CauseStatus::kConfirmed) break;
    }
    // Best first: a confirmed cause waiting on an earlier one, then the
    // cause the client's error points at, then the likelier ones.
    auto leading = [&](std::size_t i) { return in_.candidates[i] == in_.leading_cause; };
    std::stable_sort(open.begin(), open.end(), [&](const auto& a, const auto& b) {
      if (a.second.confirmed != b.second.confirmed) return a.second.confirmed;
      if (leading(a.first) != leading(b.first)) return leading(a.first);
      return likelihood_rank(cause_at(a.first).info.likelihood) <
             likelihood_rank(cause_at(b.first).info.likelihood);
    });
    for (auto& [i, c] : open) report_.candidates.push_back(std::move(c));
    report_.layer = report_.candidates.front().layer;
    report_.title = std::to_string(report_.candidates.size()) +
                    (report_.candidates.size() == 1 ? " candidate remains" : " candidates remain") +
                    "; run the next test to settle it";
    if (report_.candidates.front().confirmed)
      report_.explanation = report_.candidates.front().cause +
                            " is confirmed, but a cause earlier on the path could not be checked";
    else if (leading(open.front().first))
      report_.explanation = "The client's error points at " + report_.candidates.front().cause +
                            "; its confirming test has not run yet (next test below).";
  }

  const PlanInput& in_;
  const CompiledRules& rules_;
  const EvaluateOptions& options_;
  ProbeAnswers answers_;
  std::vector<CauseStatus> status_;
  ProbeRunner runner_;
  Report report_;
};

}  // namespace

Report run_plan(const PlanInput& input) { return Planner(input).run(); }

}  // namespace rdptriage::internal
