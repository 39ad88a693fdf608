// Internal: turns parsed rule documents into CompiledRules, collecting every
// problem as a Diagnostic. Phases: declarations per document (schema,
// types, ids), then cross-document resolution (duplicates, references,
// conditions, domains), then graph checks and path ordering.
#ifndef RDPTRIAGE_LIB_RULES_COMPILER_H_
#define RDPTRIAGE_LIB_RULES_COMPILER_H_

#include <boost/json/value.hpp>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "intake/intake_model.h"
#include "json/json_document.h"
#include "rdptriage/rules.h"
#include "rules/model.h"

namespace rdptriage::internal {

// Where a declaration came from, for diagnostics.
struct DeclRef {
  int doc = -1;
  std::string pointer;
};

struct ProbeDecl {
  Probe probe;
  DeclRef ref;
  std::string fallback_id;
};

// A placeholder in a fix step, checked once every probe is declared.
struct PendingPlaceholder {
  int doc = -1;
  std::string pointer;
  std::string subject;
  std::string alternative;
};

struct SymptomDecl {
  Symptom symptom;
  DeclRef ref;
};

struct CauseDecl {
  CauseInfo info;
  DeclRef ref;
  const boost::json::value* confirm = nullptr;
  const boost::json::value* rule_out = nullptr;
  std::vector<std::string> after_ids;
  // Where each of after_ids was written: the rule's own "after", or an
  // override's "before"/"after" (then `from_override`).
  std::vector<DeclRef> after_refs;
  std::vector<bool> after_from_override;
  Condition confirm_compiled;
  std::optional<Condition> rule_out_compiled;
  std::vector<int> after;               // indices into causes (load order)
  std::vector<std::size_t> after_slot;  // per `after`: its index in after_ids
  std::vector<int> probes;
  // Per fix step: its "when" condition (JSON) and, once resolved, compiled.
  std::vector<const boost::json::value*> step_when;
  std::vector<std::optional<Condition>> step_when_compiled;
  std::vector<std::string> step_pointers;
  int fix_doc = -1;  // the document the fix steps come from; -1: ref.doc
};

// One entry of a file's "overrides" (overlay_decls.cc).
struct OverrideDecl {
  enum class Kind { kDisableCause, kDisableProbe, kPatch };
  Kind kind = Kind::kPatch;
  DeclRef ref;  // the override object
  std::string target;
  std::string reason;
  // kPatch: the fields it sets (title, explanation, likelihood, warnings)
  // by name, and the fix read like a cause's own (in `steps`).
  std::map<std::string, std::string> text_fields;
  std::optional<std::vector<std::string>> warnings;
  bool has_fix = false;
  CauseDecl steps;
  std::vector<std::string> before, after;  // cause ids it places this one before/after
};

// What a client code or message tells, before ids are resolved.
struct OutcomeDecl {
  std::string pointer;  // the object holding symptom, cause and observe
  std::string symptom;
  std::string cause;
  const boost::json::object* observe = nullptr;
};

// A channel session: members by id or by a "namespace.*" prefix.
struct SessionDecl {
  SessionInfo info;
  DeclRef ref;
  std::vector<std::string> members;  // as written
};

struct GateDecl {
  GateInfo info;
  DeclRef ref;
  const boost::json::value* when = nullptr;
  Condition when_compiled;
  std::vector<int> probes;
  bool valid = false;  // `when` compiled
};

struct CodeTableDecl {
  CodeTable table;
  DeclRef ref;
  std::vector<OutcomeDecl> outcomes;  // parallel to table.info.codes
  std::vector<std::string> code_pointers;
};

struct MessageDecl {
  MessageEntry entry;
  DeclRef ref;
  OutcomeDecl outcome;
};

class RuleCompiler {
 public:
  explicit RuleCompiler(const LoadOptions& options) : options_(options) {}

  // Takes ownership of a parsed document and reads its declarations.
  void add_document(JsonDocument doc);
  // Records a problem that belongs to no document position (I/O, limits).
  void add_error(ErrorCode code, Diagnostic diagnostic);
  // Records a signed pack whose files are added (RuleSet::packs()).
  void add_pack(PackInfo info) { out_.packs.push_back(std::move(info)); }

  // Resolves references and runs every check. Returns the rule set, or a
  // Status listing every problem found in any phase.
  StatusOr<RuleSet> finish();

  DiagnosticSink& sink(int doc) { return sinks_[static_cast<std::size_t>(doc)]; }
  const CompiledRules& partial() const { return out_; }

 private:
  void read_probe(int doc, const boost::json::value& v, const std::string& pointer);
  void read_symptom(int doc, const boost::json::value& v, const std::string& pointer);
  void read_cause(int doc, const boost::json::value& v, const std::string& pointer);
  // Channel sessions and layer gates: planning_decls.cc.
  void read_session(int doc, const boost::json::value& v, const std::string& pointer);
  void read_gate(int doc, const boost::json::value& v, const std::string& pointer);
  void resolve_planning();  // after resolve(): probes and causes are indexed
  void emit_planning();     // after order_and_emit(): causes are in path order
  // Client-error intake: intake_decls.cc.
  void read_code_table(int doc, const boost::json::value& v, const std::string& pointer);
  void read_client_message(int doc, const boost::json::value& v, const std::string& pointer);
  void read_outcome(int doc, const boost::json::object& obj, const std::string& pointer,
                    const std::string& subject, OutcomeDecl* out);
  bool check_phrase(int doc, const std::string& pointer, const std::string& subject,
                    const std::string& phrase);
  // Adds one compiled pattern's size to the total; false (with one
  // kLimitExceeded diagnostic at `pointer`) once max_client_program_size is
  // exceeded, after which nothing more is compiled.
  bool charge_program(int doc, const std::string& pointer, const std::string& subject,
                      int program_size);
  void resolve_intake();           // after resolve(): symptoms, causes and probes are indexed
  void check_symptom_hierarchy();  // symptoms' "within"
  void resolve_outcome(int doc, const std::string& subject, const OutcomeDecl& decl,
                       IntakeOutcome* out);
  Status build_reader();  // after order_and_emit(): needs the path order
  void check_placeholders(int doc, const std::string& pointer, const std::string& subject,
                          const std::string& text);
  // Fix-step and probe-field checks that need every probe declared:
  // placeholders naming probes and fields, computed values.
  void check_step_placeholders();
  // Overrides: overlay_decls.cc.
  void read_override(int doc, const boost::json::value& v, const std::string& pointer);
  // After causes are deduplicated, before their references are resolved.
  void apply_overrides();
  // A change made by `o`, located at `pointer` (a member of `o`).
  RuleChange change_at(const OverrideDecl& o, const std::string& kind, const std::string& pointer,
                       const std::string& field, const std::string& value);
  std::string location(const DeclRef& ref, const std::string& member = "") const;
  void add_note(const DeclRef& ref, const std::string& subject, const std::string& message);
  void read_fix_step(int doc, const boost::json::value& v, const std::string& pointer,
                     CauseDecl* d);
  void read_sources(DiagnosticSink& s, const boost::json::value* v, const std::string& pointer,
                    const std::string& subject, bool required, std::vector<SourceRef>* out);
  void read_probe_fields(DiagnosticSink& s, const boost::json::value& v, const std::string& pointer,
                         ProbeDecl* d);
  template <typename Decl, typename IdOf>
  std::map<std::string, int, std::less<>> dedupe(std::vector<Decl>& decls, const char* kind,
                                                 IdOf id_of, const char* hint = "");
  void resolve();  // ids, references, conditions
  void check_graphs();
  void order_and_emit();
  Status final_status();
  std::string digest_of_rules() const;  // for CompiledRules::digest, once emitted

  const LoadOptions& options_;
  std::deque<JsonDocument> docs_;  // stable addresses for the sinks
  std::deque<DiagnosticSink> sinks_;
  std::vector<Diagnostic> loose_;  // problems with no document position
  ErrorCode worst_ = ErrorCode::kOk;
  std::vector<ProbeDecl> probes_;
  std::vector<SymptomDecl> symptoms_;
  std::vector<CauseDecl> causes_;
  std::vector<SessionDecl> sessions_;
  std::vector<GateDecl> gates_;
  std::vector<CodeTableDecl> code_tables_;
  std::vector<MessageDecl> messages_;
  std::vector<OverrideDecl> overrides_;
  std::vector<PendingPlaceholder> pending_placeholders_;
  std::size_t client_patterns_ = 0;      // patterns, phrases and code names, for the limit
  std::size_t client_program_size_ = 0;  // their RE2 program size, for the total budget
  bool program_budget_spent_ = false;
  IntakeRules intake_;  // resolved; handed to the reader
  // Every broader symptom of each symptom ("within", transitively).
  std::map<std::string, std::set<std::string>> broader_;
  CompiledRules out_;  // probes and symptoms indexed for condition compiling

  friend class ConditionCompiler;
  friend class GraphChecker;
};

// Keeps the first declaration of each id, reporting later ones against it;
// returns id -> index of the kept declarations.
template <typename Decl, typename IdOf>
inline std::map<std::string, int, std::less<>> RuleCompiler::dedupe(std::vector<Decl>& decls,
                                                                    const char* kind, IdOf id_of,
                                                                    const char* hint) {
  std::map<std::string, int, std::less<>> index;
  std::vector<Decl> kept;
  for (Decl& d : decls) {
    auto [it, fresh] = index.emplace(id_of(d), static_cast<int>(kept.size()));
    if (fresh) {
      kept.push_back(std::move(d));
      continue;
    }
    const DeclRef& first = kept[static_cast<std::size_t>(it->second)].ref;
    const JsonDocument& other = docs_[static_cast<std::size_t>(first.doc)];
    SourcePos p = other.position(first.pointer);
    sink(d.ref.doc).add(pointer_join(d.ref.pointer, "id"), id_of(d),
                        std::string("duplicate ") + kind + " id (first declared at " +
                            other.name() + ":" + std::to_string(p.line) + ":" +
                            std::to_string(p.column) + ")" + hint);
  }
  decls = std::move(kept);
  return index;
}

// Compiles one condition tree. Defined in conditions.cc.
class ConditionCompiler {
 public:
  ConditionCompiler(const CompiledRules& rules, DiagnosticSink& sink, std::string subject)
      : rules_(rules), sink_(sink), subject_(std::move(subject)) {}
  // Returns false (with diagnostics recorded) when the condition is invalid.
  bool compile(const boost::json::value& v, const std::string& pointer, int depth, Condition* out,
               std::vector<int>* probes);

 private:
  bool compile_compare(const boost::json::object& obj, const std::string& pointer, Condition* out,
                       std::vector<int>* probes);
  bool operand(const boost::json::value& v, const std::string& pointer, const Probe& left,
               Condition::Op op, Operand* out, std::vector<int>* probes);

  const CompiledRules& rules_;
  DiagnosticSink& sink_;
  std::string subject_;
};

// Maximum nesting of all/any/not in one condition.
inline constexpr int kMaxConditionDepth = 16;

// Placeholders allowed in commands, how-texts and prose.
bool is_known_placeholder(std::string_view name);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_COMPILER_H_
