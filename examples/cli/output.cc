#include "output.h"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>

namespace rdptriage::cli {
namespace {

struct Style {
  bool on;
  std::string wrap(const char* code, const std::string& s) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, s) : s;
  }
  std::string bold(const std::string& s) const { return wrap("1", s); }
  std::string red(const std::string& s) const { return wrap("31", s); }
  std::string green(const std::string& s) const { return wrap("32", s); }
  std::string yellow(const std::string& s) const { return wrap("33", s); }
  std::string dim(const std::string& s) const { return wrap("2", s); }
};

std::string result_text(const Evidence& e) {
  switch (e.result.kind) {
    case ProbeResult::Kind::kValue: {
      std::string v = to_string(e.result.value);
      return e.result.reason.empty() ? v : v + " (" + e.result.reason + ")";
    }
    case ProbeResult::Kind::kUnavailable:
      return "unavailable: " + e.result.reason;
    case ProbeResult::Kind::kFailed:
      return "failed: " + e.result.reason;
  }
  return "?";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
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

std::string client_error_block(const ClientErrorReading& c, const Style& st) {
  std::string out = fmt::format("\nClient error ({} bytes read)\n", c.bytes);
  if (!c.recognized()) {
    out += "  nothing recognised: every cause stays a candidate\n";
  }
  for (const ClientErrorMatch& m : c.matches) {
    std::string what = m.code.empty() ? "\"" + m.excerpt + "\"" : m.code;
    if (!m.name.empty()) what += " " + m.name;
    std::string outcome = m.symptom.empty() ? "says nothing about the failure" : "-> " + m.symptom;
    if (!m.cause.empty()) outcome += ", points at " + m.cause;
    std::string where = m.source;
    if (m.line > 1) where += fmt::format(", line {}", m.line);
    if (m.occurrences > 1) where += fmt::format(", {} times", m.occurrences);
    out += fmt::format("  {} {} [{}]: {} {}\n", m.decisive ? st.bold("*") : " ", st.bold(what),
                       where, m.meaning, st.dim(outcome));
  }
  for (const auto& [probe, value] : c.observations)
    out += fmt::format("  shows {} = {}\n", probe, to_string(value));
  for (const std::string& note : c.notes) out += st.dim("  note: " + note) + "\n";
  return out;
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
    fmt::print("{}", render_human(report, use_colour(stdout)));
  }
  return report.status == Verdict::kInconclusive ? 3 : 0;
}

std::string pretty_json(const boost::json::value& value) {
  std::string out;
  pretty(value, 0, out);
  return out + "\n";
}

std::string render_human(const Report& r, bool colour) {
  const Style st{colour};
  std::string out;
  const std::string layer = r.layer ? std::string(layer_name(*r.layer)) : "unknown";
  switch (r.status) {
    case Verdict::kConfirmed:
      out += st.bold(st.red("CONFIRMED")) + "  layer: " + st.bold(layer) + "\n";
      out += "  cause:  " + st.bold(r.cause) + "\n  " + r.title + "\n";
      break;
    case Verdict::kHealthy:
      out += st.bold(st.green("HEALTHY")) + "  " + r.title + "\n";
      break;
    case Verdict::kInconclusive:
      out += st.bold(st.yellow("INCONCLUSIVE")) + "  layer: " + layer + "\n  " + r.title + "\n";
      break;
  }
  out += fmt::format("  symptom: {} ({})\n", r.symptom, r.symptom_source);
  if (!r.leading_cause.empty() && r.leading_cause != r.cause)
    out += fmt::format("  leading cause from the client error: {}\n", r.leading_cause);
  if (r.client_error.bytes > 0) out += client_error_block(r.client_error, st);
  if (!r.explanation.empty()) out += "\nWhy\n  " + r.explanation + "\n";
  if (!r.evidence.empty()) {
    out += "\nEvidence\n";
    std::vector<std::string> unavailable;
    for (const Evidence& e : r.evidence) {
      if (e.result.kind == ProbeResult::Kind::kUnavailable) {
        unavailable.push_back(e.probe);
        continue;
      }
      std::string effect;
      if (!e.confirmed.empty()) effect += " confirms " + join(e.confirmed);
      if (!e.gates.empty())
        effect += (effect.empty() ? "" : ";") + std::string(" passes gate ") + join(e.gates);
      if (!e.ruled_out.empty())
        effect += (effect.empty() ? "" : ";") + std::string(" rules out ") + join(e.ruled_out);
      out += fmt::format("  {:<40} {}  {}{}\n", e.probe, result_text(e),
                         st.dim(fmt::format("[{}s]", e.cost_s)), st.dim(effect));
    }
    if (!unavailable.empty())
      out +=
          st.dim("  not available (channel unreachable or not collected): " + join(unavailable)) +
          "\n";
  }
  if (!r.fix.empty()) {
    out += "\nFix\n";
    int n = 0;
    for (const FixStep& f : r.fix) {
      out += fmt::format("  {}. {}{}\n", ++n, f.conditional ? "(if it applies) " : "", f.text);
      if (f.command.empty()) continue;
      out += st.dim("     runs " + f.where) + "\n";
      out += "       " + st.bold(f.command) + "\n";
    }
  }
  if (!r.missing.empty()) {
    out += "\nValues the fix still needs (shown as placeholders that will not run)\n";
    for (const MissingValue& m : r.missing) {
      std::string steps;
      for (int s : m.steps) steps += (steps.empty() ? "" : ", ") + std::to_string(s);
      out += fmt::format("  - {} (step {}): {}; {}\n", m.name, steps, m.about, m.how);
    }
  }
  if (!r.warnings.empty()) {
    out += "\n" + st.bold(st.yellow("Warnings")) + "\n";
    for (const std::string& w : r.warnings) out += "  ! " + w + "\n";
  }
  auto candidate_line = [&](const Candidate& c) {
    std::string line = fmt::format("  - {}: {}\n", c.cause, c.title);
    if (!c.next_test.empty()) line += fmt::format("      test ({}s): {}\n", c.cost_s, c.next_test);
    return line;
  };
  // A later confirmed cause's fix, indented under it.
  auto candidate_fix = [&](const Candidate& c) {
    std::string block;
    int n = 0;
    for (const FixStep& f : c.fix.steps) {
      block +=
          fmt::format("      {}. {}{}\n", ++n, f.conditional ? "(if it applies) " : "", f.text);
      if (f.command.empty()) continue;
      block += st.dim("         runs " + f.where) + "\n";
      block += "           " + st.bold(f.command) + "\n";
    }
    std::string missing;
    for (const MissingValue& m : c.fix.missing) missing += (missing.empty() ? "" : ", ") + m.name;
    if (!missing.empty()) block += "      values still needed: " + missing + "\n";
    for (const std::string& w : c.fix.warnings) block += "      ! " + w + "\n";
    return block;
  };
  if (!r.also_confirmed.empty()) {
    out += "\nAlso confirmed, later on the path (fix these too if the first fix is not enough)\n";
    for (const Candidate& c : r.also_confirmed) out += candidate_line(c) + candidate_fix(c);
  }
  if (!r.not_excluded.empty()) {
    out +=
        "\nNot excluded (earlier on the path; their test costs more than the exclusion "
        "budget or cannot run here)\n";
    for (const Candidate& c : r.not_excluded) out += candidate_line(c);
  }
  if (r.next_test) {
    const NextTest& t = *r.next_test;
    out += "\n" + st.bold("Next test") +
           fmt::format(" ({}, {}s): {}\n", channel_name(t.channel), t.cost_s, t.title);
    out += "    " + st.bold(t.command) + "\n";
    out += "  " + t.why + "\n";
    for (const AnswerMeaning& m : t.outcomes)
      out += fmt::format("    if {}: {}\n", m.answer, m.meaning);
  }
  if (!r.candidates.empty()) {
    // The few that matter, grouped by layer; all of them are in --json.
    constexpr std::size_t kShown = 6;
    out += "\nCandidates (likeliest first, by layer)\n";
    std::vector<Layer> order;
    for (std::size_t i = 0; i < r.candidates.size() && i < kShown; ++i)
      if (std::find(order.begin(), order.end(), r.candidates[i].layer) == order.end())
        order.push_back(r.candidates[i].layer);
    for (Layer l : order) {
      out += fmt::format("  {}\n", layer_name(l));
      for (std::size_t i = 0; i < r.candidates.size() && i < kShown; ++i) {
        const Candidate& c = r.candidates[i];
        if (c.layer != l) continue;
        out += fmt::format("    - {} ({:.0f}%): {}\n", c.cause, c.weight * 100, c.title);
      }
    }
    if (r.candidates.size() > kShown)
      out += st.dim(fmt::format("  ... and {} more (each with its own test in --json)\n",
                                r.candidates.size() - kShown));
  }
  if (!r.disabled.empty()) out += st.dim("  disabled by policy: " + join(r.disabled)) + "\n";
  for (const std::string& note : r.notes) out += st.dim("  note: " + note) + "\n";
  out += fmt::format("\nProbe cost: {:.1f}s charged over {} probes (wall time {:.2f}s)\n", r.cost_s,
                     r.evidence.size(), r.wall_s);
  return out;
}

}  // namespace rdptriage::cli
