// Internal: which probe to ask next, by value of information per second.
//
// The work left is a set of items: confirming a candidate (worth its
// probability of being the fault) and excluding a candidate earlier on the
// path than the fault (worth the probability that the fault lies after it,
// or, through a layer gate, after every stage the gate clears). Each item
// can be done by a set of probes (its bundle: the cheapest way to confirm
// it; to exclude it, its whole test, the cheapest way to make its rule_out
// hold, or a gate's). An item is worth its probability per second of its bundle's cost
// (the p/c rule of Heckerman, Breese and Rommelse, "Decision-theoretic
// troubleshooting", 1995); a probe is worth the sum over the items whose
// chosen bundle it belongs to. Exclusions count only when their bundle
// costs at most the exclusion budget: the stopping rule never waits for
// the others. Once a candidate is confirmed, only the exclusion of earlier
// candidates within the budget is left. Ties go to the probe serving the
// earliest candidate on the path, then to the cheaper one.
#ifndef RDPTRIAGE_LIB_ENGINE_PROBE_CHOICE_H_
#define RDPTRIAGE_LIB_ENGINE_PROBE_CHOICE_H_

#include <string>
#include <vector>

#include "engine/condition_cost.h"
#include "engine/costing.h"
#include "engine/diagnosis_state.h"

namespace rdptriage::internal {

struct WorkItem {
  std::size_t candidate = 0;
  bool confirm = false;  // confirm it; otherwise exclude it
  double probability = 0;
  ProbeSet bundle;
  int gate = -1;  // the exclusion goes through this gate
  double value() const { return bundle.cost > 0 ? probability / bundle.cost : 0; }
};

struct ChoiceOptions {
  double exclusion_budget_s = 50;
  bool ignore_no_answer = false;  // name a next test for a person
};

// Every item still worth doing, with its best bundle.
std::vector<WorkItem> work_items(const DiagnosisState& state, const Costing& costing,
                                 const ChoiceOptions& options);

// The cheapest way to exclude candidate i (its own test falsified, its
// rule_out, or a gate), ignoring probabilities; impossible when none.
WorkItem cheapest_exclusion(const DiagnosisState& state, const Costing& costing, std::size_t i,
                            bool ignore_no_answer);

struct ProbeScore {
  int probe = -1;
  double score = 0;
  std::size_t earliest = 0;  // the earliest candidate it serves
};

// Probes worth asking, best first.
std::vector<ProbeScore> rank_probes(const std::vector<WorkItem>& items, const Costing& costing);

// The probes to start now, at most `slots`, each on a channel no probe in
// flight (`in_flight`) uses. With nothing in flight, the best probe; then,
// best first, each read that is still worth asking whatever each probe in
// flight (those chosen here included) answers, for each of its
// representative answers: it will be wanted either way, so it starts while
// the others run. Questions to a person never start that way. Empty when
// nothing is worth asking now.
std::vector<int> choose_next(const DiagnosisState& state, const Costing& costing,
                             const ChoiceOptions& options, const std::vector<int>& in_flight,
                             std::size_t slots);

// Why `probe` is worth asking, in words, from the items it serves.
std::string explain_choice(const DiagnosisState& state, const std::vector<WorkItem>& items,
                           int probe, const Costing& costing);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PROBE_CHOICE_H_
