// The JSON report, as schema/report.schema.json describes it (installed as
// share/rdptriage/schema/report.schema.json), built with Boost.JSON so
// escaping is never hand-rolled.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdint>

#include "engine/safe_text.h"
#include "rdptriage/report.h"

namespace rdptriage {
namespace {

boost::json::value json_of(const ProbeValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const double* d = std::get_if<double>(&v)) {
    // Whole numbers print as integers while a double holds them exactly;
    // the cast is only made inside that range. JSON has no NaN or infinity.
    if (!std::isfinite(*d)) return nullptr;
    if (std::trunc(*d) == *d && std::fabs(*d) < 9e15) return static_cast<std::int64_t>(*d);
    return *d;
  }
  return boost::json::string(std::get<std::string>(v));
}

// JSON text is UTF-8 (RFC 8259), but a report carries what it was given: a
// log pasted in Latin-1, an adapter's bytes. Boost.JSON copies string bytes
// as they are, so each byte of `json` that does not start or continue a
// valid UTF-8 sequence becomes U+FFFD. Outside strings the text is ASCII.
std::string valid_utf8(std::string json) {
  std::string out;
  std::size_t i = 0, copied = 0;
  while (i < json.size()) {
    if (static_cast<unsigned char>(json[i]) < 0x80) {
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    if (const std::size_t n = internal::utf8_sequence(json, i, &cp); n > 0) {
      i += n;
      continue;
    }
    out.append(json, copied, i - copied);
    out += "\xEF\xBF\xBD";
    copied = ++i;
  }
  if (copied == 0) return json;
  out.append(json, copied, std::string::npos);
  return out;
}

// JSON has no NaN or infinity (Boost.JSON would print them as such).
boost::json::value finite_or_null(double d) {
  if (!std::isfinite(d)) return nullptr;
  return d;
}

boost::json::array string_array(const std::vector<std::string>& items) {
  boost::json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return a;
}

boost::json::value result_of(const ProbeResult& r) {
  switch (r.kind) {
    case ProbeResult::Kind::kValue:
      return json_of(r.value);
    case ProbeResult::Kind::kUnavailable:
      return boost::json::string("unavailable");
    case ProbeResult::Kind::kFailed:
      return boost::json::string("failed");
  }
  return nullptr;
}

std::string effect_of(const Evidence& e) {
  std::string out;
  auto add = [&](const char* verb, const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    if (!out.empty()) out += "; ";
    out += verb;
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : " ") + ids[i];
  };
  add("confirmed", e.confirmed);
  add("ruled out", e.ruled_out);
  add("passed gate", e.gates);
  return out.empty() ? "no change" : out;
}

boost::json::object observations_json(const auto& observations) {
  boost::json::object out;
  for (const auto& [probe, value] : observations) out[probe] = json_of(value);
  return out;
}

boost::json::object client_error_json(const ClientErrorReading& r) {
  boost::json::object o;
  o["recognized"] = r.recognized();
  o["bytes"] = r.bytes;
  o["symptom"] = r.symptom;
  o["leading_cause"] =
      r.leading_cause.empty() ? boost::json::value(nullptr) : boost::json::value(r.leading_cause);
  boost::json::array matches;
  for (const ClientErrorMatch& m : r.matches) {
    boost::json::object item;
    item["source"] = m.source;
    item["source_title"] = m.source_title;
    item["code"] = m.code.empty() ? boost::json::value(nullptr) : boost::json::value(m.code);
    item["name"] = m.name.empty() ? boost::json::value(nullptr) : boost::json::value(m.name);
    item["listed"] = m.listed;
    item["meaning"] = m.meaning;
    item["symptom"] =
        m.symptom.empty() ? boost::json::value(nullptr) : boost::json::value(m.symptom);
    item["cause"] = m.cause.empty() ? boost::json::value(nullptr) : boost::json::value(m.cause);
    item["observations"] = observations_json(m.observations);
    item["excerpt"] = m.excerpt;
    item["offset"] = m.offset;
    item["line"] = m.line;
    item["priority"] = m.priority;
    item["occurrences"] = m.occurrences;
    item["decisive"] = m.decisive;
    item["score"] = finite_or_null(m.score);  // below 1: a paraphrase of the message
    item["underlying"] = m.underlying;
    matches.push_back(std::move(item));
  }
  o["matches"] = std::move(matches);
  o["observations"] = observations_json(r.observations);
  o["notes"] = string_array(r.notes);
  return o;
}

boost::json::array fix_json(const std::vector<FixStep>& steps) {
  boost::json::array fix;
  for (const FixStep& f : steps) {
    boost::json::object step;
    step["text"] = f.text;
    step["command"] = f.command;
    if (!f.shell.empty()) step["shell"] = f.shell;
    if (!f.runs.empty()) {
      step["runs"] = f.runs;
      step["where"] = f.where;
    }
    if (!f.script.empty()) {
      step["script"] = f.script;
      step["script_shell"] = f.script_shell;
    }
    if (!f.effects.empty()) step["effects"] = string_array(f.effects);
    if (f.conditional) step["conditional"] = true;
    if (f.alternative_to > 0) step["alternative_to"] = f.alternative_to;
    if (!f.missing.empty()) step["missing"] = string_array(f.missing);
    fix.push_back(std::move(step));
  }
  return fix;
}

boost::json::array missing_json(const std::vector<MissingValue>& missing) {
  boost::json::array out;
  for (const MissingValue& m : missing) {
    boost::json::object item;
    item["name"] = m.name;
    item["about"] = m.about;
    item["how"] = m.how;
    item["probe"] = m.probe.empty() ? boost::json::value(nullptr) : boost::json::value(m.probe);
    boost::json::array steps;
    for (int n : m.steps) steps.push_back(n);
    item["steps"] = std::move(steps);
    out.push_back(std::move(item));
  }
  return out;
}

boost::json::array candidates_json(const std::vector<Candidate>& candidates) {
  boost::json::array out;
  for (const Candidate& c : candidates) {
    boost::json::object item;
    item["cause"] = c.cause;
    item["layer"] = layer_name(c.layer);
    item["title"] = c.title;
    item["next_test"] = c.next_test;
    item["next_probe"] = c.next_probe;
    item["cost_s"] = finite_or_null(c.cost_s);
    item["weight"] = finite_or_null(c.weight);
    item["confirmed"] = c.confirmed;
    if (c.confirmed) {
      item["fix"] = fix_json(c.fix.steps);
      item["warnings"] = string_array(c.fix.warnings);
      item["missing"] = missing_json(c.fix.missing);
    }
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::string client_error_to_json(const ClientErrorReading& reading) {
  return valid_utf8(boost::json::serialize(client_error_json(reading)));
}

std::string report_to_json(const Report& r) {
  boost::json::object o;
  o["schema"] = kReportSchema;
  o["library_version"] = r.library_version;
  o["rules_schema"] = r.rules_schema;
  o["rules_digest"] = r.rules_digest;
  boost::json::array packs;
  for (const PackInfo& p : r.rule_packs)
    packs.push_back(boost::json::object{{"name", p.name},
                                        {"version", p.version},
                                        {"key_id", p.key_id},
                                        {"key_fingerprint", p.key_fingerprint},
                                        {"dir", p.dir},
                                        {"files", string_array(p.files)}});
  o["rule_packs"] = std::move(packs);
  o["decision_id"] = r.decision_id;
  o["evaluated_at"] = r.evaluated_at;
  o["status"] = verdict_name(r.status);
  o["layer"] = r.layer ? boost::json::value(layer_name(*r.layer)) : boost::json::value(nullptr);
  o["cause"] = r.cause.empty() ? boost::json::value(nullptr) : boost::json::value(r.cause);
  o["title"] = r.title;
  o["explanation"] = r.explanation;
  o["symptom"] = r.symptom;
  o["symptom_source"] = r.symptom_source;
  o["leading_cause"] =
      r.leading_cause.empty() ? boost::json::value(nullptr) : boost::json::value(r.leading_cause);
  if (r.client_error.bytes > 0) o["client_error"] = client_error_json(r.client_error);
  boost::json::array evidence;
  for (const Evidence& e : r.evidence) {
    boost::json::object item;
    item["probe"] = e.probe;
    item["result"] = result_of(e.result);
    item["cost_s"] = finite_or_null(e.cost_s);
    item["effect"] = effect_of(e);
    item["channel"] = channel_name(e.channel);
    item["adapter"] = e.adapter;
    if (!e.result.reason.empty()) item["detail"] = e.result.reason;
    if (!e.result.fields.empty()) {
      boost::json::object fields;
      for (const auto& [name, value] : e.result.fields) fields[name] = value;
      item["fields"] = std::move(fields);
    }
    item["confirmed"] = string_array(e.confirmed);
    item["ruled_out"] = string_array(e.ruled_out);
    if (!e.session.empty()) item["session"] = e.session;
    if (!e.gates.empty()) item["gates"] = string_array(e.gates);
    if (e.fallback) item["fallback"] = true;
    evidence.push_back(std::move(item));
  }
  o["evidence"] = std::move(evidence);
  o["fix"] = fix_json(r.fix);
  o["warnings"] = string_array(r.warnings);
  o["missing"] = missing_json(r.missing);
  o["candidates"] = candidates_json(r.candidates);
  if (r.next_test) {
    const NextTest& t = *r.next_test;
    boost::json::object next;
    next["probe"] = t.probe;
    next["title"] = t.title;
    next["channel"] = channel_name(t.channel);
    next["command"] = t.command;
    next["cost_s"] = finite_or_null(t.cost_s);
    next["why"] = t.why;
    boost::json::array outcomes;
    for (const AnswerMeaning& m : t.outcomes)
      outcomes.push_back(boost::json::object{{"answer", m.answer}, {"meaning", m.meaning}});
    next["outcomes"] = std::move(outcomes);
    o["next_test"] = std::move(next);
  } else {
    o["next_test"] = nullptr;
  }
  o["not_excluded"] = candidates_json(r.not_excluded);
  o["also_confirmed"] = candidates_json(r.also_confirmed);
  o["disabled"] = string_array(r.disabled);
  boost::json::array changes;
  for (const RuleChange& c : r.rule_changes)
    changes.push_back(boost::json::object{{"kind", c.kind},
                                          {"target", c.target},
                                          {"field", c.field},
                                          {"value", c.value},
                                          {"reason", c.reason},
                                          {"file", c.file},
                                          {"line", c.line},
                                          {"column", c.column},
                                          {"path", c.path},
                                          {"text", c.describe()}});
  o["rule_changes"] = std::move(changes);
  o["notes"] = string_array(r.notes);
  o["cost_s"] = finite_or_null(r.cost_s);
  o["wall_s"] = finite_or_null(r.wall_s);
  return valid_utf8(boost::json::serialize(o));
}

}  // namespace rdptriage
