// Internal: the cheapest probes that could still bring a condition to a
// given truth value. For "all" to become true every child must, so their
// probe sets are joined; for "any" one child suffices, so the cheapest
// child's set is taken (dually for false). Sessions are charged once per
// set. Used to cost a cause's confirming test, the exclusion of a cause,
// and a layer gate.
#ifndef RDPTRIAGE_LIB_ENGINE_CONDITION_COST_H_
#define RDPTRIAGE_LIB_ENGINE_CONDITION_COST_H_

#include <vector>

#include "engine/condition_eval.h"
#include "engine/costing.h"
#include "rules/model.h"

namespace rdptriage::internal {

struct ProbeSet {
  std::vector<int> probes;  // sorted, unique; empty when already at the wanted value
  double cost = kNever;     // kNever when the wanted value cannot be reached by asking
  bool possible() const { return cost != kNever; }
};

// The cheapest set of askable probes whose answers could make `condition`
// evaluate to `want`. With `ignore_no_answer`, probes that could not run
// count as never asked (to name a next test for a person).
ProbeSet cheapest(const Condition& condition, bool want, const ProbeAnswers& answers,
                  const Costing& costing, bool ignore_no_answer);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_CONDITION_COST_H_
