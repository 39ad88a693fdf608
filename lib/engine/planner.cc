#include "engine/planner.h"

#include <algorithm>
#include <chrono>

#include "engine/conclusion.h"
#include "engine/costing.h"
#include "engine/diagnosis_state.h"
#include "engine/fix_render.h"
#include "engine/probe_choice.h"
#include "engine/probe_runner.h"
#include "engine/render.h"

namespace rdptriage::internal {
namespace {

using Clock = std::chrono::steady_clock;

RunLimits limits_of(const EvaluateRequest& request, Clock::time_point start) {
  RunLimits limits;
  limits.probe_deadline = request.options.probe_deadline;
  limits.evaluation_end = saturating_after(start, request.options.evaluation_deadline);
  limits.cancel = request.cancel;
  return limits;
}

class Planner {
 public:
  explicit Planner(const PlanInput& in)
      : in_(in),
        rules_(*in.rules),
        options_(in.request->options),
        start_(Clock::now()),
        state_(rules_, in.candidates, in.leading_cause),
        costing_(rules_, options_),
        runner_(in.adapters, in.context, limits_of(*in.request, start_), in.pool) {}

  Report run() {
    report_.symptom = in_.symptom;
    report_.symptom_source = in_.symptom_source;
    report_.client_error = in_.client_error;
    if (in_.leading_cause >= 0) report_.leading_cause = rules_.causes[in_.leading_cause].info.id;
    apply_channel_policy();
    state_.refresh();
    if (!in_.adapters.empty()) probe_loop();
    if (!in_.adapters.empty()) ask_fix_probes();
    const Context ctx = render_context();
    ConclusionInput c;
    c.state = &state_;
    c.costing = &costing_;
    c.options = &options_;
    c.context = &ctx;
    c.symptom = in_.symptom;
    conclude(c, &report_);
    report_.wall_s = std::chrono::duration<double>(Clock::now() - start_).count();
    return std::move(report_);
  }

 private:
  void log(LogLevel level, const std::string& message) const {
    if (!options_.log) return;
    try {
      options_.log(level, message);
    } catch (...) {
      // A throwing log sink must not break the evaluation.
    }
  }

  // Disabled channels and probes are never asked: their fallbacks apply.
  // The report names those the candidates' tests would have used.
  void apply_channel_policy() {
    std::vector<bool> off(rules_.probes.size(), false);
    for (std::size_t p = 0; p < rules_.probes.size(); ++p) {
      const ProbeInfo& info = rules_.probes[p].info;
      off[p] = info.disabled ||
               std::find(options_.disabled_channels.begin(), options_.disabled_channels.end(),
                         info.channel) != options_.disabled_channels.end() ||
               std::find(options_.disabled_probes.begin(), options_.disabled_probes.end(),
                         info.id) != options_.disabled_probes.end();
      if (off[p]) state_.answers().set_disabled(static_cast<int>(p));
    }
    std::vector<bool> used(rules_.probes.size(), false);
    for (std::size_t i = 0; i < state_.size(); ++i)
      for (int p : state_.cause(i).probes) used[static_cast<std::size_t>(p)] = true;
    for (const Gate& g : rules_.gates)
      for (int p : g.probes) used[static_cast<std::size_t>(p)] = true;
    for (std::size_t p = 0; p < rules_.probes.size(); ++p)
      if (off[p] && used[p]) report_.disabled.push_back(rules_.probes[p].info.id);
  }

  bool asked_as_fallback(int probe) const {
    for (std::size_t q = 0; q < rules_.probes.size(); ++q) {
      if (rules_.probes[q].fallback != probe) continue;
      const auto s = state_.answers().state(static_cast<int>(q));
      if (s == ProbeAnswers::State::kNoAnswer || s == ProbeAnswers::State::kDisabled) return true;
    }
    return false;
  }

  // Asks the best probe; with blocking adapters, also starts, on other
  // channels, the reads worth asking whatever the ones in flight answer
  // (choose_next), plans again as each answer comes in, and stops waiting
  // for reads that became moot.
  void probe_loop() {
    ChoiceOptions choice;
    choice.exclusion_budget_s = options_.exclusion_budget_s;
    const std::size_t width = runner_.any_blocking() ? options_.max_parallel_probes : 1;
    std::vector<std::pair<std::size_t, int>> flying;  // ticket, probe
    bool capped = false;
    while (true) {
      const std::string stop = runner_.stop_reason();
      const std::size_t used = report_.evidence.size() + flying.size();
      capped = capped || used >= options_.max_probes;
      if (stop.empty() && !capped && flying.size() < width) {
        std::vector<int> in_flight;
        for (const auto& f : flying) in_flight.push_back(f.second);
        const std::size_t slots = std::min(width - flying.size(), options_.max_probes - used);
        for (int p : choose_next(state_, costing_, choice, in_flight, slots))
          flying.emplace_back(runner_.start(&rules_.probes[static_cast<std::size_t>(p)]), p);
      }
      if (flying.empty()) {
        if (abandoned_ > 0)
          report_.notes.push_back(std::to_string(abandoned_) +
                                  (abandoned_ == 1 ? " read" : " reads") +
                                  " started alongside others became moot and " +
                                  (abandoned_ == 1 ? "was" : "were") + " abandoned (not charged)");
        if (!stop.empty())
          report_.notes.push_back("stopped early: " + stop + "; the report says what is known");
        else if (capped)
          report_.notes.push_back("stopped after max_probes (" +
                                  std::to_string(options_.max_probes) + ") probes");
        return;
      }
      for (auto& [ticket, run] : runner_.wait_any()) {
        auto it = std::find_if(flying.begin(), flying.end(),
                               [t = ticket](const auto& f) { return f.first == t; });
        if (it == flying.end()) continue;
        const int probe = it->second;
        flying.erase(it);
        record(probe, std::move(run));
      }
      if (width > 1 && !flying.empty() && runner_.stop_reason().empty()) drop_moot(choice, &flying);
    }
  }

  // A read started alongside others may have become moot once an answer
  // came in (it confirmed or ruled out what the read was for): it is told
  // to stop and not waited for, and not charged, for it delayed nothing.
  // A question put to a person is waited for.
  void drop_moot(const ChoiceOptions& choice, std::vector<std::pair<std::size_t, int>>* flying) {
    const std::vector<ProbeScore> ranked =
        rank_probes(work_items(state_, costing_, choice), costing_);
    for (auto it = flying->begin(); it != flying->end();) {
      const Probe& probe = rules_.probes[static_cast<std::size_t>(it->second)];
      const bool wanted = probe.info.channel == Channel::kUser ||
                          std::any_of(ranked.begin(), ranked.end(),
                                      [&](const ProbeScore& s) { return s.probe == it->second; });
      if (wanted) {
        ++it;
        continue;
      }
      runner_.abandon(it->first);
      ++abandoned_;
      it = flying->erase(it);
    }
  }

  // Once a cause is confirmed, the probes its fix reads are asked, cheapest
  // first, within options.fix_probe_budget_s (see fix_reads()); then those
  // of every other confirmed cause (the report's also_confirmed, whose fixes
  // are rendered too), in path order, from what the budget has left.
  void ask_fix_probes() {
    double left = options_.fix_probe_budget_s;
    const std::size_t first = state_.horizon();
    for (std::size_t i = first; i < state_.size(); ++i) {
      if (i != first && state_.status(i) != CauseStatus::kConfirmed) continue;
      const int cause = static_cast<int>(state_.cause_index(i));
      while (runner_.stop_reason().empty() && report_.evidence.size() < options_.max_probes) {
        int best = -1;
        for (int p : fix_reads(rules_, cause, *in_.context, report_.evidence, state_.answers()))
          if (costing_.charge(p) <= left &&
              (best < 0 || costing_.charge(p) < costing_.charge(best)))
            best = p;
        if (best < 0) break;
        left -= costing_.charge(best);
        std::vector<ProbeRun> runs = runner_.run({&rules_.probes[static_cast<std::size_t>(best)]});
        record(best, std::move(runs.front()));
      }
    }
  }

  void record(int probe, ProbeRun run) {
    const Probe& p = rules_.probes[static_cast<std::size_t>(probe)];
    Evidence ev;
    ev.probe = p.info.id;
    ev.channel = p.info.channel;
    ev.session = p.info.session;
    ev.fallback = asked_as_fallback(probe);
    ev.adapter = run.adapter;
    ev.elapsed_s = run.elapsed_s;
    ev.result = std::move(run.result);
    // Nothing ran for an unavailable channel, and an answer the client's
    // error already showed was at hand: those cost nothing and open no
    // session. Anything that ran (answered or broke) is charged.
    const bool ran = ev.result.kind != ProbeResult::Kind::kUnavailable;
    const bool at_hand = run.answered_by != nullptr && run.answered_by == in_.already_collected;
    if (ran && !at_hand) {
      ev.cost_s = costing_.charge(probe);
      if (p.session >= 0) costing_.open_session(p.session);
    }
    if (ev.result.has_value()) {
      state_.answers().set_answer(probe, ev.result.value);
    } else {
      state_.answers().set_no_answer(probe);
      if (ev.result.kind == ProbeResult::Kind::kFailed)
        report_.notes.push_back(p.info.id + " failed: " + ev.result.reason);
    }
    DiagnosisState::Changes changes = state_.refresh();
    ev.confirmed = std::move(changes.confirmed);
    ev.ruled_out = std::move(changes.ruled_out);
    ev.gates = std::move(changes.gates);
    log(LogLevel::kDebug,
        "probe " + ev.probe + " -> " +
            (ev.result.has_value() ? to_string(ev.result.value) : ev.result.reason));
    report_.cost_s += ev.cost_s;
    report_.evidence.push_back(std::move(ev));
  }

  Context render_context() const { return fix_context(rules_, *in_.context, report_.evidence); }

  const PlanInput& in_;
  const CompiledRules& rules_;
  const EvaluateOptions& options_;
  const Clock::time_point start_;
  DiagnosisState state_;
  Costing costing_;
  ProbeRunner runner_;
  Report report_;
  std::size_t abandoned_ = 0;  // concurrent reads no longer needed, not waited for
};

}  // namespace

Report run_plan(const PlanInput& input) { return Planner(input).run(); }

}  // namespace rdptriage::internal
