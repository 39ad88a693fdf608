// Internal: what one evaluation knows. The probe answers so far, each
// candidate cause's standing (a gate that holds rules out the causes at the
// stages it clears), the layer gates that hold, and each candidate's prior
// weight (the rules' likelihood, raised for the cause the client's error
// points at).
#ifndef RDPTRIAGE_LIB_ENGINE_DIAGNOSIS_STATE_H_
#define RDPTRIAGE_LIB_ENGINE_DIAGNOSIS_STATE_H_

#include <string>
#include <vector>

#include "engine/condition_eval.h"
#include "rules/model.h"

namespace rdptriage::internal {

class DiagnosisState {
 public:
  // `candidates`: cause indices in path order; `leading`: a cause index
  // among them, or -1.
  DiagnosisState(const CompiledRules& rules, std::vector<int> candidates, int leading);

  ProbeAnswers& answers() { return answers_; }
  const ProbeAnswers& answers() const { return answers_; }

  struct Changes {
    std::vector<std::string> confirmed;
    std::vector<std::string> ruled_out;
    std::vector<std::string> gates;  // gates that now hold
  };
  // Re-evaluates gates and candidates against the answers; returns what
  // changed since the last call.
  Changes refresh();

  std::size_t size() const { return candidates_.size(); }
  const Cause& cause(std::size_t i) const { return rules_->causes[cause_index(i)]; }
  std::size_t cause_index(std::size_t i) const { return static_cast<std::size_t>(candidates_[i]); }
  CauseStatus status(std::size_t i) const { return status_[i]; }
  // The first confirmed candidate, or size() when none is.
  std::size_t horizon() const;
  // Prior weight (not normalized).
  double weight(std::size_t i) const { return weight_[i]; }
  bool is_leading(std::size_t i) const { return candidates_[i] == leading_; }
  // Gates that would rule candidate i out, by index into rules.gates.
  const std::vector<int>& covering_gates(std::size_t i) const { return covering_[i]; }
  bool gate_holds(int gate) const { return gate_holds_[static_cast<std::size_t>(gate)]; }
  // Whether gate `gate` covers candidate i.
  bool covers(int gate, std::size_t i) const;
  // Candidates confirmed by their own test although a holding gate clears
  // them (the rules disagree with the evidence), as "cause (gate)".
  const std::vector<std::string>& contradictions() const { return contradictions_; }

  const CompiledRules& rules() const { return *rules_; }

  // The standing of candidate i under `answers` (for looking ahead).
  CauseStatus status_under(std::size_t i, const ProbeAnswers& answers) const;

 private:
  const CompiledRules* rules_;
  std::vector<int> candidates_;
  int leading_;
  ProbeAnswers answers_;
  std::vector<CauseStatus> status_;
  std::vector<bool> gate_holds_;
  std::vector<std::vector<int>> covering_;
  std::vector<double> weight_;
  std::vector<std::string> contradictions_;
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_DIAGNOSIS_STATE_H_
