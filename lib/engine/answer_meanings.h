// Internal: what each possible answer to a probe would mean for the
// candidates still open, for the "next test" of an inconclusive report.
// Enumerations and booleans are tried value by value; numbers at the
// thresholds the rules compare them with; strings with the values the
// rules name and "anything else".
#ifndef RDPTRIAGE_LIB_ENGINE_ANSWER_MEANINGS_H_
#define RDPTRIAGE_LIB_ENGINE_ANSWER_MEANINGS_H_

#include <vector>

#include "engine/diagnosis_state.h"
#include "rdptriage/report.h"

namespace rdptriage::internal {

// Representative answers to `probe`: every value of an enumeration or a
// boolean, numbers around the thresholds the rules compare it with, the
// strings the rules name and one that matches none. Each with a label.
struct TrialAnswer {
  std::string label;
  ProbeValue value;
};
std::vector<TrialAnswer> representative_answers(const DiagnosisState& state, int probe);

// At most a handful of answers, each with its meaning ("confirms X",
// "rules out A, B and 3 more", "no change"); answers with the same meaning
// are merged.
std::vector<AnswerMeaning> answer_meanings(const DiagnosisState& state, int probe);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_ANSWER_MEANINGS_H_
