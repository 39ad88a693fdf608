#include "engine/condition_cost.h"

#include <algorithm>
#include <iterator>

namespace rdptriage::internal {
namespace {

ProbeSet impossible() { return {}; }

ProbeSet already() { return {{}, 0.0}; }

ProbeSet priced(std::vector<int> probes, const Costing& costing) {
  std::sort(probes.begin(), probes.end());
  probes.erase(std::unique(probes.begin(), probes.end()), probes.end());
  ProbeSet s;
  s.cost = costing.charge_all(probes);
  s.probes = std::move(probes);
  return s;
}

// A comparison: the probes it still needs, when all of them can be asked.
ProbeSet leaf(const Condition& c, const ProbeAnswers& answers, const Costing& costing,
              bool ignore_no_answer) {
  std::vector<int> needed;
  auto need = [&](int probe) {
    if (answers.effective(probe) != nullptr) return true;
    const int next = answers.askable(probe, ignore_no_answer);
    if (next < 0) return false;
    needed.push_back(next);
    return true;
  };
  if (!need(c.probe)) return impossible();
  for (const Operand& o : c.operands)
    if (o.is_probe && !need(o.probe)) return impossible();
  return priced(std::move(needed), costing);
}

}  // namespace

ProbeSet cheapest(const Condition& c, bool want, const ProbeAnswers& answers,
                  const Costing& costing, bool ignore_no_answer) {
  const Truth t = evaluate(c, answers);
  if (t != Truth::kUnknown) return (t == Truth::kTrue) == want ? already() : impossible();
  switch (c.kind) {
    case Condition::Kind::kCompare:
      return leaf(c, answers, costing, ignore_no_answer);
    case Condition::Kind::kNot:
      if (c.children.empty()) return impossible();
      return cheapest(c.children.front(), !want, answers, costing, ignore_no_answer);
    case Condition::Kind::kAll:
    case Condition::Kind::kAny: {
      // Every child must reach `want` ("all" true, "any" false), or one must.
      const bool every = (c.kind == Condition::Kind::kAll) == want;
      if (every) {
        std::vector<int> joined;
        for (const Condition& child : c.children) {
          ProbeSet s = cheapest(child, want, answers, costing, ignore_no_answer);
          if (!s.possible()) return impossible();
          joined.insert(joined.end(), s.probes.begin(), s.probes.end());
        }
        return priced(std::move(joined), costing);
      }
      ProbeSet best;
      for (const Condition& child : c.children) {
        ProbeSet s = cheapest(child, want, answers, costing, ignore_no_answer);
        if (s.cost < best.cost ||
            (s.cost == best.cost && s.possible() && s.probes.size() < best.probes.size()))
          best = std::move(s);
      }
      return best;
    }
  }
  return impossible();
}

}  // namespace rdptriage::internal
