#include "engine/diagnosis_state.h"

#include <algorithm>

namespace rdptriage::internal {
namespace {

// Relative prior weights of the rules' likelihoods, and how much more the
// cause the client's error points at weighs.
double likelihood_weight(const std::string& likelihood) {
  if (likelihood == "common") return 4;
  if (likelihood == "rare") return 1;
  return 2;
}
constexpr double kLeadingFactor = 6;

}  // namespace

DiagnosisState::DiagnosisState(const CompiledRules& rules, std::vector<int> candidates, int leading)
    : rules_(&rules),
      candidates_(std::move(candidates)),
      leading_(leading),
      answers_(rules),
      status_(candidates_.size(), CauseStatus::kUnknown),
      gate_holds_(rules.gates.size(), false),
      covering_(candidates_.size()),
      weight_(candidates_.size()) {
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    const Cause& c = cause(i);
    for (std::size_t g = 0; g < rules.gates.size(); ++g)
      if (rules.gates[g].covers(c, candidates_[i])) covering_[i].push_back(static_cast<int>(g));
    weight_[i] =
        likelihood_weight(c.info.likelihood) * (candidates_[i] == leading ? kLeadingFactor : 1);
  }
}

bool DiagnosisState::covers(int gate, std::size_t i) const {
  return std::binary_search(covering_[i].begin(), covering_[i].end(), gate);
}

std::size_t DiagnosisState::horizon() const {
  for (std::size_t i = 0; i < status_.size(); ++i)
    if (status_[i] == CauseStatus::kConfirmed) return i;
  return status_.size();
}

CauseStatus DiagnosisState::status_under(std::size_t i, const ProbeAnswers& answers) const {
  CauseStatus s = cause_status(cause(i), answers);
  if (s != CauseStatus::kUnknown) return s;
  for (int g : covering_[i])
    if (evaluate(rules_->gates[static_cast<std::size_t>(g)].when, answers) == Truth::kTrue)
      return CauseStatus::kRuledOut;
  return s;
}

DiagnosisState::Changes DiagnosisState::refresh() {
  Changes changes;
  for (std::size_t g = 0; g < rules_->gates.size(); ++g) {
    const bool holds = evaluate(rules_->gates[g].when, answers_) == Truth::kTrue;
    if (holds && !gate_holds_[g]) changes.gates.push_back(rules_->gates[g].info.id);
    gate_holds_[g] = holds;
  }
  for (std::size_t i = 0; i < status_.size(); ++i) {
    CauseStatus s = cause_status(cause(i), answers_);
    if (s == CauseStatus::kUnknown) {
      for (int g : covering_[i])
        if (gate_holds_[static_cast<std::size_t>(g)]) s = CauseStatus::kRuledOut;
    } else if (s == CauseStatus::kConfirmed) {
      for (int g : covering_[i]) {
        if (!gate_holds_[static_cast<std::size_t>(g)]) continue;
        std::string note =
            cause(i).info.id + " (gate " + rules_->gates[static_cast<std::size_t>(g)].info.id + ")";
        if (std::find(contradictions_.begin(), contradictions_.end(), note) ==
            contradictions_.end())
          contradictions_.push_back(note);
      }
    }
    if (s == status_[i]) continue;
    status_[i] = s;
    (s == CauseStatus::kConfirmed ? changes.confirmed : changes.ruled_out)
        .push_back(cause(i).info.id);
  }
  return changes;
}

}  // namespace rdptriage::internal
