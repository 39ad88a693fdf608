#include "fuzz_support.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/safe_text.h"

namespace rdptriage::fuzz {

void fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "rdptriage fuzz check failed: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!detail.empty())
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(std::min<std::size_t>(detail.size(), 4000)),
                 detail.data());
  std::abort();
}

const Triage& bundled_triage() {
  static const Triage* triage = [] {
    StatusOr<Triage> t = Triage::create({});
    if (!t.ok()) fail("the bundled rules load", t.status().to_string());
    return new Triage(std::move(t).value());
  }();
  return *triage;
}

const std::vector<std::pair<std::string, std::string>>& bundled_documents() {
  static const auto* documents = [] {
    auto* out = new std::vector<std::pair<std::string, std::string>>;
    const std::filesystem::path dir = bundled_rules_dir();
    if (dir.empty()) fail("the bundled rules directory is found");
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      out->emplace_back(entry.path().filename().string(), text.str());
    }
    std::sort(out->begin(), out->end());
    if (out->empty()) fail("the bundled rules directory holds rule files", dir.string());
    return out;
  }();
  return *documents;
}

void check_valid_json(std::string_view json, std::string_view what) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec) fail(std::string(what) + " is valid JSON: " + ec.message(), json);
}

namespace {

// RFC 3629 UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

// A string from the Report must come out as the same JSON string; one that
// is not valid UTF-8 may come out repaired, but as a string.
bool same_text(const boost::json::value& json, std::string_view original) {
  if (!json.is_string()) return false;
  return !valid_utf8(original) || json.get_string() == original;
}

// The JSON of `value` must say what the ProbeValue is: a bool, a number
// (null when not finite) or the same string.
void check_value(const boost::json::value& json, const ProbeValue& value, std::string_view where) {
  if (const bool* b = std::get_if<bool>(&value)) {
    RDPTRIAGE_FUZZ_CHECK(json.is_bool() && json.get_bool() == *b, where);
  } else if (const double* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) {
      RDPTRIAGE_FUZZ_CHECK(json.is_null(), where);
    } else {
      RDPTRIAGE_FUZZ_CHECK(json.is_number(), where);
      const double back = json.to_number<double>();
      RDPTRIAGE_FUZZ_CHECK(back == *d || std::fabs(back - *d) <= 1e-9 * std::fabs(*d), where);
    }
  } else {
    RDPTRIAGE_FUZZ_CHECK(same_text(json, std::get<std::string>(value)), where);
  }
}

}  // namespace

void check_terminal_safe(std::string_view human, std::string_view what, bool lines) {
  std::uint32_t cp = 0;
  const std::size_t at = internal::find_terminal_control(human, lines, &cp);
  if (at == std::string_view::npos) return;
  const std::size_t from = at > 60 ? at - 60 : 0;
  fail(std::string(what) + " is terminal-safe: " + internal::describe_terminal_control(cp) +
           " at byte " + std::to_string(at),
       internal::terminal_safe(human.substr(from, 120)));
}

void check_status_text(const Status& status) {
  check_terminal_safe(status.message(), "Status::message()", false);
  check_terminal_safe(status.to_string(), "Status::to_string()", true);
  for (const Diagnostic& d : status.diagnostics())
    check_terminal_safe(d.to_string(), "Diagnostic::to_string()", false);
}

void check_report_text(const Report& report) {
  check_terminal_safe(to_text(report, {.colour = false}), "to_text(report)", true);
}

void check_report_json(const Report& report) {
  check_report_text(report);
  const std::string json = report_to_json(report);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(json, ec);
  if (ec) fail("report_to_json is valid JSON: " + ec.message(), json);
  RDPTRIAGE_FUZZ_CHECK(v.is_object(), json);
  const boost::json::object& o = v.get_object();
  RDPTRIAGE_FUZZ_CHECK(
      o.contains("status") && same_text(o.at("status"), verdict_name(report.status)), json);
  RDPTRIAGE_FUZZ_CHECK(o.contains("evidence") && o.at("evidence").is_array(), json);
  const boost::json::array& evidence = o.at("evidence").get_array();
  RDPTRIAGE_FUZZ_CHECK(evidence.size() == report.evidence.size(), json);
  for (std::size_t i = 0; i < evidence.size(); ++i) {
    const Evidence& e = report.evidence[i];
    const boost::json::value& item = evidence[i];
    RDPTRIAGE_FUZZ_CHECK(same_text(item.at("probe"), e.probe), json);
    if (e.result.has_value()) check_value(item.at("result"), e.result.value, json);
  }
  RDPTRIAGE_FUZZ_CHECK(o.at("candidates").as_array().size() == report.candidates.size(), json);
  RDPTRIAGE_FUZZ_CHECK(
      report.cause.empty() ? o.at("cause").is_null() : same_text(o.at("cause"), report.cause),
      json);
  if (report.client_error.bytes > 0) {
    const boost::json::object& ce = o.at("client_error").as_object();
    RDPTRIAGE_FUZZ_CHECK(ce.at("matches").as_array().size() == report.client_error.matches.size(),
                         json);
    const boost::json::object& observations = ce.at("observations").as_object();
    RDPTRIAGE_FUZZ_CHECK(observations.size() <= report.client_error.observations.size(), json);
    for (const auto& [probe, value] : report.client_error.observations)
      if (valid_utf8(probe) && observations.contains(probe))
        check_value(observations.at(probe), value, json);
  }
  check_valid_json(client_error_to_json(report.client_error), "client_error_to_json");
}

namespace {
std::map<std::string, std::size_t>& outcome_counts() {
  static auto* counts = new std::map<std::string, std::size_t>;
  return *counts;
}
}  // namespace

void count(const char* outcome) { ++outcome_counts()[outcome]; }

std::string counts() {
  std::string out;
  for (const auto& [outcome, n] : outcome_counts())
    out += (out.empty() ? "" : ", ") + outcome + " " + std::to_string(n);
  return out;
}

void check_load_failure(const Status& status, std::string_view name) {
  count("refused");
  RDPTRIAGE_FUZZ_CHECK(!status.ok(), "a failed load has a failed status");
  RDPTRIAGE_FUZZ_CHECK(status.code() != ErrorCode::kInternal, status.to_string());
  RDPTRIAGE_FUZZ_CHECK(!status.message().empty(), status.to_string());
  for (const Diagnostic& d : status.diagnostics())
    RDPTRIAGE_FUZZ_CHECK(d.file.empty() || d.file == name, status.to_string());
  check_status_text(status);
}

void exercise_rules(const RuleSet& rules, std::string_view text, std::uint64_t seed) {
  count("loaded");
  // A rule set that loaded holds no terminal control in any text (the
  // loader refuses them), so neither rendering does.
  check_terminal_safe(rules.layer_table_markdown(), "layer_table_markdown()", true);
  check_terminal_safe(rules.decision_graph_dot(), "decision_graph_dot()", true);
  for (const RuleChange& c : rules.changes())
    check_terminal_safe(c.describe(), "RuleChange::describe()", false);
  for (const Diagnostic& d : rules.notes())
    check_terminal_safe(d.to_string(), "a note's Diagnostic::to_string()", false);
  const Triage triage = Triage::from_rules(rules, ProbeThreadPool::create(1));
  StatusOr<ClientErrorReading> reading = triage.read_client_error(text);
  if (reading.ok()) check_valid_json(client_error_to_json(*reading), "client_error_to_json");
  std::vector<std::string> symptoms = {""};
  if (!rules.symptoms().empty())
    symptoms.push_back(rules.symptoms()[seed % rules.symptoms().size()].id);
  for (const std::string& symptom : symptoms) {
    EvaluateRequest req;
    req.symptom = symptom;
    req.adapters.push_back(std::make_shared<DomainAdapter>(rules, seed));
    if (seed & 2) req.client_error = std::string(text.substr(0, 4096));
    StatusOr<Report> report = triage.evaluate(req);
    if (!report.ok()) {
      RDPTRIAGE_FUZZ_CHECK(report.status().code() != ErrorCode::kInternal,
                           report.status().to_string());
      count("evaluation refused");
      continue;
    }
    count(report->evidence.empty() ? "evaluated without probes" : "evaluated with probes");
    check_report_json(*report);
  }
}

// The reading of `text` must be consistent: matches inside the text, in
// text order, a known symptom and cause, and JSON that parses.
void check_reading(const RuleSet& rules, const ClientErrorReading& r, std::string_view text) {
  RDPTRIAGE_FUZZ_CHECK(r.bytes == text.size(), std::to_string(r.bytes));
  RDPTRIAGE_FUZZ_CHECK(r.symptom == "unknown" || rules.find_symptom(r.symptom) != nullptr,
                       r.symptom);
  RDPTRIAGE_FUZZ_CHECK(r.leading_cause.empty() || rules.find_cause(r.leading_cause) != nullptr,
                       r.leading_cause);
  std::size_t previous = 0;
  for (const ClientErrorMatch& m : r.matches) {
    RDPTRIAGE_FUZZ_CHECK(m.offset <= text.size(), m.excerpt);
    RDPTRIAGE_FUZZ_CHECK(m.offset >= previous, m.excerpt);  // in text order
    previous = m.offset;
    RDPTRIAGE_FUZZ_CHECK(m.line >= 1, m.excerpt);
    RDPTRIAGE_FUZZ_CHECK(m.occurrences >= 1, m.excerpt);
    RDPTRIAGE_FUZZ_CHECK(m.score > 0 && m.score <= 1, m.excerpt);
    RDPTRIAGE_FUZZ_CHECK(m.symptom.empty() || rules.find_symptom(m.symptom) != nullptr, m.symptom);
    RDPTRIAGE_FUZZ_CHECK(m.cause.empty() || rules.find_cause(m.cause) != nullptr, m.cause);
  }
  for (const auto& [probe, value] : r.observations)
    RDPTRIAGE_FUZZ_CHECK(rules.find_probe(probe) != nullptr, probe);
  check_valid_json(client_error_to_json(r), "client_error_to_json");
}

std::uint64_t hash_bytes(const std::uint8_t* data, std::size_t size) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

DomainAdapter::DomainAdapter(const RuleSet& rules, std::uint64_t seed) : seed_(seed) {
  for (const ProbeInfo& p : rules.probes()) domains_[p.id] = p.domain;
}

ProbeResult DomainAdapter::run(const ProbeRequest& request) {
  auto it = domains_.find(request.probe_id);
  if (it == domains_.end()) return ProbeResult::failed("not a declared probe");
  const std::uint64_t h = hash_bytes(reinterpret_cast<const std::uint8_t*>(request.probe_id.data()),
                                     request.probe_id.size()) ^
                          seed_;
  const std::uint64_t pick = (h >> 8) % 1000;
  switch (h % 16) {  // now and then not an answer, or not in the domain
    case 0:
      return ProbeResult::unavailable("fuzz: unavailable");
    case 1:
      return ProbeResult::failed("fuzz: failed");
    case 2:
      return ProbeResult::value_of(std::string("out of domain"));
    case 3:
      return ProbeResult::value_of(1e19);
    default:
      break;
  }
  const std::string& domain = it->second;
  if (domain == "bool") return ProbeResult::value_of(pick % 2 == 0);
  if (domain.rfind("enum(", 0) == 0) {
    std::vector<std::string> values;
    std::string inner = domain.substr(5, domain.size() - 6);
    std::size_t start = 0;
    while (true) {
      std::size_t bar = inner.find('|', start);
      values.push_back(inner.substr(start, bar == std::string::npos ? bar : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    return ProbeResult::value_of(values[pick % values.size()]);
  }
  if (domain.rfind("integer", 0) == 0 || domain.rfind("number", 0) == 0) {
    static constexpr double kNumbers[] = {0, 1, 3, 90, 100, 256, 3389, 65535, 0.5, -1};
    return ProbeResult::value_of(kNumbers[pick % std::size(kNumbers)]);
  }
  if (domain == "string(ipv4)" || domain == "string(ip)")
    return ProbeResult::value_of(std::string(pick % 2 ? "203.0.113.7" : "10.0.0.4"));
  return ProbeResult::value_of(std::string(pick % 2 ? "web01" : "C:\\Windows"));
}

}  // namespace rdptriage::fuzz
