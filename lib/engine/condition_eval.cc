#include "engine/condition_eval.h"

#include <algorithm>
#include <cctype>

namespace rdptriage::internal {
namespace {

// Guards against a fallback chain that loops; the loader rejects cycles, so
// this only bounds the walk.
constexpr int kMaxFallbackHops = 16;

bool iequals(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

const ProbeValue* operand_value(const Operand& operand, const ProbeAnswers& answers) {
  return operand.is_probe ? answers.effective(operand.probe) : &operand.literal;
}

std::optional<bool> compare_numbers(Condition::Op op, double a, double b) {
  switch (op) {
    case Condition::Op::kLt:
      return a < b;
    case Condition::Op::kLe:
      return a <= b;
    case Condition::Op::kGt:
      return a > b;
    case Condition::Op::kGe:
      return a >= b;
    default:
      return std::nullopt;
  }
}

Truth from_bool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

Truth evaluate_compare(const Condition& c, const ProbeAnswers& answers) {
  const ProbeValue* left = answers.effective(c.probe);
  if (left == nullptr) return Truth::kUnknown;
  using Op = Condition::Op;
  if (c.op == Op::kIn || c.op == Op::kNotIn) {
    bool unknown = false;
    for (const Operand& operand : c.operands) {
      const ProbeValue* right = operand_value(operand, answers);
      if (right == nullptr) {
        unknown = true;
        continue;
      }
      if (values_equal(*left, *right, false)) return from_bool(c.op == Op::kIn);
    }
    if (unknown) return Truth::kUnknown;
    return from_bool(c.op == Op::kNotIn);
  }
  if (c.operands.empty()) return Truth::kUnknown;
  const ProbeValue* right = operand_value(c.operands.front(), answers);
  if (right == nullptr) return Truth::kUnknown;
  switch (c.op) {
    case Op::kEq:
      return from_bool(values_equal(*left, *right, false));
    case Op::kNe:
      return from_bool(!values_equal(*left, *right, false));
    case Op::kIeq:
      return from_bool(values_equal(*left, *right, true));
    case Op::kIne:
      return from_bool(!values_equal(*left, *right, true));
    default:
      break;
  }
  const double* a = std::get_if<double>(left);
  const double* b = std::get_if<double>(right);
  if (a == nullptr || b == nullptr) return Truth::kUnknown;  // loader rejects this
  std::optional<bool> r = compare_numbers(c.op, *a, *b);
  return r ? from_bool(*r) : Truth::kUnknown;
}

}  // namespace

bool values_equal(const ProbeValue& a, const ProbeValue& b, bool ignore_case) {
  if (a.index() != b.index()) return false;
  if (const auto* sa = std::get_if<std::string>(&a)) {
    const auto& sb = std::get<std::string>(b);
    return ignore_case ? iequals(*sa, sb) : *sa == sb;
  }
  return a == b;
}

const ProbeValue* ProbeAnswers::effective(int probe) const {
  for (int hops = 0; probe >= 0 && hops < kMaxFallbackHops; ++hops) {
    switch (states_[probe]) {
      case State::kAnswered:
        return &values_[probe];
      case State::kNotAsked:
        return nullptr;
      case State::kNoAnswer:
      case State::kDisabled:
        probe = rules_->probes[probe].fallback;
        break;
    }
  }
  return nullptr;
}

int ProbeAnswers::askable(int probe, bool ignore_no_answer) const {
  for (int hops = 0; probe >= 0 && hops < kMaxFallbackHops; ++hops) {
    switch (states_[probe]) {
      case State::kAnswered:
        return -1;
      case State::kNotAsked:
        return probe;
      case State::kNoAnswer:
        if (ignore_no_answer) return probe;
        probe = rules_->probes[probe].fallback;
        break;
      case State::kDisabled:
        probe = rules_->probes[probe].fallback;
        break;
    }
  }
  return -1;
}

Truth evaluate(const Condition& c, const ProbeAnswers& answers) {
  switch (c.kind) {
    case Condition::Kind::kCompare:
      return evaluate_compare(c, answers);
    case Condition::Kind::kNot: {
      if (c.children.empty()) return Truth::kUnknown;
      Truth t = evaluate(c.children.front(), answers);
      if (t == Truth::kUnknown) return t;
      return t == Truth::kTrue ? Truth::kFalse : Truth::kTrue;
    }
    case Condition::Kind::kAll:
    case Condition::Kind::kAny: {
      const bool all = c.kind == Condition::Kind::kAll;
      const Truth decisive = all ? Truth::kFalse : Truth::kTrue;
      bool unknown = false;
      for (const Condition& child : c.children) {
        Truth t = evaluate(child, answers);
        if (t == decisive) return decisive;
        if (t == Truth::kUnknown) unknown = true;
      }
      if (unknown) return Truth::kUnknown;
      return all ? Truth::kTrue : Truth::kFalse;
    }
  }
  return Truth::kUnknown;
}

void needed_probes(const Condition& c, const ProbeAnswers& answers, bool ignore_no_answer,
                   std::set<int>* out) {
  if (evaluate(c, answers) != Truth::kUnknown) return;
  if (c.kind == Condition::Kind::kCompare) {
    auto add = [&](int probe) {
      if (answers.effective(probe) != nullptr) return;
      int next = answers.askable(probe, ignore_no_answer);
      if (next >= 0) out->insert(next);
    };
    add(c.probe);
    for (const Operand& operand : c.operands)
      if (operand.is_probe) add(operand.probe);
    return;
  }
  for (const Condition& child : c.children) {
    if (evaluate(child, answers) != Truth::kUnknown) continue;
    needed_probes(child, answers, ignore_no_answer, out);
  }
}

CauseStatus cause_status(const Cause& cause, const ProbeAnswers& answers) {
  Truth confirm = evaluate(cause.confirm, answers);
  if (confirm == Truth::kTrue) return CauseStatus::kConfirmed;
  if (confirm == Truth::kFalse) return CauseStatus::kRuledOut;
  if (cause.rule_out && evaluate(*cause.rule_out, answers) == Truth::kTrue)
    return CauseStatus::kRuledOut;
  return CauseStatus::kUnknown;
}

void cause_needed_probes(const Cause& cause, const ProbeAnswers& answers, bool ignore_no_answer,
                         std::set<int>* out) {
  if (cause_status(cause, answers) != CauseStatus::kUnknown) return;
  needed_probes(cause.confirm, answers, ignore_no_answer, out);
  if (cause.rule_out) needed_probes(*cause.rule_out, answers, ignore_no_answer, out);
}

}  // namespace rdptriage::internal
