// Internal: one evaluation. Walks the candidates of a symptom in path order,
// asks for the cheapest probe that can still change the outcome, and stops
// when the first cause on the path is confirmed (everything before it ruled
// out) or nothing more can be learned.
#ifndef RDPTRIAGE_LIB_ENGINE_PLANNER_H_
#define RDPTRIAGE_LIB_ENGINE_PLANNER_H_

#include <memory>
#include <string>
#include <vector>

#include "rdptriage/report.h"
#include "rdptriage/triage.h"
#include "rules/model.h"

namespace rdptriage::internal {

struct PlanInput {
  const CompiledRules* rules = nullptr;
  const EvaluateRequest* request = nullptr;
  std::string symptom;                     // resolved symptom id ("unknown" allowed)
  std::string symptom_source;              // for the report
  std::vector<int> candidates;             // cause indices in path order
  std::shared_ptr<const Context> context;  // validated
  // The host's adapters, then the one answering what the client error shows.
  std::vector<std::shared_ptr<ProbeAdapter>> adapters;
  // Answers from this adapter were already on hand (pasted): they cost nothing.
  const ProbeAdapter* already_collected = nullptr;
  ClientErrorReading client_error;  // empty when none was given
  int leading_cause = -1;           // cause index the client error points at (a candidate)
};

Report run_plan(const PlanInput& input);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PLANNER_H_
