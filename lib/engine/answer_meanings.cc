#include "engine/answer_meanings.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <vector>

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

std::string list_of(const std::vector<std::string>& ids, std::size_t max = 4) {
  std::string out;
  for (std::size_t i = 0; i < ids.size() && i < max; ++i)
    out += (i == 0 ? "" : i + 1 == ids.size() ? " and " : ", ") + ids[i];
  if (ids.size() > max) out += " and " + std::to_string(ids.size() - max) + " more";
  return out;
}

// Whether a condition reads `probe` (directly or through a fallback chain).
bool reads(const CompiledRules& rules, const Condition& c, int probe) {
  if (c.kind != Condition::Kind::kCompare) {
    return std::any_of(c.children.begin(), c.children.end(),
                       [&](const Condition& child) { return reads(rules, child, probe); });
  }
  if (stands_for(rules, c.probe, probe)) return true;
  return std::any_of(c.operands.begin(), c.operands.end(), [&](const Operand& o) {
    return o.is_probe && stands_for(rules, o.probe, probe);
  });
}

// The layer every open candidate shares, if they share one.
std::optional<Layer> shared_layer(const DiagnosisState& state, const std::vector<CauseStatus>& st) {
  std::optional<Layer> layer;
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (st[i] != CauseStatus::kUnknown) continue;
    if (layer && *layer != state.cause(i).info.layer) return std::nullopt;
    layer = state.cause(i).info.layer;
  }
  return layer;
}

// What one answer would change, in words: the causes it confirms and rules
// out, the layers it clears, the gates it passes or closes, the layer it
// leaves; when it changes none of these on its own, what it decides
// together with which other probes.
std::string meaning_of(const DiagnosisState& state, int probe, const ProbeAnswers& scratch) {
  const CompiledRules& rules = state.rules();
  std::vector<CauseStatus> now(state.size()), then(state.size());
  std::vector<std::string> confirmed, ruled_out;
  for (std::size_t i = 0; i < state.size(); ++i) {
    now[i] = state.status(i);
    then[i] = now[i] == CauseStatus::kUnknown ? state.status_under(i, scratch) : now[i];
    if (now[i] != CauseStatus::kUnknown) continue;
    if (then[i] == CauseStatus::kConfirmed) confirmed.push_back(state.cause(i).info.id);
    if (then[i] == CauseStatus::kRuledOut) ruled_out.push_back(state.cause(i).info.id);
  }
  // Layers whose every open candidate it rules out.
  std::vector<std::string> cleared;
  for (Layer layer :
       {Layer::kNetwork, Layer::kBoundary, Layer::kService, Layer::kAuth, Layer::kGuest}) {
    bool any = false, all = true;
    for (std::size_t i = 0; i < state.size(); ++i) {
      if (now[i] != CauseStatus::kUnknown || state.cause(i).info.layer != layer) continue;
      any = true;
      all = all && then[i] == CauseStatus::kRuledOut;
    }
    if (any && all) cleared.push_back(std::string(layer_name(layer)));
  }
  // Gates it completes, and gates that could clear an open candidate and
  // can no longer pass.
  std::vector<std::string> passes, closes;
  for (std::size_t g = 0; g < rules.gates.size(); ++g) {
    const Gate& gate = rules.gates[g];
    if (state.gate_holds(static_cast<int>(g)) || !reads(rules, gate.when, probe)) continue;
    const Truth before = evaluate(gate.when, state.answers());
    const Truth after = evaluate(gate.when, scratch);
    if (after == Truth::kTrue) passes.push_back(gate.info.id);
    if (before == Truth::kUnknown && after == Truth::kFalse) {
      bool useful = false;
      for (std::size_t i = 0; i < state.size() && !useful; ++i)
        useful = now[i] == CauseStatus::kUnknown && state.covers(static_cast<int>(g), i);
      if (useful) closes.push_back(gate.info.id);
    }
  }
  std::vector<std::string> parts;
  if (!confirmed.empty()) parts.push_back("confirms " + list_of(confirmed));
  if (!passes.empty())
    parts.push_back("passes the gate" + std::string(passes.size() > 1 ? "s " : " ") +
                    list_of(passes));
  if (!ruled_out.empty()) parts.push_back("rules out " + list_of(ruled_out));
  if (!cleared.empty())
    parts.push_back("clears the " + list_of(cleared) + (cleared.size() > 1 ? " layers" : " layer"));
  if (!closes.empty())
    parts.push_back("the gate" + std::string(closes.size() > 1 ? "s " : " ") + list_of(closes) +
                    (closes.size() > 1 ? " can no longer pass" : " can no longer pass"));
  const std::optional<Layer> layer_now = shared_layer(state, now);
  const std::optional<Layer> layer_then = shared_layer(state, then);
  if (layer_then && layer_then != layer_now &&
      std::any_of(then.begin(), then.end(),
                  [](CauseStatus s) { return s == CauseStatus::kUnknown; }))
    parts.push_back("leaves only " + std::string(layer_name(*layer_then)) + " causes open");
  if (!parts.empty()) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
  }
  // Nothing on its own: what it decides with the probes still missing.
  std::vector<std::string> decides;
  std::set<int> with;
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (now[i] != CauseStatus::kUnknown) continue;
    const Cause& c = state.cause(i);
    const bool uses =
        reads(rules, c.confirm, probe) || (c.rule_out && reads(rules, *c.rule_out, probe));
    if (!uses) continue;
    std::set<int> needed;
    cause_needed_probes(c, scratch, true, &needed);
    if (needed.empty()) continue;
    decides.push_back(c.info.id);
    with.insert(needed.begin(), needed.end());
  }
  for (std::size_t g = 0; g < rules.gates.size(); ++g) {
    const Gate& gate = rules.gates[g];
    if (state.gate_holds(static_cast<int>(g)) || !reads(rules, gate.when, probe)) continue;
    std::set<int> needed;
    needed_probes(gate.when, scratch, true, &needed);
    if (needed.empty()) continue;
    decides.push_back("the gate " + gate.info.id);
    with.insert(needed.begin(), needed.end());
  }
  with.erase(probe);
  if (decides.empty() || with.empty())
    return "changes nothing: no open cause or gate depends on it";
  std::vector<std::string> others;
  for (int p : with) others.push_back(rules.probes[static_cast<std::size_t>(p)].info.id);
  return "settles nothing alone; with " + list_of(others, 3) + " it decides " + list_of(decides, 3);
}

}  // namespace

std::vector<AnswerMeaning> answer_meanings(const DiagnosisState& state, int probe) {
  std::vector<AnswerMeaning> out;
  for (const TrialAnswer& t : representative_answers(state, probe)) {
    ProbeAnswers scratch = state.answers();
    scratch.set_answer(probe, t.value);
    std::string meaning = meaning_of(state, probe, scratch);
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
