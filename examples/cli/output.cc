#include "output.h"

#include <fmt/core.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>

namespace rdptriage::cli {
namespace {

void pretty(const boost::json::value& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    std::size_t i = 0;
    for (const auto& m : o) {
      out += inner + boost::json::serialize(boost::json::value(m.key())) + ": ";
      pretty(m.value(), indent + 1, out);
      out += ++i < o.size() ? ",\n" : "\n";
    }
    out += pad + "}";
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      out += inner;
      pretty(a[i], indent + 1, out);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else {
    out += boost::json::serialize(v);
  }
}

}  // namespace

bool use_colour(std::FILE* stream) {
  const char* no = std::getenv("NO_COLOR");
  return isatty(fileno(stream)) != 0 && (no == nullptr || *no == '\0');
}

int print_report(const Report& report, bool json) {
  if (json) {
    boost::system::error_code ec;
    fmt::print("{}", pretty_json(boost::json::parse(report_to_json(report), ec)));
  } else {
    fmt::print("{}", to_text(report, {.colour = use_colour(stdout)}));
  }
  return report.status == Verdict::kInconclusive ? 3 : 0;
}

std::string pretty_json(const boost::json::value& value) {
  std::string out;
  pretty(value, 0, out);
  return out + "\n";
}

}  // namespace rdptriage::cli
