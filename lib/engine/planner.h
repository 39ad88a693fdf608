// Internal: one evaluation. Localizes the failure by evidence (layer gates
// rule out whole stages), asks the probes worth most per second of cost
// (several at once on different channels when adapters block), stops once
// the first confirmed cause on the path has every cheaply excludable
// earlier candidate excluded, and concludes the report.
#ifndef RDPTRIAGE_LIB_ENGINE_PLANNER_H_
#define RDPTRIAGE_LIB_ENGINE_PLANNER_H_

#include <memory>
#include <string>
#include <vector>

#include "rdptriage/report.h"
#include "rdptriage/triage.h"
#include "rules/model.h"

namespace rdptriage::internal {

class ProbePoolState;

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
  ClientErrorReading client_error;       // empty when none was given
  int leading_cause = -1;                // cause index the client error points at (a candidate)
  std::shared_ptr<ProbePoolState> pool;  // runs blocking adapters
};

Report run_plan(const PlanInput& input);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PLANNER_H_
