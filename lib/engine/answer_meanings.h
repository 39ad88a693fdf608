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

// At most a handful of answers, each with what it would change: the causes
// it confirms and rules out, the layers it clears, the gates it passes or
// closes, the layer it leaves open ("passes the gate tls_completed; rules
// out service.listener_certificate and auth.tls_disabled"); an answer that
// changes none of these on its own says which other probes it decides what
// with. Answers with the same meaning are merged.
std::vector<AnswerMeaning> answer_meanings(const DiagnosisState& state, int probe);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_ANSWER_MEANINGS_H_
