// to_text(): the report for a person. Every string from the report goes
// through terminal_safe() (or terminal_safe_lines() for a command), so text
// from probes, files, client errors and rules cannot act on the terminal.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/safe_text.h"
#include "rdptriage/report.h"

namespace rdptriage {
namespace {

using internal::terminal_safe;

struct Style {
  bool on;
  std::string wrap(const char* code, const std::string& s) const {
    return on ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  }
  std::string bold(const std::string& s) const { return wrap("1", s); }
  std::string red(const std::string& s) const { return wrap("31", s); }
  std::string green(const std::string& s) const { return wrap("32", s); }
  std::string yellow(const std::string& s) const { return wrap("33", s); }
  std::string dim(const std::string& s) const { return wrap("2", s); }
};

// A cost or time: at most 4 significant digits, no trailing zeros.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string pad_right(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + terminal_safe(s);
  return out;
}

std::string result_text(const Evidence& e) {
  switch (e.result.kind) {
    case ProbeResult::Kind::kValue: {
      std::string v = terminal_safe(to_string(e.result.value));
      return e.result.reason.empty() ? v : v + " (" + terminal_safe(e.result.reason) + ")";
    }
    case ProbeResult::Kind::kUnavailable:
      return "unavailable: " + terminal_safe(e.result.reason);
    case ProbeResult::Kind::kFailed:
      return "failed: " + terminal_safe(e.result.reason);
  }
  return "?";
}

std::string client_error_block(const ClientErrorReading& c, const Style& st) {
  std::string out = "\nClient error (" + std::to_string(c.bytes) + " bytes read)\n";
  if (!c.recognized()) out += "  nothing recognised: every cause stays a candidate\n";
  for (const ClientErrorMatch& m : c.matches) {
    std::string what = m.code.empty() ? "\"" + m.excerpt + "\"" : m.code;
    if (!m.name.empty()) what += " " + m.name;
    std::string outcome = m.symptom.empty() ? "says nothing about the failure" : "-> " + m.symptom;
    if (!m.cause.empty()) outcome += ", points at " + m.cause;
    std::string where = m.source;
    if (m.line > 1) where += ", line " + std::to_string(m.line);
    if (m.occurrences > 1) where += ", " + std::to_string(m.occurrences) + " times";
    out += "  " + (m.decisive ? st.bold("*") : std::string(" ")) + " " +
           st.bold(terminal_safe(what)) + " [" + terminal_safe(where) +
           "]: " + terminal_safe(m.meaning) + " " + st.dim(terminal_safe(outcome)) + "\n";
  }
  for (const auto& [probe, value] : c.observations)
    out += "  shows " + terminal_safe(probe) + " = " + terminal_safe(to_string(value)) + "\n";
  for (const std::string& note : c.notes) out += st.dim("  note: " + terminal_safe(note)) + "\n";
  return out;
}

// Fix steps, numbered, each command under the line saying where it runs.
std::string steps_block(const std::vector<FixStep>& steps, const std::string& indent,
                        const Style& st) {
  std::string out;
  int n = 0;
  for (const FixStep& f : steps) {
    out += indent + std::to_string(++n) + ". " + (f.conditional ? "(if it applies) " : "") +
           (f.alternative_to > 0 ? "(instead of step " + std::to_string(f.alternative_to) + ") "
                                 : "") +
           terminal_safe(f.text) + "\n";
    if (f.command.empty()) continue;
    out += st.dim(indent + "   runs " + terminal_safe(f.where)) + "\n";
    const std::string command_indent = indent + "     ";
    out += command_indent +
           st.bold(internal::terminal_safe_lines(f.command, command_indent + "  ")) + "\n";
  }
  return out;
}

std::string evidence_block(const std::vector<Evidence>& evidence, const Style& st) {
  std::string out = "\nEvidence\n";
  std::vector<std::string> unavailable;
  for (const Evidence& e : evidence) {
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
    out += "  " + pad_right(terminal_safe(e.probe), 40) + " " + result_text(e) + "  " +
           st.dim("[" + num(e.cost_s) + "s]") + st.dim(effect) + "\n";
  }
  if (!unavailable.empty())
    out += st.dim("  not available (channel unreachable or not collected): " + join(unavailable)) +
           "\n";
  return out;
}

std::string candidate_line(const Candidate& c) {
  std::string line = "  - " + terminal_safe(c.cause) + ": " + terminal_safe(c.title) + "\n";
  if (!c.next_test.empty())
    line += "      test (" + num(c.cost_s) + "s): " + terminal_safe(c.next_test) + "\n";
  return line;
}

// A later confirmed cause's fix, indented under it.
std::string candidate_fix(const Candidate& c, const Style& st) {
  std::string block = steps_block(c.fix.steps, "      ", st);
  std::vector<std::string> missing;
  for (const MissingValue& m : c.fix.missing) missing.push_back(m.name);
  if (!missing.empty()) block += "      values still needed: " + join(missing) + "\n";
  for (const std::string& w : c.fix.warnings) block += "      ! " + terminal_safe(w) + "\n";
  return block;
}

std::string candidates_block(const std::vector<Candidate>& candidates, std::size_t shown,
                             const Style& st) {
  std::string out = "\nCandidates (likeliest first, by layer)\n";
  shown = std::min(shown, candidates.size());
  std::vector<Layer> order;
  for (std::size_t i = 0; i < shown; ++i)
    if (std::find(order.begin(), order.end(), candidates[i].layer) == order.end())
      order.push_back(candidates[i].layer);
  for (Layer l : order) {
    out += "  " + std::string(layer_name(l)) + "\n";
    for (std::size_t i = 0; i < shown; ++i) {
      const Candidate& c = candidates[i];
      if (c.layer != l) continue;
      out += "    - " + terminal_safe(c.cause) + " (" + fixed(c.weight * 100, 0) +
             "%): " + terminal_safe(c.title) + "\n";
    }
  }
  if (candidates.size() > shown)
    out += st.dim("  ... and " + std::to_string(candidates.size() - shown) +
                  " more (each with its own test in the JSON report)\n");
  return out;
}

}  // namespace

std::string to_text(const Report& r, const TextOptions& options) {
  const Style st{options.colour};
  std::string out;
  const std::string layer = r.layer ? std::string(layer_name(*r.layer)) : "unknown";
  switch (r.status) {
    case Verdict::kConfirmed:
      out += st.bold(st.red("CONFIRMED")) + "  layer: " + st.bold(layer) + "\n";
      out +=
          "  cause:  " + st.bold(terminal_safe(r.cause)) + "\n  " + terminal_safe(r.title) + "\n";
      break;
    case Verdict::kHealthy:
      out += st.bold(st.green("HEALTHY")) + "  " + terminal_safe(r.title) + "\n";
      break;
    case Verdict::kInconclusive:
      out += st.bold(st.yellow("INCONCLUSIVE")) + "  layer: " + layer + "\n  " +
             terminal_safe(r.title) + "\n";
      break;
  }
  out += "  symptom: " + terminal_safe(r.symptom) + " (" + terminal_safe(r.symptom_source) + ")\n";
  if (!r.leading_cause.empty() && r.leading_cause != r.cause)
    out += "  leading cause from the client error: " + terminal_safe(r.leading_cause) + "\n";
  if (r.client_error.bytes > 0) out += client_error_block(r.client_error, st);
  if (!r.explanation.empty()) out += "\nWhy\n  " + terminal_safe(r.explanation) + "\n";
  if (!r.evidence.empty()) out += evidence_block(r.evidence, st);
  if (!r.fix.empty()) out += "\nFix\n" + steps_block(r.fix, "  ", st);
  if (!r.missing.empty()) {
    out += "\nValues the fix still needs (shown as placeholders that will not run)\n";
    for (const MissingValue& m : r.missing) {
      std::string steps;
      for (int s : m.steps) steps += (steps.empty() ? "" : ", ") + std::to_string(s);
      out += "  - " + terminal_safe(m.name) + " (step " + steps + "): " + terminal_safe(m.about) +
             "; " + terminal_safe(m.how) + "\n";
    }
  }
  if (!r.warnings.empty()) {
    out += "\n" + st.bold(st.yellow("Warnings")) + "\n";
    for (const std::string& w : r.warnings) out += "  ! " + terminal_safe(w) + "\n";
  }
  if (!r.also_confirmed.empty()) {
    out += "\nAlso confirmed, later on the path (fix these too if the first fix is not enough)\n";
    for (const Candidate& c : r.also_confirmed) out += candidate_line(c) + candidate_fix(c, st);
  }
  if (!r.not_excluded.empty()) {
    out +=
        "\nNot excluded (earlier on the path; their test costs more than the exclusion "
        "budget or cannot run here)\n";
    for (const Candidate& c : r.not_excluded) out += candidate_line(c);
  }
  if (r.next_test) {
    const NextTest& t = *r.next_test;
    out += "\n" + st.bold("Next test") + " (" + std::string(channel_name(t.channel)) + ", " +
           num(t.cost_s) + "s): " + terminal_safe(t.title) + "\n";
    out += "    " + st.bold(internal::terminal_safe_lines(t.command, "      ")) + "\n";
    out += "  " + terminal_safe(t.why) + "\n";
    for (const AnswerMeaning& m : t.outcomes)
      out += "    if " + terminal_safe(m.answer) + ": " + terminal_safe(m.meaning) + "\n";
  }
  if (!r.candidates.empty() && options.max_candidates > 0)
    out += candidates_block(r.candidates, options.max_candidates, st);
  if (!r.rule_changes.empty()) {
    out += "\n" + st.bold("Rule overrides that bore on this diagnosis") + "\n";
    for (const RuleChange& c : r.rule_changes)
      out += "  * " + terminal_safe(c.target) + ": " + terminal_safe(c.describe()) + "\n";
  }
  // Disabled probes: by an override (listed above, with where) or by the
  // host's channel policy.
  std::vector<std::string> by_policy;
  for (const std::string& p : r.disabled)
    if (std::none_of(r.rule_changes.begin(), r.rule_changes.end(), [&](const RuleChange& c) {
          return c.kind == "disable_probe" && c.target == p;
        }))
      by_policy.push_back(p);
  if (!by_policy.empty())
    out += st.dim("  disabled by the host's policy: " + join(by_policy)) + "\n";
  for (const std::string& note : r.notes) out += st.dim("  note: " + terminal_safe(note)) + "\n";
  out += "\nProbe cost: " + fixed(r.cost_s, 1) + "s charged over " +
         std::to_string(r.evidence.size()) + " probes (wall time " + fixed(r.wall_s, 2) + "s)\n";
  if (!r.decision_id.empty()) {
    std::string packs;
    for (const PackInfo& p : r.rule_packs)
      packs += (packs.empty() ? "; packs " : ", ") + terminal_safe(p.name) + " " +
               std::to_string(p.version) + " (key " + terminal_safe(p.key_id) + ")";
    out +=
        st.dim("decision " + terminal_safe(r.decision_id) + " at " + terminal_safe(r.evaluated_at) +
               "; rdptriage " + terminal_safe(r.library_version) + ", rules " +
               terminal_safe(r.rules_schema) + " " + terminal_safe(r.rules_digest) + packs) +
        "\n";
  }
  return out;
}

}  // namespace rdptriage
