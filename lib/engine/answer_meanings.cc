#include "engine/answer_meanings.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace rdptriage::internal {
namespace {

// The probe whose answer a condition leaf compares, seen through fallbacks:
// asking `probe` answers every probe whose fallback chain reaches it.
bool stands_for(const CompiledRules& rules, int leaf_probe, int probe) {
  for (int p = leaf_probe, hops = 0; p >= 0 && hops < 16; ++hops) {
    if (p == probe) return true;
    p = rules.probes[static_cast<std::size_t>(p)].fallback;
  }
  return false;
}

void literals(const CompiledRules& rules, const Condition& c, int probe,
              std::vector<std::pair<Condition::Op, ProbeValue>>* out) {
  if (c.kind != Condition::Kind::kCompare) {
    for (const Condition& child : c.children) literals(rules, child, probe, out);
    return;
  }
  if (!stands_for(rules, c.probe, probe)) return;
  for (const Operand& o : c.operands)
    if (!o.is_probe) out->emplace_back(c.op, o.literal);
}

std::string number_label(double v) {
  std::string s = to_string(ProbeValue(v));
  return s;
}

}  // namespace

std::vector<TrialAnswer> representative_answers(const DiagnosisState& state, int probe) {
  const CompiledRules& rules = state.rules();
  const Probe& p = rules.probes[static_cast<std::size_t>(probe)];
  std::vector<TrialAnswer> out;
  switch (p.domain.type) {
    case ResultDomain::Type::kBool:
      out.push_back({"yes (true)", true});
      out.push_back({"no (false)", false});
      return out;
    case ResultDomain::Type::kEnum:
      for (const std::string& v : p.domain.values) out.push_back({v, v});
      return out;
    default:
      break;
  }
  std::vector<std::pair<Condition::Op, ProbeValue>> lits;
  for (std::size_t i = 0; i < state.size(); ++i) {
    literals(rules, state.cause(i).confirm, probe, &lits);
    if (state.cause(i).rule_out) literals(rules, *state.cause(i).rule_out, probe, &lits);
  }
  for (const Gate& g : rules.gates) literals(rules, g.when, probe, &lits);
  if (p.domain.type == ResultDomain::Type::kNumber) {
    std::set<double> cuts;
    for (const auto& [op, v] : lits)
      if (const double* d = std::get_if<double>(&v)) cuts.insert(*d);
    if (cuts.empty()) return out;
    // One value below the lowest threshold, one at each, and one above the
    // highest; labelled by the interval it stands for.
    const double step = p.domain.integer ? 1.0 : 0.5;
    std::vector<double> sorted(cuts.begin(), cuts.end());
    auto in_domain = [&](double v) {
      return (!p.domain.min || v >= *p.domain.min) && (!p.domain.max || v <= *p.domain.max);
    };
    if (in_domain(sorted.front() - step))
      out.push_back({"below " + number_label(sorted.front()), sorted.front() - step});
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      const double v = sorted[i];
      if (!in_domain(v)) continue;
      std::string label =
          i + 1 < sorted.size()
              ? number_label(v) + " up to " + number_label(sorted[i + 1]) + " (not included)"
              : number_label(v) + " or more";
      out.push_back({label, v});
    }
    return out;
  }
  std::set<std::string> seen;
  for (const auto& [op, v] : lits)
    if (const std::string* s = std::get_if<std::string>(&v); s && seen.insert(*s).second)
      out.push_back({"\"" + *s + "\"", *s});
  out.push_back({"anything else", std::string("\x01other")});
  return out;
}

namespace {

std::string meaning_of(const std::vector<std::string>& confirmed,
                       const std::vector<std::string>& ruled_out) {
  auto list = [](const std::vector<std::string>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size() && i < 4; ++i) out += (i ? ", " : "") + ids[i];
    if (ids.size() > 4) out += " and " + std::to_string(ids.size() - 4) + " more";
    return out;
  };
  std::string out;
  if (!confirmed.empty()) out = "confirms " + list(confirmed);
  if (!ruled_out.empty())
    out += (out.empty() ? "" : "; ") + std::string("rules out ") + list(ruled_out);
  return out.empty() ? "no change on its own" : out;
}

}  // namespace

std::vector<AnswerMeaning> answer_meanings(const DiagnosisState& state, int probe) {
  std::vector<AnswerMeaning> out;
  for (const TrialAnswer& t : representative_answers(state, probe)) {
    ProbeAnswers scratch = state.answers();
    scratch.set_answer(probe, t.value);
    std::vector<std::string> confirmed, ruled_out;
    for (std::size_t i = 0; i < state.size(); ++i) {
      if (state.status(i) != CauseStatus::kUnknown) continue;
      CauseStatus s = state.status_under(i, scratch);
      if (s == CauseStatus::kConfirmed) confirmed.push_back(state.cause(i).info.id);
      if (s == CauseStatus::kRuledOut) ruled_out.push_back(state.cause(i).info.id);
    }
    std::string meaning = meaning_of(confirmed, ruled_out);
    auto same = std::find_if(out.begin(), out.end(),
                             [&](const AnswerMeaning& m) { return m.meaning == meaning; });
    if (same != out.end())
      same->answer += " or " + t.label;
    else
      out.push_back({t.label, std::move(meaning)});
  }
  return out;
}

}  // namespace rdptriage::internal
