// Internal: three-valued evaluation of rule conditions against the probe
// answers gathered so far in one evaluation.
#ifndef RDPTRIAGE_LIB_ENGINE_CONDITION_EVAL_H_
#define RDPTRIAGE_LIB_ENGINE_CONDITION_EVAL_H_

#include <optional>
#include <set>
#include <vector>

#include "rdptriage/probe.h"
#include "rules/model.h"

namespace rdptriage::internal {

enum class Truth { kFalse, kTrue, kUnknown };

// What is known about each probe during one evaluation.
class ProbeAnswers {
 public:
  // kDisabled: the host's policy forbids asking it; like kNoAnswer its
  // fallback applies, but it is never named as a next test either.
  enum class State { kNotAsked, kAnswered, kNoAnswer, kDisabled };

  explicit ProbeAnswers(const CompiledRules& rules)
      : rules_(&rules),
        states_(rules.probes.size(), State::kNotAsked),
        values_(rules.probes.size()) {}

  void set_answer(int probe, ProbeValue value) {
    states_[probe] = State::kAnswered;
    values_[probe] = std::move(value);
  }
  void set_no_answer(int probe) { states_[probe] = State::kNoAnswer; }
  void set_disabled(int probe) { states_[probe] = State::kDisabled; }
  State state(int probe) const { return states_[probe]; }

  // The answer for `probe`, or its fallback's when it could not run.
  const ProbeValue* effective(int probe) const;
  // The probe to ask next to learn `probe`'s value (itself, or a fallback
  // when it could not run), or -1. With `ignore_no_answer`, probes that
  // could not run count as never asked (to name a next test for a person).
  int askable(int probe, bool ignore_no_answer = false) const;

 private:
  const CompiledRules* rules_;
  std::vector<State> states_;
  std::vector<ProbeValue> values_;
};

Truth evaluate(const Condition& condition, const ProbeAnswers& answers);

// Adds to `out` the probes whose answers could still decide `condition`
// (nothing if it is already decided).
void needed_probes(const Condition& condition, const ProbeAnswers& answers, bool ignore_no_answer,
                   std::set<int>* out);

// A cause's standing: confirmed, ruled out, or not yet known.
enum class CauseStatus { kUnknown, kConfirmed, kRuledOut };
CauseStatus cause_status(const Cause& cause, const ProbeAnswers& answers);
void cause_needed_probes(const Cause& cause, const ProbeAnswers& answers, bool ignore_no_answer,
                         std::set<int>* out);

// Value comparison used by conditions: exact for bool/number/string.
bool values_equal(const ProbeValue& a, const ProbeValue& b, bool ignore_case);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_CONDITION_EVAL_H_
