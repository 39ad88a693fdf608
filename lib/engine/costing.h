// Internal: what probes cost in one evaluation, with channel sessions: the
// first member of a session asked pays the session's cost, every member its
// own (marginal) cost. Host overrides apply to probes and sessions by id.
#ifndef RDPTRIAGE_LIB_ENGINE_COSTING_H_
#define RDPTRIAGE_LIB_ENGINE_COSTING_H_

#include <limits>
#include <vector>

#include "rdptriage/triage.h"
#include "rules/model.h"

namespace rdptriage::internal {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

class Costing {
 public:
  Costing(const CompiledRules& rules, const EvaluateOptions& options);

  // The probe's own cost (override or default): a session member's marginal.
  double own(int probe) const { return own_[static_cast<std::size_t>(probe)]; }
  double session_cost(int session) const { return session_[static_cast<std::size_t>(session)]; }
  int session_of(int probe) const {
    return rules_->probes[static_cast<std::size_t>(probe)].session;
  }

  bool session_open(int session) const { return open_[static_cast<std::size_t>(session)]; }
  void open_session(int session) { open_[static_cast<std::size_t>(session)] = true; }

  // What asking `probe` now would be charged.
  double charge(int probe) const;
  // What asking every probe of `probes` would be charged (each session's
  // opening cost once).
  double charge_all(const std::vector<int>& probes) const;

 private:
  const CompiledRules* rules_;
  std::vector<double> own_;
  std::vector<double> session_;
  std::vector<bool> open_;
};

// Checks EvaluateOptions against the rules: cost overrides name a probe or
// a session and are finite and > 0, disabled probes exist, deadlines and
// limits are in range. Returns kInvalidArgument naming the option.
Status validate_options(const CompiledRules& rules, const EvaluateOptions& options);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_COSTING_H_
