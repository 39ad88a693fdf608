// The decision graph's whole-graph checks, with Boost.Graph: no cycles in
// "after" or in fallback chains, "after" never points down the path, every
// cause reachable from a symptom; then the path order the engine walks.
#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/json/serialize.hpp>
#include <queue>
#include <set>

#include "crypto/crypto.h"
#include "rules/compiler.h"

namespace rdptriage::internal {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

// Collects the target of every back edge: each closes a cycle.
struct CycleVisitor : boost::default_dfs_visitor {
  explicit CycleVisitor(std::set<Vertex>* hits) : hits(hits) {}
  void back_edge(Edge e, const Graph& g) const { hits->insert(boost::target(e, g)); }
  std::set<Vertex>* hits;
};

std::set<Vertex> cycle_vertices(const Graph& g) {
  std::set<Vertex> hits;
  boost::depth_first_search(g, boost::visitor(CycleVisitor(&hits)));
  return hits;
}

struct ReachVisitor : boost::default_bfs_visitor {
  explicit ReachVisitor(std::vector<bool>* seen) : seen(seen) {}
  void discover_vertex(Vertex v, const Graph&) const { (*seen)[v] = true; }
  std::vector<bool>* seen;
};

bool stage_allows(Stage stage, Layer layer) {
  switch (stage) {
    case Stage::kClient:
    case Stage::kNetwork:
      return layer == Layer::kNetwork;
    case Stage::kPlatform:
      return layer == Layer::kBoundary;
    case Stage::kListener:
      return layer == Layer::kService;
    case Stage::kChannel:
    case Stage::kLogon:
      return layer == Layer::kService || layer == Layer::kAuth;
    case Stage::kSession:
      return layer == Layer::kGuest;
  }
  return false;
}

}  // namespace

void RuleCompiler::check_graphs() {
  const std::size_t n = causes_.size();
  // "after": edge from the earlier cause to the later one.
  Graph after(n);
  for (std::size_t i = 0; i < n; ++i) {
    CauseDecl& d = causes_[i];
    if (!stage_allows(d.info.stage, d.info.layer))
      sink(d.ref.doc).add(pointer_join(d.ref.pointer, "stage"), d.info.id,
                          "a " + std::string(layer_name(d.info.layer)) +
                              " cause cannot act at the " + std::string(stage_name(d.info.stage)) +
                              " stage of the path");
    for (std::size_t k = 0; k < d.after.size(); ++k) {
      const CauseDecl& earlier = causes_[static_cast<std::size_t>(d.after[k])];
      const std::size_t slot = d.after_slot[k];
      const DeclRef& at = d.after_refs[slot];
      if (earlier.info.stage > d.info.stage) {
        if (d.after_from_override[slot])
          sink(at.doc).add(at.pointer, d.info.id,
                           "cannot place \"" + earlier.info.id + "\" (" +
                               std::string(stage_name(earlier.info.stage)) + " stage) before \"" +
                               d.info.id + "\" (" + std::string(stage_name(d.info.stage)) +
                               " stage): it is later on the path; order only within a stage or "
                               "down the path");
        else
          sink(at.doc).add(at.pointer, d.info.id,
                           "\"" + earlier.info.id + "\" acts at the " +
                               std::string(stage_name(earlier.info.stage)) +
                               " stage, later on the path than this cause's " +
                               std::string(stage_name(d.info.stage)) + " stage");
        continue;
      }
      boost::add_edge(static_cast<Vertex>(d.after[k]), static_cast<Vertex>(i), after);
    }
  }
  for (Vertex v : cycle_vertices(after)) {
    const CauseDecl& d = causes_[v];
    sink(d.ref.doc).add(pointer_join(d.ref.pointer, "after"), d.info.id,
                        "\"after\" forms a cycle through this cause");
  }
  // An override's ordering on a cycle is named where it was written: its
  // two causes are in one strongly connected component.
  std::vector<int> component(n);
  if (n > 0) boost::strong_components(after, component.data());
  for (std::size_t i = 0; i < n; ++i) {
    const CauseDecl& d = causes_[i];
    for (std::size_t k = 0; k < d.after.size(); ++k) {
      const std::size_t slot = d.after_slot[k];
      const auto earlier = static_cast<std::size_t>(d.after[k]);
      if (!d.after_from_override[slot] || component[earlier] != component[i]) continue;
      sink(d.after_refs[slot].doc)
          .add(d.after_refs[slot].pointer, d.info.id,
               "placing \"" + causes_[earlier].info.id + "\" before \"" + d.info.id +
                   "\" forms a cycle with the other \"after\" orderings");
    }
  }

  Graph fallbacks(out_.probes.size());
  for (std::size_t i = 0; i < out_.probes.size(); ++i)
    if (out_.probes[i].fallback >= 0)
      boost::add_edge(i, static_cast<Vertex>(out_.probes[i].fallback), fallbacks);
  for (Vertex v : cycle_vertices(fallbacks)) {
    const ProbeDecl& d = probes_[v];
    sink(d.ref.doc).add(pointer_join(d.ref.pointer, "fallback"), d.probe.info.id,
                        "fallback chain forms a cycle through this probe");
  }

  // Reachability: symptoms (vertices n..) lead to the causes that list them;
  // a search from a root joined to every symptom must find every cause.
  const std::size_t s = symptoms_.size();
  const Vertex root = n + s;
  Graph reach(n + s + 1);
  for (std::size_t j = 0; j < s; ++j)
    if (symptoms_[j].symptom.info.id != "ok") boost::add_edge(root, n + j, reach);
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::string& sym : causes_[i].info.symptoms) {
      auto it = out_.symptom_index.find(sym);
      if (it != out_.symptom_index.end())
        boost::add_edge(n + static_cast<std::size_t>(it->second), i, reach);
    }
  }
  std::vector<bool> seen(n + s + 1, false);
  boost::breadth_first_search(reach, root, boost::visitor(ReachVisitor(&seen)));
  for (std::size_t i = 0; i < n; ++i) {
    const CauseDecl& d = causes_[i];
    if (!seen[i] && !d.info.symptoms.empty())
      sink(d.ref.doc).add(pointer_join(d.ref.pointer, "symptoms"), d.info.id,
                          "can never be reached: no declared symptom leads to this cause");
  }
}

void RuleCompiler::order_and_emit() {
  // Kahn's algorithm over "after", always taking the ready cause that is
  // earliest by (stage, load order), so the order is total and stable.
  const std::size_t n = causes_.size();
  std::vector<std::vector<int>> later(n);
  std::vector<int> pending(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (int e : causes_[i].after) {
      later[static_cast<std::size_t>(e)].push_back(static_cast<int>(i));
      ++pending[i];
    }
  }
  auto key = [&](int i) { return std::make_pair(static_cast<int>(causes_[i].info.stage), i); };
  auto cmp = [&](int a, int b) { return key(a) > key(b); };
  std::priority_queue<int, std::vector<int>, decltype(cmp)> ready(cmp);
  for (std::size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int j : later[static_cast<std::size_t>(i)])
      if (--pending[static_cast<std::size_t>(j)] == 0) ready.push(j);
  }
  // Cycles were reported already; place what is left by key so nothing is lost.
  for (std::size_t i = 0; i < n; ++i)
    if (pending[i] > 0) order.push_back(static_cast<int>(i));

  std::vector<int> position(n);
  for (std::size_t p = 0; p < order.size(); ++p)
    position[static_cast<std::size_t>(order[p])] = static_cast<int>(p);
  out_.cause_index.clear();
  for (int i : order) {
    CauseDecl& d = causes_[static_cast<std::size_t>(i)];
    Cause c;
    c.info = d.info;
    for (int p : d.probes)
      c.info.probes.push_back(out_.probes[static_cast<std::size_t>(p)].info.id);
    c.confirm = d.confirm_compiled;
    c.rule_out = d.rule_out_compiled;
    for (int a : d.after) c.after.push_back(position[static_cast<std::size_t>(a)]);
    c.probes = d.probes;
    c.step_when = d.step_when_compiled;
    out_.cause_index[c.info.id] = static_cast<int>(out_.causes.size());
    out_.causes.push_back(std::move(c));
  }
  for (SymptomDecl& d : symptoms_) out_.symptoms.push_back(d.symptom);
  // A cause of a narrower symptom is a cause of every broader one too
  // (a cause of "timeout" is one of "no_connection").
  for (std::size_t ci = 0; ci < out_.causes.size(); ++ci) {
    std::set<std::string> explained(out_.causes[ci].info.symptoms.begin(),
                                    out_.causes[ci].info.symptoms.end());
    for (const std::string& sym : out_.causes[ci].info.symptoms) {
      auto up = broader_.find(sym);
      if (up != broader_.end()) explained.insert(up->second.begin(), up->second.end());
    }
    for (const std::string& sym : explained) {
      auto it = out_.symptom_index.find(sym);
      if (it != out_.symptom_index.end())
        out_.symptoms[static_cast<std::size_t>(it->second)].causes.push_back(static_cast<int>(ci));
    }
  }
  for (const Cause& c : out_.causes) out_.cause_infos.push_back(c.info);
  for (const Probe& p : out_.probes) out_.probe_infos.push_back(p.info);
  for (const Symptom& s : out_.symptoms) out_.symptom_infos.push_back(s.info);
}

Status RuleCompiler::final_status() {
  std::vector<Diagnostic> all = loose_;
  bool syntax_only = true;
  for (DiagnosticSink& s : sinks_) {
    for (Diagnostic& d : s.diagnostics()) all.push_back(d);
  }
  if (all.empty()) return Status();
  for (const Diagnostic& d : all)
    if (d.message.rfind("invalid JSON", 0) != 0) syntax_only = false;
  ErrorCode code = worst_ != ErrorCode::kOk
                       ? worst_
                       : (syntax_only ? ErrorCode::kParseError : ErrorCode::kValidationError);
  // Problems of no file (the bundled rules not found, a limit on the
  // whole load) are not counted as a file.
  std::set<std::string> files;
  for (const Diagnostic& d : all)
    if (!d.file.empty()) files.insert(d.file);
  std::string message = std::to_string(all.size()) + (all.size() == 1 ? " problem" : " problems");
  if (!files.empty())
    message += " in " + std::to_string(files.size()) + (files.size() == 1 ? " file" : " files");
  message += "; nothing was loaded";
  return Status(code, message, std::move(all));
}

// What the rules are and what load order decided: the SHA-256 of every
// document's content (as parsed, so formatting does not count), sorted,
// then the id of every entry of each list the engine walks in load order.
// Loading the same files in another order keeps the digest exactly when it
// leaves every one of these orders as it was.
std::string RuleCompiler::digest_of_rules() const {
  std::vector<std::string> hashes;
  for (const JsonDocument& doc : docs_)
    hashes.push_back(sha256_hex(boost::json::serialize(doc.root())));
  std::sort(hashes.begin(), hashes.end());
  std::string all = "rdptriage.rules/1\n";
  for (const std::string& h : hashes) all += "file " + h + "\n";
  // Path order: ties within a stage go by load order, and the engine names
  // the first confirmed cause.
  for (const Cause& c : out_.causes) all += "cause " + c.info.id + "\n";
  // The planner's last tie-break between equally good probes, and the
  // first of equally cheap gates.
  for (const Probe& p : out_.probes) all += "probe " + p.info.id + "\n";
  for (const Gate& g : out_.gates) all += "gate " + g.info.id + "\n";
  for (const Session& x : out_.sessions) all += "session " + x.info.id + "\n";
  for (const Symptom& x : out_.symptoms) all += "symptom " + x.info.id + "\n";
  // The client-error intake reports matches in this order.
  for (const ClientCodeTableInfo& t : out_.client_table_infos) all += "codes " + t.id + "\n";
  for (const ClientMessageInfo& m : out_.client_message_infos) all += "message " + m.id + "\n";
  return "sha256:" + sha256_hex(all);
}

StatusOr<RuleSet> RuleCompiler::finish() {
  auto file_of = [&](const DeclRef& ref) {
    return docs_[static_cast<std::size_t>(ref.doc)].name();
  };
  if (causes_.size() > options_.max_rules)
    add_error(ErrorCode::kLimitExceeded,
              Diagnostic{file_of(causes_[options_.max_rules].ref), 0, 0, "", "",
                         std::to_string(causes_.size()) + " causes exceed max_rules (" +
                             std::to_string(options_.max_rules) + ")"});
  if (probes_.size() > options_.max_probes)
    add_error(ErrorCode::kLimitExceeded,
              Diagnostic{file_of(probes_[options_.max_probes].ref), 0, 0, "", "",
                         std::to_string(probes_.size()) + " probes exceed max_probes (" +
                             std::to_string(options_.max_probes) + ")"});
  if (overrides_.size() > options_.max_overrides)
    add_error(ErrorCode::kLimitExceeded,
              Diagnostic{file_of(overrides_[options_.max_overrides].ref), 0, 0, "", "",
                         std::to_string(overrides_.size()) + " overrides exceed max_overrides (" +
                             std::to_string(options_.max_overrides) + ")"});
  Status early = final_status();
  if (!early.ok() && worst_ == ErrorCode::kLimitExceeded) return early;
  resolve();
  resolve_intake();
  resolve_planning();
  check_graphs();
  Status s = final_status();
  if (!s.ok()) return s;
  order_and_emit();
  emit_planning();
  Status reader = build_reader();
  if (!reader.ok()) return reader;
  out_.digest = digest_of_rules();
  return CompiledRules::make_rule_set(std::move(out_));
}

}  // namespace rdptriage::internal
