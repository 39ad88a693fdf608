// Internal: the compiled rule graph shared by the loader and the engine.
// Built once by the loader, immutable afterwards.
#ifndef RDPTRIAGE_LIB_RULES_MODEL_H_
#define RDPTRIAGE_LIB_RULES_MODEL_H_

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/probe.h"
#include "rdptriage/rules.h"

namespace rdptriage::internal {

class ClientErrorReader;

// The set of values a probe may answer.
struct ResultDomain {
  enum class Type { kBool, kNumber, kEnum, kString };
  Type type = Type::kBool;
  std::vector<std::string> values;  // kEnum: allowed values
  std::optional<double> min;        // kNumber: inclusive bounds
  std::optional<double> max;
  bool integer = false;  // kNumber: whole numbers only
  std::string format;    // kString: "", "ipv4", "ip", "text"

  bool accepts(const ProbeValue& v) const;
  // "bool", "enum(running|stopped)", "number[0..100]", "string(ipv4)".
  std::string describe() const;
};

// One side of a comparison: a literal or another probe's answer.
struct Operand {
  bool is_probe = false;
  int probe = -1;  // index into CompiledRules::probes when is_probe
  ProbeValue literal;
};

struct Condition {
  enum class Kind { kAll, kAny, kNot, kCompare };
  enum class Op { kEq, kNe, kIeq, kIne, kLt, kLe, kGt, kGe, kIn, kNotIn };
  Kind kind = Kind::kCompare;
  std::vector<Condition> children;  // kAll, kAny (1+), kNot (exactly 1)
  int probe = -1;                   // kCompare: left-hand probe index
  Op op = Op::kEq;
  std::vector<Operand> operands;  // 1 for most ops; 1+ for kIn/kNotIn
};

struct Probe {
  ProbeInfo info;
  ResultDomain domain;
  int fallback = -1;  // index of the fallback probe, -1 for none
  int session = -1;   // index into CompiledRules::sessions, -1 for none
};

struct Session {
  SessionInfo info;
  std::vector<int> probes;  // member indices
};

struct Cause {
  CauseInfo info;
  Condition confirm;                  // true: confirmed; false: ruled out
  std::optional<Condition> rule_out;  // optional: true rules it out early
  std::vector<int> after;             // causes earlier on the path (indices)
  std::vector<int> probes;            // every probe referenced (indices, sorted)
  // Per fix step (parallel to info.fix): the condition under which it
  // applies, when it has one.
  std::vector<std::optional<Condition>> step_when;
};

struct Gate {
  GateInfo info;
  Condition when;
  std::vector<int> probes;         // every probe `when` reads (sorted)
  std::vector<bool> clears_stage;  // indexed by Stage
  std::vector<int> except;         // cause indices (path order), sorted
  // Whether the gate rules out `cause`, at `cause_index` in path order.
  bool covers(const Cause& cause, int cause_index) const {
    return clears_stage[static_cast<std::size_t>(cause.info.stage)] &&
           !std::binary_search(except.begin(), except.end(), cause_index);
  }
};

struct Symptom {
  SymptomInfo info;
  std::vector<int> causes;  // causes explaining it, in path order
};

struct CompiledRules {
  std::vector<Probe> probes;
  std::vector<Cause> causes;  // in path order
  std::vector<Symptom> symptoms;
  std::vector<Session> sessions;
  std::vector<Gate> gates;
  std::map<std::string, int, std::less<>> probe_index;
  std::map<std::string, int, std::less<>> cause_index;
  std::map<std::string, int, std::less<>> symptom_index;
  // Public views, kept in step with the vectors above.
  std::vector<CauseInfo> cause_infos;
  std::vector<ProbeInfo> probe_infos;
  std::vector<SymptomInfo> symptom_infos;
  std::vector<SessionInfo> session_infos;
  std::vector<GateInfo> gate_infos;
  std::vector<ClientCodeTableInfo> client_table_infos;
  std::vector<ClientMessageInfo> client_message_infos;
  // "sha256:<hex>" over the loaded rule documents' content and the orders
  // load order decided (see RuleSet::digest).
  std::string digest;
  std::vector<PackInfo> packs;  // signed packs loaded, in load order
  // What the files' "overrides" changed, and the references they dropped.
  std::vector<RuleChange> changes;
  // Causes an override disabled (gone from `causes`): the symptoms they
  // declared, so a report can name the disable where it mattered.
  std::map<std::string, std::vector<std::string>, std::less<>> disabled_cause_symptoms;
  std::vector<Diagnostic> notes;
  // Reads pasted client errors; compiled once at load.
  std::shared_ptr<const ClientErrorReader> reader;

  // Wraps a finished CompiledRules into the public RuleSet.
  static RuleSet make_rule_set(CompiledRules rules);
};

// Whether symptom `narrower` sits within `broader` (through `within`,
// transitively; a symptom is not within itself).
bool symptom_within(const CompiledRules& rules, std::string_view narrower,
                    std::string_view broader);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_MODEL_H_
