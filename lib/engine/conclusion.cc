#include "engine/conclusion.h"

#include <algorithm>
#include <set>

#include "engine/answer_meanings.h"
#include "engine/condition_cost.h"
#include "engine/fix_render.h"
#include "engine/probe_choice.h"
#include "engine/render.h"

namespace rdptriage::internal {
namespace {

// The most specific (costliest) probe of a test: its decisive step, rather
// than a cheap shared precondition.
int decisive_probe(const ProbeSet& set, const Costing& costing) {
  int best = -1;
  for (int p : set.probes)
    if (best < 0 || costing.own(p) > costing.own(best)) best = p;
  return best;
}

Candidate make_candidate(const ConclusionInput& in, std::size_t i, const ProbeSet& test,
                         double total_weight) {
  const DiagnosisState& st = *in.state;
  const Cause& cause = st.cause(i);
  Candidate c;
  c.cause = cause.info.id;
  c.layer = cause.info.layer;
  c.title = cause.info.title;
  c.confirmed = st.status(i) == CauseStatus::kConfirmed;
  c.weight = total_weight > 0 ? st.weight(i) / total_weight : 0;
  if (test.possible() && !test.probes.empty()) {
    const int p = decisive_probe(test, *in.costing);
    const Probe& probe = st.rules().probes[static_cast<std::size_t>(p)];
    c.next_probe = probe.info.id;
    c.next_test = render_probe_test(probe, *in.context);
    c.cost_s = test.cost;
  }
  return c;
}

void conclude_confirmed(const ConclusionInput& in, std::size_t h, Report* r) {
  const DiagnosisState& st = *in.state;
  const Cause& cause = st.cause(h);
  r->status = Verdict::kConfirmed;
  r->layer = cause.info.layer;
  r->cause = cause.info.id;
  r->title = cause.info.title;
  r->explanation = render_template(cause.info.explanation, "", *in.context);
  RenderedFix fix =
      render_fix(st.rules(), static_cast<int>(st.cause_index(h)), *in.context, r->evidence);
  r->fix = std::move(fix.steps);
  r->warnings = std::move(fix.warnings);
  r->missing = std::move(fix.missing);
  for (std::size_t i = 0; i < h; ++i) {
    if (st.status(i) != CauseStatus::kUnknown) continue;
    WorkItem x = cheapest_exclusion(st, *in.costing, i, true);
    r->not_excluded.push_back(make_candidate(in, i, x.bundle, 0));
  }
  for (std::size_t i = h + 1; i < st.size(); ++i)
    if (st.status(i) == CauseStatus::kConfirmed) {
      r->also_confirmed.push_back(make_candidate(in, i, {}, 0));
      r->also_confirmed.back().fix =
          render_fix(st.rules(), static_cast<int>(st.cause_index(i)), *in.context, r->evidence);
    }
  if (!r->not_excluded.empty())
    r->notes.push_back(std::to_string(r->not_excluded.size()) +
                       (r->not_excluded.size() == 1 ? " cause" : " causes") +
                       " earlier on the path could not be excluded within the exclusion budget "
                       "(see not_excluded, each with its test)");
}

void conclude_inconclusive(const ConclusionInput& in, Report* r) {
  const DiagnosisState& st = *in.state;
  std::vector<std::size_t> open;
  double total = 0;
  for (std::size_t i = 0; i < st.size(); ++i) {
    if (st.status(i) != CauseStatus::kUnknown) continue;
    open.push_back(i);
    total += st.weight(i);
  }
  r->status = Verdict::kInconclusive;
  for (std::size_t i : open) {
    ProbeSet test = cheapest(st.cause(i).confirm, true, st.answers(), *in.costing, true);
    r->candidates.push_back(make_candidate(in, i, test, total));
  }
  std::stable_sort(r->candidates.begin(), r->candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.weight > b.weight; });
  // The layer the evidence points to: the one every open candidate shares;
  // else the one the symptom points to, while a candidate in it is open.
  const bool one_layer = !open.empty() && std::all_of(open.begin(), open.end(), [&](std::size_t i) {
    return st.cause(i).info.layer == st.cause(open.front()).info.layer;
  });
  if (one_layer) {
    r->layer = st.cause(open.front()).info.layer;
  } else if (auto sym = st.rules().symptom_index.find(in.symptom);
             sym != st.rules().symptom_index.end()) {
    const std::optional<Layer>& hint =
        st.rules().symptoms[static_cast<std::size_t>(sym->second)].info.layer;
    if (hint && std::any_of(open.begin(), open.end(),
                            [&](std::size_t i) { return st.cause(i).info.layer == *hint; }))
      r->layer = hint;
  }

  ChoiceOptions person;
  person.exclusion_budget_s = in.options->exclusion_budget_s;
  person.ignore_no_answer = true;
  std::vector<WorkItem> items = work_items(st, *in.costing, person);
  std::vector<ProbeScore> ranked = rank_probes(items, *in.costing);
  if (!ranked.empty()) {
    const int p = ranked.front().probe;
    const Probe& probe = st.rules().probes[static_cast<std::size_t>(p)];
    NextTest t;
    t.probe = probe.info.id;
    t.title = probe.info.title;
    t.channel = probe.info.channel;
    t.command = render_probe_test(probe, *in.context);
    t.cost_s = in.costing->charge(p);
    t.why = explain_choice(st, items, p, *in.costing);
    t.outcomes = answer_meanings(st, p);
    r->next_test = std::move(t);
  }
  r->title = std::to_string(open.size()) +
             (open.size() == 1 ? " candidate remains" : " candidates remain") +
             (r->next_test ? "; the next test below settles the most per second"
                           : "; no probe that could settle them can run");
  if (!r->candidates.empty() && !r->leading_cause.empty() &&
      r->candidates.front().cause == r->leading_cause)
    r->explanation = "The client's error points at " + r->candidates.front().cause +
                     "; its confirming test has not run yet.";
  else if (!r->layer && !open.empty())
    r->explanation = "The evidence so far does not localize the failure to one layer.";
}

// Whether symptom `narrower` is `broader` or sits within it.
bool symptom_covers(const CompiledRules& rules, const std::string& broader,
                    const std::string& narrower) {
  return narrower == broader || symptom_within(rules, narrower, broader);
}

// Every override that bore on this evaluation, in load order: changes to
// the symptom's candidates (orderings that involve one included), causes
// of the symptom an override disabled, and probes the evaluation asked or
// found disabled.
std::vector<RuleChange> changes_that_bore(const ConclusionInput& in, const Report& r) {
  const DiagnosisState& st = *in.state;
  const CompiledRules& rules = st.rules();
  if (rules.changes.empty()) return {};
  std::set<std::string, std::less<>> causes, probes;
  for (std::size_t i = 0; i < st.size(); ++i) causes.insert(st.cause(i).info.id);
  for (const Evidence& e : r.evidence) probes.insert(e.probe);
  probes.insert(r.disabled.begin(), r.disabled.end());
  auto disabled_here = [&](const std::string& id) {
    if (in.symptom == "unknown") return true;
    auto it = rules.disabled_cause_symptoms.find(id);
    if (it == rules.disabled_cause_symptoms.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const std::string& s) { return symptom_covers(rules, in.symptom, s); });
  };
  std::vector<RuleChange> out;
  for (const RuleChange& c : rules.changes) {
    bool bore = false;
    if (c.kind == "disable_probe")
      bore = probes.count(c.target) > 0;
    else if (c.kind == "disable_cause")
      bore = disabled_here(c.target);
    else
      bore = causes.count(c.target) > 0 || (c.kind == "order" && causes.count(c.value) > 0);
    if (bore) out.push_back(c);
  }
  return out;
}

}  // namespace

void conclude(const ConclusionInput& in, Report* r) {
  const DiagnosisState& st = *in.state;
  r->rule_changes = changes_that_bore(in, *r);
  std::size_t first = st.size();
  for (std::size_t i = 0; i < st.size(); ++i)
    if (st.status(i) != CauseStatus::kRuledOut) {
      first = i;
      break;
    }
  if (first == st.size()) {
    if (in.symptom == "unknown" || in.symptom == "ok") {
      r->status = Verdict::kHealthy;
      r->title = st.size() == 0 ? "The session works; no layer needs a fix"
                                : "Every layer checked out; no cause in the rules applies";
    } else {
      r->status = Verdict::kInconclusive;
      r->title = "Every cause the rules know for this symptom was ruled out";
      r->explanation =
          "The probes cleared every candidate. Check the symptom, or add a rule for this "
          "estate's own failure modes.";
    }
    return;
  }
  const std::size_t h = st.horizon();
  if (h < st.size()) {
    conclude_confirmed(in, h, r);
  } else {
    conclude_inconclusive(in, r);
  }
  for (const std::string& c : st.contradictions())
    r->notes.push_back("the evidence confirms a cause that a layer gate clears: " + c +
                       "; the rules may need a new exception");
}

}  // namespace rdptriage::internal
