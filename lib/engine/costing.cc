#include "engine/costing.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

namespace rdptriage::internal {
namespace {

Status invalid(const std::string& message) { return Status(ErrorCode::kInvalidArgument, message); }

}  // namespace

Costing::Costing(const CompiledRules& rules, const EvaluateOptions& options)
    : rules_(&rules),
      own_(rules.probes.size()),
      session_(rules.sessions.size()),
      open_(rules.sessions.size(), false) {
  for (std::size_t i = 0; i < rules.probes.size(); ++i) {
    auto it = options.cost_overrides.find(rules.probes[i].info.id);
    own_[i] = it != options.cost_overrides.end() ? it->second : rules.probes[i].info.cost_s;
  }
  for (std::size_t i = 0; i < rules.sessions.size(); ++i) {
    auto it = options.cost_overrides.find(rules.sessions[i].info.id);
    session_[i] = it != options.cost_overrides.end() ? it->second : rules.sessions[i].info.cost_s;
  }
}

double Costing::charge(int probe) const {
  const int s = session_of(probe);
  return own(probe) + (s >= 0 && !session_open(s) ? session_cost(s) : 0.0);
}

double Costing::charge_all(const std::vector<int>& probes) const {
  double total = 0;
  std::vector<int> sessions;
  for (int p : probes) {
    total += own(p);
    const int s = session_of(p);
    if (s >= 0 && !session_open(s) &&
        std::find(sessions.begin(), sessions.end(), s) == sessions.end()) {
      sessions.push_back(s);
      total += session_cost(s);
    }
  }
  return total;
}

Status validate_options(const CompiledRules& rules, const EvaluateOptions& o) {
  for (const auto& [id, cost] : o.cost_overrides) {
    const bool is_probe = rules.probe_index.count(id) > 0;
    const std::string& key = id;  // clang 14 cannot capture a structured binding
    const bool is_session = std::any_of(rules.sessions.begin(), rules.sessions.end(),
                                        [&](const Session& s) { return s.info.id == key; });
    if (!is_probe && !is_session)
      return invalid("cost_overrides: \"" + id + "\" is neither a probe nor a session id");
    if (!std::isfinite(cost) || !(cost > 0) || cost > 86400)
      return invalid("cost_overrides: \"" + id +
                     "\" must be a cost in seconds, > 0 and at most a day");
  }
  for (const std::string& id : o.disabled_probes)
    if (!rules.probe_index.count(id))
      return invalid("disabled_probes: unknown probe \"" + id + "\"");
  if (o.probe_deadline <= std::chrono::milliseconds::zero())
    return invalid("probe_deadline must be positive");
  if (o.evaluation_deadline <= std::chrono::milliseconds::zero())
    return invalid("evaluation_deadline must be positive");
  if (o.max_parallel_probes == 0) return invalid("max_parallel_probes must be at least 1");
  if (!std::isfinite(o.exclusion_budget_s) || o.exclusion_budget_s < 0)
    return invalid("exclusion_budget_s must be a finite number of seconds, >= 0");
  if (!std::isfinite(o.fix_probe_budget_s) || o.fix_probe_budget_s < 0)
    return invalid("fix_probe_budget_s must be a finite number of seconds, >= 0");
  return Status();
}

}  // namespace rdptriage::internal
