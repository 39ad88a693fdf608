#include "rules/compiler.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "rules/field_reader.h"

namespace rdptriage::internal {
namespace {

constexpr std::array<std::string_view, 13> kPlaceholders = {
    "subscription", "resource_group", "vm",           "nic",        "nsg",
    "port",         "source_prefix",  "client_ip",    "private_ip", "public_ip",
    "username",     "location",       "computer_name"};

bool parse_domain(DiagnosticSink& sink, const boost::json::value& v, const std::string& pointer,
                  const std::string& subject, ResultDomain* out) {
  const boost::json::object* obj = as_object(sink, v, pointer, "result");
  if (obj == nullptr) return false;
  Reader r(sink, *obj, pointer, subject);
  std::string type;
  if (!r.string("type", &type, true)) return false;
  bool ok = true;
  if (type == "bool") {
    out->type = ResultDomain::Type::kBool;
    ok = sink.check_fields(*obj, pointer, subject, {"type"});
  } else if (type == "enum") {
    out->type = ResultDomain::Type::kEnum;
    ok = sink.check_fields(*obj, pointer, subject, {"type", "values"});
    if (!r.strings("values", &out->values, true)) return false;
    if (out->values.empty()) {
      sink.add(r.at("values"), subject, "an enum needs at least one value");
      ok = false;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < out->values.size(); ++i) {
      if (!seen.insert(out->values[i]).second) {
        sink.add(pointer_join(r.at("values"), i), subject,
                 "duplicate enum value \"" + out->values[i] + "\"");
        ok = false;
      }
    }
  } else if (type == "number") {
    out->type = ResultDomain::Type::kNumber;
    ok = sink.check_fields(*obj, pointer, subject, {"type", "min", "max", "integer"});
    double d;
    if (obj->contains("min")) {
      if (r.number("min", &d, true))
        out->min = d;
      else
        ok = false;
    }
    if (obj->contains("max")) {
      if (r.number("max", &d, true))
        out->max = d;
      else
        ok = false;
    }
    ok = r.boolean("integer", &out->integer) && ok;
    if (out->min && out->max && *out->min > *out->max) {
      sink.add(r.at("min"), subject, "min is greater than max");
      ok = false;
    }
  } else if (type == "string") {
    out->type = ResultDomain::Type::kString;
    ok = sink.check_fields(*obj, pointer, subject, {"type", "format"});
    if (!r.string("format", &out->format, false)) return false;
    if (!out->format.empty() && out->format != "text" && out->format != "ipv4" &&
        out->format != "ip") {
      sink.add(r.at("format"), subject,
               "unknown string format \"" + out->format + "\" (text, ipv4, ip)");
      ok = false;
    }
  } else {
    sink.add(r.at("type"), subject,
             "unknown result type \"" + type + "\" (bool, enum, number, string)");
    return false;
  }
  return ok;
}

}  // namespace

bool is_known_placeholder(std::string_view name) {
  return std::find(kPlaceholders.begin(), kPlaceholders.end(), name) != kPlaceholders.end();
}

void RuleCompiler::add_error(ErrorCode code, Diagnostic diagnostic) {
  loose_.push_back(std::move(diagnostic));
  // An untrusted pack is the first thing a host must hear about; then limits,
  // then what could not be read.
  if (worst_ == ErrorCode::kUntrusted) return;
  if (code == ErrorCode::kUntrusted || code == ErrorCode::kLimitExceeded ||
      worst_ == ErrorCode::kOk ||
      (code == ErrorCode::kIoError && worst_ != ErrorCode::kLimitExceeded))
    worst_ = code;
}

void RuleCompiler::add_document(JsonDocument document) {
  docs_.push_back(std::move(document));
  const int doc = static_cast<int>(docs_.size()) - 1;
  sinks_.emplace_back(docs_.back());
  DiagnosticSink& s = sinks_.back();
  const boost::json::value& root = docs_.back().root();
  const boost::json::object* top = as_object(s, root, "", "a rules file");
  if (top == nullptr) return;
  s.check_fields(*top, "", "",
                 {"schema", "about", "probes", "symptoms", "rules", "client_codes",
                  "client_messages", "sessions", "gates"});
  if (const auto* schema = top->if_contains("schema")) {
    if (!schema->is_string() || schema->get_string() != "rdptriage.rules/1")
      s.add("/schema", "", "expected \"rdptriage.rules/1\"");
  }
  auto each = [&](std::string_view key,
                  void (RuleCompiler::*read)(int, const boost::json::value&, const std::string&)) {
    const boost::json::value* v = top->if_contains(key);
    if (v == nullptr) return;
    std::string pointer = pointer_join("", key);
    if (!v->is_array()) {
      s.add(pointer, "", "\"" + std::string(key) + "\" must be an array");
      return;
    }
    const auto& arr = v->get_array();
    for (std::size_t i = 0; i < arr.size(); ++i)
      (this->*read)(doc, arr[i], pointer_join(pointer, i));
  };
  each("probes", &RuleCompiler::read_probe);
  each("symptoms", &RuleCompiler::read_symptom);
  each("rules", &RuleCompiler::read_cause);
  each("client_codes", &RuleCompiler::read_code_table);
  each("client_messages", &RuleCompiler::read_client_message);
  each("sessions", &RuleCompiler::read_session);
  each("gates", &RuleCompiler::read_gate);
}

void RuleCompiler::check_placeholders(int doc, const std::string& pointer,
                                      const std::string& subject, const std::string& text) {
  std::size_t i = 0;
  while ((i = text.find('{', i)) != std::string::npos) {
    std::size_t close = text.find('}', i + 1);
    if (close == std::string::npos) return;
    std::string_view name(text.data() + i + 1, close - i - 1);
    bool is_word = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::islower(static_cast<unsigned char>(c)) || c == '_';
    });
    if (is_word && !is_known_placeholder(name)) {
      std::string list;
      for (auto p : kPlaceholders) list += (list.empty() ? "" : ", ") + std::string(p);
      sink(doc).add(pointer, subject,
                    "unknown placeholder {" + std::string(name) + "} (known: " + list + ")");
    }
    i = close + 1;
  }
}

void RuleCompiler::read_probe(int doc, const boost::json::value& v, const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a probe");
  if (obj == nullptr) return;
  ProbeDecl d;
  d.ref = {doc, pointer};
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &d.probe.info.id, true);
  r.set_subject(d.probe.info.id);
  if (ok && !valid_id(d.probe.info.id, true)) {
    s.add(r.at("id"), d.probe.info.id,
          "probe ids are dotted lower-case names like \"guest.termservice_state\"");
    ok = false;
  }
  ok = s.check_fields(*obj, pointer, d.probe.info.id,
                      {"id", "title", "channel", "cost_s", "result", "how", "fallback"}) &&
       ok;
  ok = r.string("title", &d.probe.info.title, true) && ok;
  ok = r.string("how", &d.probe.info.how, true) && ok;
  ok = r.string("fallback", &d.fallback_id, false) && ok;
  std::string channel;
  if (r.string("channel", &channel, true)) {
    if (!parse_channel(channel, &d.probe.info.channel)) {
      s.add(r.at("channel"), d.probe.info.id,
            "unknown channel \"" + channel +
                "\" (client, control_plane, boot_diagnostics, metrics, network_watcher, "
                "run_command, serial_console, user)");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (r.number("cost_s", &d.probe.info.cost_s, true)) {
    if (!(d.probe.info.cost_s > 0) || d.probe.info.cost_s > 86400) {
      s.add(r.at("cost_s"), d.probe.info.id,
            "cost_s must be greater than 0 (seconds, at most a day)");
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const auto* result = obj->if_contains("result")) {
    ok = parse_domain(s, *result, r.at("result"), d.probe.info.id, &d.probe.domain) && ok;
  } else {
    s.require(*obj, pointer, d.probe.info.id, "result");
    ok = false;
  }
  check_placeholders(doc, r.at("how"), d.probe.info.id, d.probe.info.how);
  d.probe.info.domain = d.probe.domain.describe();
  d.probe.info.fallback = d.fallback_id;
  if (ok || !d.probe.info.id.empty()) probes_.push_back(std::move(d));
}

void RuleCompiler::read_symptom(int doc, const boost::json::value& v, const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a symptom");
  if (obj == nullptr) return;
  SymptomDecl d;
  d.ref = {doc, pointer};
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &d.symptom.info.id, true);
  r.set_subject(d.symptom.info.id);
  s.check_fields(*obj, pointer, d.symptom.info.id, {"id", "title", "messages", "within", "layer"});
  if (ok && !valid_id(d.symptom.info.id, false)) {
    s.add(r.at("id"), d.symptom.info.id, "symptom ids are lower-case words like \"timeout\"");
  } else if (ok && d.symptom.info.id == "unknown") {
    s.add(r.at("id"), "unknown", "\"unknown\" is built in (every cause is its candidate)");
  }
  r.string("title", &d.symptom.info.title, true);
  r.strings("messages", &d.symptom.info.messages, false);
  r.strings("within", &d.symptom.info.within, false);
  std::string layer;
  if (r.string("layer", &layer, false) && !layer.empty()) {
    Layer l;
    if (parse_layer(layer, &l))
      d.symptom.info.layer = l;
    else
      s.add(r.at("layer"), d.symptom.info.id,
            "unknown layer \"" + layer + "\" (network, service, auth, guest, boundary)");
  }
  for (std::size_t i = 0; i < d.symptom.info.messages.size(); ++i)
    check_phrase(doc, pointer_join(r.at("messages"), i), d.symptom.info.id,
                 d.symptom.info.messages[i]);
  if (!d.symptom.info.id.empty()) symptoms_.push_back(std::move(d));
}

void RuleCompiler::read_cause(int doc, const boost::json::value& v, const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a rule");
  if (obj == nullptr) return;
  CauseDecl d;
  d.ref = {doc, pointer};
  d.info.file = docs_[static_cast<std::size_t>(doc)].name();
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &d.info.id, true);
  r.set_subject(d.info.id);
  const std::string& id = d.info.id;
  if (ok && !valid_id(id, true))
    s.add(r.at("id"), id, "cause ids are dotted lower-case names like \"network.nsg_denies_rdp\"");
  s.check_fields(*obj, pointer, id,
                 {"id", "layer", "stage", "title", "explanation", "symptoms", "after", "confirm",
                  "confirm_text", "rule_out", "fix", "warnings", "sources", "notes", "likelihood"});
  std::string layer, stage;
  if (r.string("layer", &layer, true) && !parse_layer(layer, &d.info.layer))
    s.add(r.at("layer"), id,
          "unknown layer \"" + layer + "\" (network, service, auth, guest, boundary)");
  if (r.string("stage", &stage, true) && !parse_stage(stage, &d.info.stage))
    s.add(r.at("stage"), id,
          "unknown stage \"" + stage +
              "\" (client, platform, network, listener, channel, logon, session)");
  r.string("title", &d.info.title, true);
  r.string("explanation", &d.info.explanation, true);
  r.string("confirm_text", &d.info.confirm_text, true);
  r.string("notes", &d.info.notes, false);
  if (r.string("likelihood", &d.info.likelihood, false) && d.info.likelihood != "common" &&
      d.info.likelihood != "occasional" && d.info.likelihood != "rare") {
    s.add(r.at("likelihood"), id, "likelihood must be common, occasional or rare");
  }
  if (d.info.likelihood.empty()) d.info.likelihood = "occasional";
  r.strings("symptoms", &d.info.symptoms, true);
  if (obj->contains("symptoms") && d.info.symptoms.empty() && obj->at("symptoms").is_array())
    s.add(r.at("symptoms"), id,
          "lists no symptom, so the cause can never be reached: name the symptoms it explains");
  r.strings("after", &d.after_ids, false);
  r.strings("warnings", &d.info.warnings, false);
  d.confirm = obj->if_contains("confirm");
  if (d.confirm == nullptr) s.require(*obj, pointer, id, "confirm");
  d.rule_out = obj->if_contains("rule_out");
  check_placeholders(doc, r.at("explanation"), id, d.info.explanation);
  if (const boost::json::array* fix = r.array("fix", true)) {
    if (fix->empty()) s.add(r.at("fix"), id, "a rule needs at least one fix step");
    for (std::size_t i = 0; i < fix->size(); ++i) {
      std::string step_ptr = pointer_join(r.at("fix"), i);
      const boost::json::object* step = as_object(s, (*fix)[i], step_ptr, "a fix step");
      if (step == nullptr) continue;
      s.check_fields(*step, step_ptr, id, {"text", "command", "shell"});
      Reader sr(s, *step, step_ptr, id);
      FixStepInfo f;
      sr.string("text", &f.text, true);
      sr.string("command", &f.command, false);
      sr.string("shell", &f.shell, false);
      if (!f.command.empty() && f.shell.empty())
        s.add(step_ptr, id, "a step with a command needs \"shell\" (bash, powershell, cmd)");
      else if (!f.shell.empty() && f.shell != "bash" && f.shell != "powershell" && f.shell != "cmd")
        s.add(sr.at("shell"), id, "unknown shell \"" + f.shell + "\" (bash, powershell, cmd)");
      check_placeholders(doc, sr.at("text"), id, f.text);
      check_placeholders(doc, sr.at("command"), id, f.command);
      d.info.fix.push_back(std::move(f));
    }
  }
  if (const boost::json::array* sources = r.array("sources", true)) {
    for (std::size_t i = 0; i < sources->size(); ++i) {
      std::string src_ptr = pointer_join(r.at("sources"), i);
      const boost::json::object* src = as_object(s, (*sources)[i], src_ptr, "a source");
      if (src == nullptr) continue;
      s.check_fields(*src, src_ptr, id, {"seed", "section"});
      Reader sr(s, *src, src_ptr, id);
      SourceRef ref;
      sr.string("seed", &ref.seed, true);
      sr.string("section", &ref.section, true);
      d.info.sources.push_back(std::move(ref));
    }
  }
  if (!id.empty()) causes_.push_back(std::move(d));
}

void RuleCompiler::resolve() {
  // Probes and symptoms first: conditions refer to them.
  out_.probe_index = dedupe(probes_, "probe", [](const ProbeDecl& d) { return d.probe.info.id; });
  for (const ProbeDecl& d : probes_) out_.probes.push_back(d.probe);
  out_.symptom_index =
      dedupe(symptoms_, "symptom", [](const SymptomDecl& d) { return d.symptom.info.id; });

  // Fallbacks: must exist and answer in the same domain.
  for (std::size_t i = 0; i < probes_.size(); ++i) {
    ProbeDecl& d = probes_[i];
    if (d.fallback_id.empty()) continue;
    auto it = out_.probe_index.find(d.fallback_id);
    std::string ptr = pointer_join(d.ref.pointer, "fallback");
    if (it == out_.probe_index.end()) {
      sink(d.ref.doc).add(ptr, d.probe.info.id, "unknown fallback probe \"" + d.fallback_id + "\"");
      continue;
    }
    const ResultDomain& a = d.probe.domain;
    const ResultDomain& b = out_.probes[static_cast<std::size_t>(it->second)].domain;
    if (a.describe() != b.describe()) {
      sink(d.ref.doc).add(ptr, d.probe.info.id,
                          "fallback \"" + d.fallback_id + "\" answers " + b.describe() +
                              " but this probe answers " + a.describe());
      continue;
    }
    out_.probes[i].fallback = it->second;
  }

  out_.cause_index = dedupe(causes_, "cause", [](const CauseDecl& d) { return d.info.id; });

  for (CauseDecl& d : causes_) {
    DiagnosticSink& s = sink(d.ref.doc);
    const std::string& id = d.info.id;
    for (std::size_t i = 0; i < d.info.symptoms.size(); ++i) {
      const std::string& sym = d.info.symptoms[i];
      std::string ptr = pointer_join(pointer_join(d.ref.pointer, "symptoms"), i);
      if (sym == "ok")
        s.add(ptr, id, "\"ok\" means the session works; it cannot be explained by a cause");
      else if (sym == "unknown")
        s.add(ptr, id, "\"unknown\" is built in: every cause is already its candidate");
      else if (!out_.symptom_index.count(sym))
        s.add(ptr, id, "unknown symptom \"" + sym + "\"");
    }
    for (std::size_t i = 0; i < d.after_ids.size(); ++i) {
      auto it = out_.cause_index.find(d.after_ids[i]);
      if (it == out_.cause_index.end()) {
        s.add(pointer_join(pointer_join(d.ref.pointer, "after"), i), id,
              "unknown cause \"" + d.after_ids[i] + "\" in after");
        continue;
      }
      d.after.push_back(it->second);
    }
    ConditionCompiler cc(out_, s, id);
    if (d.confirm)
      cc.compile(*d.confirm, pointer_join(d.ref.pointer, "confirm"), 1, &d.confirm_compiled,
                 &d.probes);
    if (d.rule_out) {
      Condition c;
      if (cc.compile(*d.rule_out, pointer_join(d.ref.pointer, "rule_out"), 1, &c, &d.probes))
        d.rule_out_compiled = std::move(c);
    }
    std::sort(d.probes.begin(), d.probes.end());
    d.probes.erase(std::unique(d.probes.begin(), d.probes.end()), d.probes.end());
  }
}

}  // namespace rdptriage::internal
