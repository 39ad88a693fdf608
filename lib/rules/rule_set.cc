// RuleSet accessors and the two renderings of the rule graph: the Markdown
// layer table and the Graphviz decision graph.
#include <map>
#include <set>

#include "rules/model.h"

namespace rdptriage {
namespace {

const internal::CompiledRules& empty_rules() {
  static const internal::CompiledRules kEmpty;
  return kEmpty;
}

std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

namespace internal {
RuleSet CompiledRules::make_rule_set(CompiledRules rules) {
  return RuleSet(std::make_shared<const CompiledRules>(std::move(rules)));
}
}  // namespace internal

#define RDPTRIAGE_RULES() (impl_ ? *impl_ : empty_rules())

const std::vector<CauseInfo>& RuleSet::causes() const { return RDPTRIAGE_RULES().cause_infos; }
const std::vector<ProbeInfo>& RuleSet::probes() const { return RDPTRIAGE_RULES().probe_infos; }
const std::vector<SymptomInfo>& RuleSet::symptoms() const {
  return RDPTRIAGE_RULES().symptom_infos;
}

const std::string& RuleSet::digest() const { return RDPTRIAGE_RULES().digest; }
const std::vector<PackInfo>& RuleSet::packs() const { return RDPTRIAGE_RULES().packs; }
const std::vector<RuleChange>& RuleSet::changes() const { return RDPTRIAGE_RULES().changes; }
const std::vector<Diagnostic>& RuleSet::notes() const { return RDPTRIAGE_RULES().notes; }

const std::vector<SessionInfo>& RuleSet::sessions() const {
  return RDPTRIAGE_RULES().session_infos;
}
const std::vector<GateInfo>& RuleSet::gates() const { return RDPTRIAGE_RULES().gate_infos; }

const std::vector<ClientCodeTableInfo>& RuleSet::client_code_tables() const {
  return RDPTRIAGE_RULES().client_table_infos;
}
const std::vector<ClientMessageInfo>& RuleSet::client_messages() const {
  return RDPTRIAGE_RULES().client_message_infos;
}

bool RuleSet::symptom_within(std::string_view narrower, std::string_view broader) const {
  return internal::symptom_within(RDPTRIAGE_RULES(), narrower, broader);
}

const CauseInfo* RuleSet::find_cause(std::string_view id) const {
  const auto& r = RDPTRIAGE_RULES();
  auto it = r.cause_index.find(id);
  return it == r.cause_index.end() ? nullptr : &r.cause_infos[static_cast<std::size_t>(it->second)];
}
const ProbeInfo* RuleSet::find_probe(std::string_view id) const {
  const auto& r = RDPTRIAGE_RULES();
  auto it = r.probe_index.find(id);
  return it == r.probe_index.end() ? nullptr : &r.probe_infos[static_cast<std::size_t>(it->second)];
}
const SymptomInfo* RuleSet::find_symptom(std::string_view id) const {
  const auto& r = RDPTRIAGE_RULES();
  auto it = r.symptom_index.find(id);
  return it == r.symptom_index.end() ? nullptr
                                     : &r.symptom_infos[static_cast<std::size_t>(it->second)];
}

std::string RuleSet::layer_table_markdown() const {
  const auto& r = RDPTRIAGE_RULES();
  std::string out = "| Symptom | Layer | Cause | Confirming test | Fix |\n|---|---|---|---|---|\n";
  for (const internal::Symptom& s : r.symptoms) {
    for (int ci : s.causes) {
      const CauseInfo& c = r.causes[static_cast<std::size_t>(ci)].info;
      out += "| " + cell(s.info.title) + " | " + std::string(layer_name(c.layer)) + " | `" + c.id +
             "` " + cell(c.title) + " | " + cell(c.confirm_text) + " | " +
             cell(c.fix.empty() ? std::string() : c.fix.front().text) + " |\n";
    }
  }
  return out;
}

std::string RuleSet::decision_graph_dot() const {
  const auto& r = RDPTRIAGE_RULES();
  std::string out = "digraph rdptriage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (const internal::Symptom& s : r.symptoms)
    out += "  " + dot_quote("symptom:" + s.info.id) +
           " [shape=ellipse, label=" + dot_quote(s.info.id) + "];\n";
  std::map<Layer, std::vector<const internal::Cause*>> by_layer;
  for (const internal::Cause& c : r.causes) by_layer[c.info.layer].push_back(&c);
  for (const auto& [layer, causes] : by_layer) {
    out += "  subgraph " + dot_quote("cluster_" + std::string(layer_name(layer))) +
           " {\n    label=" + dot_quote(std::string(layer_name(layer))) + ";\n";
    for (const internal::Cause* c : causes)
      out += "    " + dot_quote("cause:" + c->info.id) +
             " [shape=box, label=" + dot_quote(c->info.id) + "];\n";
    out += "  }\n";
  }
  std::set<int> used;
  for (const internal::Symptom& s : r.symptoms)
    for (int ci : s.causes)
      out += "  " + dot_quote("symptom:" + s.info.id) + " -> " +
             dot_quote("cause:" + r.causes[static_cast<std::size_t>(ci)].info.id) + ";\n";
  for (const internal::Cause& c : r.causes) {
    for (int p : c.probes) {
      used.insert(p);
      out += "  " + dot_quote("cause:" + c.info.id) + " -> " +
             dot_quote("probe:" + r.probes[static_cast<std::size_t>(p)].info.id) + ";\n";
    }
  }
  for (std::size_t i = 0; i < r.probes.size(); ++i) {
    const internal::Probe& p = r.probes[i];
    if (!used.count(static_cast<int>(i)) && p.fallback < 0) continue;
    out += "  " + dot_quote("probe:" + p.info.id) + " [shape=note, label=" +
           dot_quote(p.info.id + "\n" + std::string(channel_name(p.info.channel))) + "];\n";
    if (p.fallback >= 0)
      out += "  " + dot_quote("probe:" + p.info.id) + " -> " +
             dot_quote("probe:" + r.probes[static_cast<std::size_t>(p.fallback)].info.id) +
             " [style=dashed, label=\"fallback\"];\n";
  }
  return out + "}\n";
}

#undef RDPTRIAGE_RULES

}  // namespace rdptriage

namespace rdptriage::internal {

bool symptom_within(const CompiledRules& rules, std::string_view narrower,
                    std::string_view broader) {
  std::vector<std::string> todo{std::string(narrower)};
  std::set<std::string, std::less<>> seen;
  while (!todo.empty()) {
    std::string at = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(at).second) continue;
    auto it = rules.symptom_index.find(at);
    if (it == rules.symptom_index.end()) continue;
    for (const std::string& next : rules.symptom_infos[static_cast<std::size_t>(it->second)].within) {
      if (next == broader) return true;
      todo.push_back(next);
    }
  }
  return false;
}

}  // namespace rdptriage::internal
