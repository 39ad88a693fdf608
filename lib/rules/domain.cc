#include <algorithm>
#include <cctype>
#include <cmath>

#include "rules/model.h"

namespace rdptriage::internal {
namespace {

bool looks_like_ipv4(const std::string& s) {
  int parts = 0, digits = 0, value = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0) return false;
      ++parts;
      digits = value = 0;
      continue;
    }
    if (c < '0' || c > '9' || ++digits > 3) return false;
    value = value * 10 + (c - '0');
    if (value > 255) return false;
  }
  return digits > 0 && parts == 3;
}

bool looks_like_ipv6(const std::string& s) {
  if (s.find(':') == std::string::npos || s.size() > 45) return false;
  for (char c : s)
    if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
  return true;
}

std::string number_text(double d) {
  std::string s = to_string(ProbeValue(d));
  return s;
}

}  // namespace

bool ResultDomain::accepts(const ProbeValue& v) const {
  switch (type) {
    case Type::kBool:
      return std::holds_alternative<bool>(v);
    case Type::kNumber: {
      const double* d = std::get_if<double>(&v);
      if (d == nullptr || !std::isfinite(*d)) return false;
      if (min && *d < *min) return false;
      if (max && *d > *max) return false;
      return !integer || std::floor(*d) == *d;
    }
    case Type::kEnum: {
      const std::string* s = std::get_if<std::string>(&v);
      return s != nullptr && std::find(values.begin(), values.end(), *s) != values.end();
    }
    case Type::kString: {
      const std::string* s = std::get_if<std::string>(&v);
      if (s == nullptr) return false;
      if (format == "ipv4") return looks_like_ipv4(*s);
      if (format == "ip") return looks_like_ipv4(*s) || looks_like_ipv6(*s);
      return true;
    }
  }
  return false;
}

std::string ResultDomain::describe() const {
  switch (type) {
    case Type::kBool:
      return "bool";
    case Type::kNumber: {
      std::string out = integer ? "integer" : "number";
      if (min || max)
        out += "[" + (min ? number_text(*min) : std::string()) + ".." +
               (max ? number_text(*max) : std::string()) + "]";
      return out;
    }
    case Type::kEnum: {
      std::string out = "enum(";
      for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "|" : "") + values[i];
      return out + ")";
    }
    case Type::kString:
      return format.empty() || format == "text" ? "string" : "string(" + format + ")";
  }
  return "?";
}

}  // namespace rdptriage::internal
