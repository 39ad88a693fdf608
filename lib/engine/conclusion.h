// Internal: turns what an evaluation learned into the report's verdict,
// layer, fix, candidates and next test.
#ifndef RDPTRIAGE_LIB_ENGINE_CONCLUSION_H_
#define RDPTRIAGE_LIB_ENGINE_CONCLUSION_H_

#include <string>

#include "engine/costing.h"
#include "engine/diagnosis_state.h"
#include "rdptriage/report.h"
#include "rdptriage/triage.h"

namespace rdptriage::internal {

struct ConclusionInput {
  const DiagnosisState* state = nullptr;
  const Costing* costing = nullptr;
  const EvaluateOptions* options = nullptr;
  const Context* context = nullptr;  // for rendering: the host's, plus what probes revealed
  std::string symptom;
};

// Fills status, layer, cause, title, explanation, fix, warnings,
// candidates, next_test, not_excluded and also_confirmed of `report`.
void conclude(const ConclusionInput& in, Report* report);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_CONCLUSION_H_
