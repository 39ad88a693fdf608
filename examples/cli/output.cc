#include "output.h"

#include <fmt/core.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>

#include "rdptriage/terminal_text.h"

namespace rdptriage::cli {
namespace {

// JSON escapes C0 controls but lets DEL, C1 controls (U+0080..U+009F) and
// bidirectional overrides through raw; a report on a terminal must not
// carry them either, so they are written as \uXXXX (the same JSON value;
// a byte that is not UTF-8, which no report should hold, becomes U+00NN).
std::string json_string(const boost::json::value& v) {
  const std::string raw = boost::json::serialize(v);
  if (is_terminal_text(raw)) return raw;
  std::string out;
  out.reserve(raw.size() + 16);
  const std::string escaped = terminal_text(raw);  // \xNN and \uXXXX forms
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    // serialize() writes a backslash of the input as a pair and never "\x",
    // so a lone "\xNN" is terminal_text's (DEL, or a byte that is not
    // UTF-8): JSON has no \x, so it becomes \u00NN.
    if (escaped.compare(i, 2, "\\\\") == 0) {
      out += "\\\\";
      ++i;
    } else if (escaped.compare(i, 2, "\\x") == 0 && i + 3 < escaped.size()) {
      out += "\\u00";
      out += escaped.substr(i + 2, 2);
      i += 3;
    } else {
      out += escaped[i];
    }
  }
  return out;
}

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
      out += inner + json_string(boost::json::value(m.key())) + ": ";
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
  } else if (v.is_string()) {
    out += json_string(v);
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
