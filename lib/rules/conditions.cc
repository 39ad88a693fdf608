// Compiles rule conditions, checking every literal against the probe's
// result domain and rejecting comparisons that can never be true.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "rules/compiler.h"

namespace rdptriage::internal {
namespace {

struct OpName {
  std::string_view name;
  Condition::Op op;
};
constexpr OpName kOps[] = {{"eq", Condition::Op::kEq},   {"ne", Condition::Op::kNe},
                           {"ieq", Condition::Op::kIeq}, {"ine", Condition::Op::kIne},
                           {"lt", Condition::Op::kLt},   {"le", Condition::Op::kLe},
                           {"gt", Condition::Op::kGt},   {"ge", Condition::Op::kGe},
                           {"in", Condition::Op::kIn},   {"not_in", Condition::Op::kNotIn}};

bool is_ordering(Condition::Op op) {
  return op == Condition::Op::kLt || op == Condition::Op::kLe || op == Condition::Op::kGt ||
         op == Condition::Op::kGe;
}
bool is_case_insensitive(Condition::Op op) {
  return op == Condition::Op::kIeq || op == Condition::Op::kIne;
}
bool is_stringy(const ResultDomain& d) {
  return d.type == ResultDomain::Type::kEnum || d.type == ResultDomain::Type::kString;
}
// Domains whose values can be compared with each other.
bool comparable(const ResultDomain& a, const ResultDomain& b) {
  if (is_stringy(a) && is_stringy(b)) return true;
  return a.type == b.type;
}

// True when `op value` can hold for some value in the domain.
bool satisfiable(const ResultDomain& d, Condition::Op op, double v) {
  using Op = Condition::Op;
  switch (op) {
    case Op::kLt:
      return !d.min || *d.min < v;
    case Op::kLe:
      return !d.min || *d.min <= v;
    case Op::kGt:
      return !d.max || *d.max > v;
    case Op::kGe:
      return !d.max || *d.max >= v;
    default:
      return true;
  }
}

}  // namespace

bool ConditionCompiler::compile(const boost::json::value& v, const std::string& pointer, int depth,
                                Condition* out, std::vector<int>* probes) {
  if (depth > kMaxConditionDepth) {
    sink_.add(pointer, subject_,
              "condition nested deeper than " + std::to_string(kMaxConditionDepth) + " levels");
    return false;
  }
  if (!v.is_object()) {
    sink_.add(pointer, subject_,
              "a condition must be an object, got " + std::string(json_kind_name(v)));
    return false;
  }
  const auto& obj = v.get_object();
  for (std::string_view group : {"all", "any"}) {
    if (!obj.contains(group)) continue;
    out->kind = group == "all" ? Condition::Kind::kAll : Condition::Kind::kAny;
    sink_.check_fields(obj, pointer, subject_, {group});
    std::string ptr = pointer_join(pointer, group);
    const boost::json::value& list = obj.at(group);
    if (!list.is_array() || list.get_array().empty()) {
      sink_.add(ptr, subject_,
                "\"" + std::string(group) + "\" takes a non-empty array of conditions");
      return false;
    }
    bool ok = true;
    const auto& arr = list.get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Condition child;
      ok = compile(arr[i], pointer_join(ptr, i), depth + 1, &child, probes) && ok;
      out->children.push_back(std::move(child));
    }
    return ok;
  }
  if (obj.contains("not")) {
    out->kind = Condition::Kind::kNot;
    sink_.check_fields(obj, pointer, subject_, {"not"});
    const boost::json::value& child = obj.at("not");
    if (!child.is_object()) {
      sink_.add(pointer_join(pointer, "not"), subject_,
                "\"not\" takes exactly one condition object");
      return false;
    }
    Condition c;
    bool ok = compile(child, pointer_join(pointer, "not"), depth + 1, &c, probes);
    out->children.push_back(std::move(c));
    return ok;
  }
  return compile_compare(obj, pointer, out, probes);
}

bool ConditionCompiler::compile_compare(const boost::json::object& obj, const std::string& pointer,
                                        Condition* out, std::vector<int>* probes) {
  out->kind = Condition::Kind::kCompare;
  const boost::json::value* probe = obj.if_contains("probe");
  if (probe == nullptr) {
    sink_.add(pointer, subject_,
              "a condition needs \"all\", \"any\", \"not\", or \"probe\" with one operator");
    return false;
  }
  if (!probe->is_string()) {
    sink_.add(pointer_join(pointer, "probe"), subject_, "\"probe\" must be a probe id string");
    return false;
  }
  std::string id(probe->get_string());
  auto it = rules_.probe_index.find(id);
  if (it == rules_.probe_index.end()) {
    sink_.add(pointer_join(pointer, "probe"), subject_, "unknown probe \"" + id + "\"");
    return false;
  }
  out->probe = it->second;
  probes->push_back(it->second);
  const Probe& left = rules_.probes[static_cast<std::size_t>(it->second)];

  const OpName* found = nullptr;
  bool ok = true;
  for (const auto& member : obj) {
    if (member.key() == "probe") continue;
    const OpName* op = nullptr;
    for (const OpName& o : kOps)
      if (o.name == member.key()) op = &o;
    if (op == nullptr) {
      sink_.add(pointer_join(pointer, member.key()), subject_,
                "unknown field \"" + std::string(member.key()) +
                    "\" (operators: eq, ne, ieq, ine, lt, le, gt, ge, in, not_in)");
      ok = false;
    } else if (found != nullptr) {
      sink_.add(pointer_join(pointer, member.key()), subject_,
                "one operator per comparison; combine with \"all\"");
      ok = false;
    } else {
      found = op;
    }
  }
  if (!ok) return false;
  if (found == nullptr) {
    sink_.add(pointer, subject_, "comparison on \"" + id + "\" has no operator");
    return false;
  }
  out->op = found->op;
  std::string op_ptr = pointer_join(pointer, found->name);
  const boost::json::value& rhs = obj.at(found->name);
  if (is_ordering(out->op) && left.domain.type != ResultDomain::Type::kNumber) {
    sink_.add(op_ptr, subject_,
              std::string(found->name) + " needs a number probe; \"" + id + "\" answers " +
                  left.domain.describe());
    return false;
  }
  if (is_case_insensitive(out->op) && !is_stringy(left.domain)) {
    sink_.add(op_ptr, subject_,
              std::string(found->name) + " compares strings; \"" + id + "\" answers " +
                  left.domain.describe());
    return false;
  }
  if (out->op == Condition::Op::kIn || out->op == Condition::Op::kNotIn) {
    if (!rhs.is_array() || rhs.get_array().empty()) {
      sink_.add(op_ptr, subject_, std::string(found->name) + " takes a non-empty array");
      return false;
    }
    const auto& arr = rhs.get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      Operand o;
      ok = operand(arr[i], pointer_join(op_ptr, i), left, out->op, &o, probes) && ok;
      out->operands.push_back(std::move(o));
    }
    return ok;
  }
  Operand o;
  ok = operand(rhs, op_ptr, left, out->op, &o, probes);
  out->operands.push_back(std::move(o));
  return ok;
}

bool ConditionCompiler::operand(const boost::json::value& v, const std::string& pointer,
                                const Probe& left, Condition::Op op, Operand* out,
                                std::vector<int>* probes) {
  if (v.is_object()) {
    const auto& obj = v.get_object();
    if (obj.size() != 1 || !obj.contains("probe") || !obj.at("probe").is_string()) {
      sink_.add(pointer, subject_, "an operand is a literal or {\"probe\": id}");
      return false;
    }
    std::string id(obj.at("probe").get_string());
    auto it = rules_.probe_index.find(id);
    if (it == rules_.probe_index.end()) {
      sink_.add(pointer_join(pointer, "probe"), subject_, "unknown probe \"" + id + "\"");
      return false;
    }
    const Probe& right = rules_.probes[static_cast<std::size_t>(it->second)];
    if (!comparable(left.domain, right.domain)) {
      sink_.add(pointer, subject_,
                "cannot compare \"" + left.info.id + "\" (" + left.domain.describe() + ") with \"" +
                    id + "\" (" + right.domain.describe() + ")");
      return false;
    }
    out->is_probe = true;
    out->probe = it->second;
    probes->push_back(it->second);
    return true;
  }
  const ResultDomain& d = left.domain;
  if (v.is_bool()) {
    out->literal = v.get_bool();
  } else if (v.is_number()) {
    out->literal = v.to_number<double>();
  } else if (v.is_string()) {
    out->literal = std::string(v.get_string());
  } else {
    sink_.add(pointer, subject_,
              "expected a literal of " + d.describe() + ", got " + std::string(json_kind_name(v)));
    return false;
  }
  if (is_ordering(op)) {
    const double* n = std::get_if<double>(&out->literal);
    if (n == nullptr) {
      sink_.add(pointer, subject_, "expected a number");
      return false;
    }
    if (!satisfiable(d, op, *n)) {
      sink_.add(pointer, subject_,
                "comparison can never be true: \"" + left.info.id + "\" answers " + d.describe());
      return false;
    }
    return true;
  }
  if (is_case_insensitive(op) && d.type == ResultDomain::Type::kString) {
    if (!std::holds_alternative<std::string>(out->literal)) {
      sink_.add(pointer, subject_, "expected a string");
      return false;
    }
    return true;
  }
  bool accepted = d.accepts(out->literal);
  if (!accepted && is_case_insensitive(op) && d.type == ResultDomain::Type::kEnum) {
    const std::string* s = std::get_if<std::string>(&out->literal);
    for (const auto& value : d.values) {
      if (s && value.size() == s->size() &&
          std::equal(value.begin(), value.end(), s->begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) ==
                   std::tolower(static_cast<unsigned char>(b));
          }))
        accepted = true;
    }
  }
  if (!accepted) {
    sink_.add(pointer, subject_,
              "value " + to_string(out->literal) + " is outside the domain of \"" + left.info.id +
                  "\": " + d.describe());
    return false;
  }
  return true;
}

}  // namespace rdptriage::internal
