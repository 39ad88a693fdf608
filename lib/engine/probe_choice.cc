#include "engine/probe_choice.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "engine/answer_meanings.h"

namespace rdptriage::internal {
namespace {

bool contains(const ProbeSet& s, int probe) {
  return std::binary_search(s.probes.begin(), s.probes.end(), probe);
}

// Keeps `candidate` when it is worth more per second than `best`.
void keep_better(WorkItem candidate, WorkItem* best) {
  if (!candidate.bundle.possible() || !(candidate.bundle.cost > 0)) return;
  if (best->gate == -2 || candidate.value() > best->value()) *best = std::move(candidate);
}

std::string percent(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", p * 100);
  return buf;
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

std::string list(const std::vector<std::string>& ids, std::size_t max = 3) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < max; ++i) out += (i ? ", " : "") + ids[i];
  if (ids.size() > max) out += " and " + std::to_string(ids.size() - max) + " more";
  return out;
}

// Every probe a cause's own test still needs. To exclude a cause by its own
// test, the test is run: its cheapest falsifying branch is usually a guard
// that holds (the VM is a Resource Manager VM, the client dials over the
// internet) and would exclude nothing.
ProbeSet whole_test(const Condition& confirm, const ProbeAnswers& answers, const Costing& costing,
                    bool ignore_no_answer) {
  std::set<int> needed;
  needed_probes(confirm, answers, ignore_no_answer, &needed);
  ProbeSet s;
  if (evaluate(confirm, answers) != Truth::kUnknown || needed.empty()) return s;
  s.probes.assign(needed.begin(), needed.end());
  s.cost = costing.charge_all(s.probes);
  return s;
}

}  // namespace

WorkItem cheapest_exclusion(const DiagnosisState& state, const Costing& costing, std::size_t i,
                            bool ignore_no_answer) {
  const ProbeAnswers& a = state.answers();
  const Cause& cause = state.cause(i);
  WorkItem best;
  best.candidate = i;
  best.gate = -2;  // nothing yet
  auto consider = [&](ProbeSet s, int gate) {
    if (!s.possible() || !(s.cost > 0)) return;
    if (best.gate == -2 || s.cost < best.bundle.cost) {
      best.bundle = std::move(s);
      best.gate = gate;
    }
  };
  consider(whole_test(cause.confirm, a, costing, ignore_no_answer), -1);
  if (cause.rule_out) consider(cheapest(*cause.rule_out, true, a, costing, ignore_no_answer), -1);
  for (int g : state.covering_gates(i))
    consider(cheapest(state.rules().gates[static_cast<std::size_t>(g)].when, true, a, costing,
                      ignore_no_answer),
             g);
  if (best.gate == -2) best.gate = -1;
  return best;
}

std::vector<WorkItem> work_items(const DiagnosisState& state, const Costing& costing,
                                 const ChoiceOptions& options) {
  std::vector<WorkItem> items;
  const ProbeAnswers& a = state.answers();
  const std::size_t n = state.size();
  const std::size_t horizon = state.horizon();
  if (horizon < n) {
    // A cause is confirmed: what is left is excluding the earlier ones that
    // are cheap to exclude.
    for (std::size_t i = 0; i < horizon; ++i) {
      if (state.status(i) != CauseStatus::kUnknown) continue;
      WorkItem x = cheapest_exclusion(state, costing, i, options.ignore_no_answer);
      if (!x.bundle.possible() || x.bundle.cost > options.exclusion_budget_s) continue;
      x.probability = 1;
      items.push_back(std::move(x));
    }
    return items;
  }
  std::vector<std::size_t> open;
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (state.status(i) != CauseStatus::kUnknown) continue;
    open.push_back(i);
    total += state.weight(i);
  }
  if (open.empty() || !(total > 0)) return items;
  std::vector<double> p(n, 0.0);
  for (std::size_t i : open) p[i] = state.weight(i) / total;
  // after[k]: the probability that the fault lies after open[k] on the path.
  std::vector<double> after(open.size(), 0.0);
  for (std::size_t k = open.size(); k-- > 1;) after[k - 1] = after[k] + p[open[k]];

  for (std::size_t k = 0; k < open.size(); ++k) {
    const std::size_t i = open[k];
    const Cause& cause = state.cause(i);
    WorkItem confirm;
    confirm.candidate = i;
    confirm.confirm = true;
    confirm.probability = p[i];
    confirm.bundle = cheapest(cause.confirm, true, a, costing, options.ignore_no_answer);
    if (confirm.bundle.possible() && confirm.bundle.cost > 0) items.push_back(std::move(confirm));
    if (!(after[k] > 0)) continue;

    WorkItem best;
    best.candidate = i;
    best.gate = -2;
    auto own = [&](ProbeSet s) {
      WorkItem x;
      x.candidate = i;
      x.probability = after[k];
      x.bundle = std::move(s);
      return x;
    };
    keep_better(own(whole_test(cause.confirm, a, costing, options.ignore_no_answer)), &best);
    if (cause.rule_out)
      keep_better(own(cheapest(*cause.rule_out, true, a, costing, options.ignore_no_answer)),
                  &best);
    for (int g : state.covering_gates(i)) {
      WorkItem x;
      x.candidate = i;
      x.gate = g;
      for (std::size_t j = k + 1; j < open.size(); ++j)
        if (!state.covers(g, open[j])) x.probability += p[open[j]];
      if (!(x.probability > 0)) continue;
      x.bundle = cheapest(state.rules().gates[static_cast<std::size_t>(g)].when, true, a, costing,
                          options.ignore_no_answer);
      keep_better(std::move(x), &best);
    }
    if (best.gate == -2 || best.bundle.cost > options.exclusion_budget_s) continue;
    items.push_back(std::move(best));
  }
  return items;
}

std::vector<ProbeScore> rank_probes(const std::vector<WorkItem>& items, const Costing& costing) {
  // A probe's score sums what it can confirm and the gates it can pass
  // (each clears a whole stage), plus the best single exclusion by a
  // cause's own test: those overlap (each is worth the mass after its
  // candidate), so summing them would count the same later candidates once
  // per earlier candidate the probe can rule out.
  std::map<int, ProbeScore> by_probe;
  std::map<int, double> best_exclusion;
  for (const WorkItem& item : items) {
    const double v = item.value();
    if (!(v > 0)) continue;
    for (int probe : item.bundle.probes) {
      ProbeScore& s = by_probe[probe];
      if (s.probe < 0) {
        s.probe = probe;
        s.earliest = item.candidate;
      }
      if (item.confirm || item.gate >= 0)
        s.score += v;
      else
        best_exclusion[probe] = std::max(best_exclusion[probe], v);
      s.earliest = std::min(s.earliest, item.candidate);
    }
  }
  std::vector<ProbeScore> ranked;
  for (auto& [probe, s] : by_probe) {
    s.score += best_exclusion[probe];
    ranked.push_back(s);
  }
  std::sort(ranked.begin(), ranked.end(), [&](const ProbeScore& a, const ProbeScore& b) {
    // Scores within a part in a million are a tie (sums of the same terms
    // in another order).
    const double scale = std::max(a.score, b.score);
    if (std::abs(a.score - b.score) > scale * 1e-6) return a.score > b.score;
    if (a.earliest != b.earliest) return a.earliest < b.earliest;
    const double ca = costing.charge(a.probe), cb = costing.charge(b.probe);
    if (ca != cb) return ca < cb;
    return a.probe < b.probe;
  });
  return ranked;
}

std::vector<int> choose_next(const DiagnosisState& state, const Costing& costing,
                             const ChoiceOptions& options, const std::vector<int>& in_flight,
                             std::size_t slots) {
  std::vector<int> chosen;
  if (slots == 0) return chosen;
  const CompiledRules& rules = state.rules();
  auto channel = [&](int p) { return rules.probes[static_cast<std::size_t>(p)].info.channel; };
  std::vector<int> flying = in_flight;
  std::vector<Channel> busy;
  for (int f : flying) busy.push_back(channel(f));
  auto is_flying = [&](int p) {
    return std::find(flying.begin(), flying.end(), p) != flying.end();
  };
  // For each probe in flight and each representative answer to it, the
  // planner's ranking once that answer is in.
  std::vector<std::vector<int>> after;
  auto look_ahead = [&](int f) {
    for (const TrialAnswer& t : representative_answers(state, f)) {
      DiagnosisState next = state;
      next.answers().set_answer(f, t.value);
      next.refresh();
      std::vector<int> order;
      for (const ProbeScore& s : rank_probes(work_items(next, costing, options), costing))
        order.push_back(s.probe);
      after.push_back(std::move(order));
    }
  };
  // Whether `q` is still worth asking (has a value) whatever each probe in
  // flight answers: it will be wanted either way, so it may start now.
  auto worth_whatever = [&](int q) {
    return std::all_of(after.begin(), after.end(), [&](const std::vector<int>& order) {
      return std::find(order.begin(), order.end(), q) != order.end();
    });
  };
  for (int f : flying) look_ahead(f);
  for (const ProbeScore& s : rank_probes(work_items(state, costing, options), costing)) {
    if (chosen.size() >= slots) break;
    const int q = s.probe;
    if (is_flying(q)) continue;
    if (std::find(busy.begin(), busy.end(), channel(q)) != busy.end()) continue;
    // Nothing in flight: the best probe goes. Otherwise a read goes only if
    // it is worth asking whatever those in flight answer; a question to a
    // person is never put on speculation (it cannot be taken back).
    if (!flying.empty() && (channel(q) == Channel::kUser || !worth_whatever(q))) continue;
    chosen.push_back(q);
    flying.push_back(q);
    busy.push_back(channel(q));
    if (chosen.size() < slots) look_ahead(q);
  }
  return chosen;
}

std::string explain_choice(const DiagnosisState& state, const std::vector<WorkItem>& items,
                           int probe, const Costing& costing) {
  std::vector<std::string> confirms;
  double confirm_share = 0;
  std::vector<std::string> excludes;
  std::set<int> gates;
  for (const WorkItem& item : items) {
    if (!contains(item.bundle, probe)) continue;
    const std::string& id = state.cause(item.candidate).info.id;
    if (item.confirm) {
      confirms.push_back(id);
      confirm_share += item.probability;
    } else {
      excludes.push_back(id);
      if (item.gate >= 0) gates.insert(item.gate);
    }
  }
  std::string why;
  if (!confirms.empty())
    why = "its answer can confirm " + list(confirms) + " (" + percent(confirm_share) +
          " of what is still open, by the rules' likelihoods" +
          (std::any_of(items.begin(), items.end(),
                       [&](const WorkItem& w) {
                         return w.confirm && contains(w.bundle, probe) &&
                                state.is_leading(w.candidate);
                       })
               ? " and the client's error"
               : "") +
          ")";
  if (!excludes.empty()) {
    if (!why.empty()) why += ", and ";
    why += "it can rule out " + list(excludes) + " earlier on the path";
    if (!gates.empty()) {
      std::vector<std::string> names;
      for (int g : gates) names.push_back(state.rules().gates[static_cast<std::size_t>(g)].info.id);
      why += " (through the gate " + list(names) + ")";
    }
  }
  if (why.empty()) why = "it is the cheapest test that can still change the outcome";
  why[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(why[0])));
  return why + "; it costs " + seconds(costing.charge(probe)) + " now.";
}

}  // namespace rdptriage::internal
