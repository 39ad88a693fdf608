#include "rules/compiler.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "rules/field_reader.h"
#include "rules/seeds.h"
#include "rules/steps.h"
#include "rules/templates.h"

namespace rdptriage::internal {
namespace {

// Context keys a template may name. The last ones are values the person
// running the fix chooses; rdptriage never fills new_password.
constexpr std::array<std::string_view, 18> kPlaceholders = {"subscription",
                                                            "resource_group",
                                                            "vm",
                                                            "nic",
                                                            "nsg",
                                                            "port",
                                                            "source_prefix",
                                                            "client_ip",
                                                            "private_ip",
                                                            "public_ip",
                                                            "username",
                                                            "location",
                                                            "computer_name",
                                                            "source_vm",
                                                            "new_vm_size",
                                                            "new_os_disk_size_gb",
                                                            "new_password",
                                                            "domain_admin"};  // clang-format off

// Kinds a probe field's value can be validated as, besides context keys.
constexpr std::array<std::string_view, 4> kFieldKinds = {"azure_name", "integer", "ip", "text"};

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7f;
  });
}

std::string known_list() {
  std::string list;
  for (auto p : kPlaceholders) list += (list.empty() ? "" : ", ") + std::string(p);
  return list;
}

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
                  "client_messages", "sessions", "gates", "overrides"});
  if (const auto* schema = top->if_contains("schema")) {
    if (!schema->is_string() || schema->get_string() != "rdptriage.rules/1")
      s.add("/schema", "", "expected \"rdptriage.rules/1\"");
  }
  // Titles, meanings, notes and every other text of a rule file reach
  // people; none may carry a terminal control. Scripts, commands and
  // patterns are multi-line by nature (and checked again where read).
  check_terminal_text(s, root, "", {"script", "command", "regex", "patterns"});
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
  each("overrides", &RuleCompiler::read_override);
}

void RuleCompiler::check_placeholders(int doc, const std::string& pointer,
                                      const std::string& subject, const std::string& text) {
  for (const PlaceholderRef& ref : find_placeholders(text)) {
    for (const std::string& alt : ref.alternatives) {
      PlaceholderName n = split_placeholder(alt);
      if (!n.probe.empty()) {
        sink(doc).add(pointer, subject,
                      "{" + alt +
                          "} names a probe: probe answers and fields can be used in fix steps "
                          "only, not here");
      } else if (!is_known_placeholder(n.key)) {
        sink(doc).add(pointer, subject,
                      "unknown placeholder {" + alt + "} (known: " + known_list() + ")");
      }
    }
  }
}

void RuleCompiler::read_sources(DiagnosticSink& s, const boost::json::value* v,
                                const std::string& pointer, const std::string& subject,
                                bool required, std::vector<SourceRef>* out) {
  if (v == nullptr) {
    if (required) s.add(pointer, subject, "missing required field \"sources\"");
    return;
  }
  if (!v->is_array()) {
    s.add(pointer, subject, "\"sources\" must be an array");
    return;
  }
  const auto& arr = v->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    std::string src_ptr = pointer_join(pointer, i);
    const boost::json::object* src = as_object(s, arr[i], src_ptr, "a source");
    if (src == nullptr) continue;
    s.check_fields(*src, src_ptr, subject, {"seed", "url", "section"});
    Reader sr(s, *src, src_ptr, subject);
    SourceRef ref;
    const bool seed = src->contains("seed");
    if (seed == src->contains("url")) {
      s.add(src_ptr, subject,
            "a source names either a \"seed\" (with its \"section\") or a \"url\"");
      continue;
    }
    if (seed) {
      if (sr.string("seed", &ref.seed, true))
        if (std::string problem = resolve_seed(ref.seed, &ref.seed); !problem.empty())
          s.add(sr.at("seed"), subject, problem);
      sr.string("section", &ref.section, true);
    } else {
      sr.string("url", &ref.url, true);
      sr.string("section", &ref.section, false);
      if (!ref.url.empty() && (ref.url.rfind("https://", 0) != 0 || ref.url.size() < 12 ||
                               ref.url.find_first_of(" \t\n\"<>") != std::string::npos))
        s.add(sr.at("url"), subject, "a source url must be an https:// address");
    }
    out->push_back(std::move(ref));
  }
}

void RuleCompiler::read_probe_fields(DiagnosticSink& s, const boost::json::value& v,
                                     const std::string& pointer, ProbeDecl* d) {
  const std::string& id = d->probe.info.id;
  if (!v.is_object()) {
    s.add(pointer, id, "\"fields\" must be an object mapping field names to what they hold");
    return;
  }
  for (const auto& [key, value] : v.get_object()) {
    std::string name(key);
    std::string ptr = pointer_join(pointer, name);
    ProbeFieldInfo f;
    f.name = name;
    if (!valid_id(name, false) || !std::islower(static_cast<unsigned char>(name.front()))) {
      s.add(ptr, id, "field names are lower-case words like \"nsg_scope\"");
      continue;
    }
    if (value.is_string()) {
      f.about = std::string(value.get_string());
    } else if (const boost::json::object* obj = as_object(s, value, ptr, "a field")) {
      s.check_fields(*obj, ptr, id, {"about", "kind"});
      Reader fr(s, *obj, ptr, id);
      fr.string("about", &f.about, true);
      fr.string("kind", &f.kind, false);
    } else {
      continue;
    }
    if (f.about.empty()) s.add(ptr, id, "say what the field holds");
    if (f.kind.empty()) f.kind = is_known_placeholder(name) ? name : "text";
    if (!is_known_placeholder(f.kind) &&
        std::find(kFieldKinds.begin(), kFieldKinds.end(), f.kind) == kFieldKinds.end())
      s.add(pointer_join(ptr, "kind"), id,
            "unknown kind \"" + f.kind + "\" (a context key, azure_name, integer, ip or text)");
    d->probe.info.fields.push_back(std::move(f));
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
                      {"id", "title", "channel", "cost_s", "result", "how", "script", "fallback",
                       "fields", "sources", "notes"}) &&
       ok;
  ok = r.string("title", &d.probe.info.title, true) && ok;
  const bool has_script = obj->contains("script");
  ok = r.string("how", &d.probe.info.how, !has_script) && ok;
  ok = r.string("script", &d.probe.info.script, false) && ok;
  ok = r.string("fallback", &d.fallback_id, false) && ok;
  r.string("notes", &d.probe.info.notes, false);
  read_sources(s, obj->if_contains("sources"), r.at("sources"), d.probe.info.id, false,
               &d.probe.info.sources);
  if (const auto* fields = obj->if_contains("fields"))
    read_probe_fields(s, *fields, r.at("fields"), &d);
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
  if (has_script) {
    check_placeholders(doc, r.at("script"), d.probe.info.id, d.probe.info.script);
    if (d.probe.info.channel != Channel::kRunCommand)
      s.add(r.at("script"), d.probe.info.id,
            "only run_command probes take a \"script\" (the PowerShell Run Command runs)");
    else if (!d.probe.info.how.empty())
      s.add(r.at("how"), d.probe.info.id,
            "give \"how\" or \"script\", not both: a script's how is the Run Command around it");
    if (has_control_chars(d.probe.info.script))
      s.add(r.at("script"), d.probe.info.id, "the script holds control characters");
    d.probe.info.how = run_command_template(d.probe.info.script);
  } else if (d.probe.info.how.rfind("az ", 0) == 0) {
    for (const std::string& bad : bash_double_quote_expansions(d.probe.info.how))
      s.add(r.at("how"), d.probe.info.id,
            "bash expands \"" + bad +
                "\" inside double quotes before az runs: single-quote the PowerShell, or give "
                "it as \"script\"");
    for (const std::string& bad : bash_syntax_hazards(d.probe.info.how))
      s.add(r.at("how"), d.probe.info.id,
            "bash reads \"" + bad +
                "\" as a redirection or a subshell: a how that starts with az is run as a bash "
                "command, so quote it, or put the explanation in a # comment at the end");
  }
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
  if (r.string("layer", &layer, true)) {
    if (!parse_layer(layer, &d.info.layer))
      s.add(r.at("layer"), id,
            "unknown layer \"" + layer + "\" (network, service, auth, guest, boundary)");
    else if (ok && valid_id(id, true) && id.substr(0, id.find('.')) != layer)
      s.add(r.at("id"), id,
            "a cause id is layer.name: this " + layer + " cause's id must start with \"" + layer +
                ".\" (rename it, or correct its \"layer\")");
  }
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
  for (std::size_t i = 0; i < d.after_ids.size(); ++i) {
    d.after_refs.push_back({doc, pointer_join(r.at("after"), i)});
    d.after_from_override.push_back(false);
  }
  r.strings("warnings", &d.info.warnings, false);
  d.confirm = obj->if_contains("confirm");
  if (d.confirm == nullptr) s.require(*obj, pointer, id, "confirm");
  d.rule_out = obj->if_contains("rule_out");
  check_placeholders(doc, r.at("explanation"), id, d.info.explanation);
  if (const boost::json::array* fix = r.array("fix", true)) {
    if (fix->empty()) s.add(r.at("fix"), id, "a rule needs at least one fix step");
    for (std::size_t i = 0; i < fix->size(); ++i)
      read_fix_step(doc, (*fix)[i], pointer_join(r.at("fix"), i), &d);
  }
  if (!obj->contains("sources")) s.require(*obj, pointer, id, "sources");
  read_sources(s, obj->if_contains("sources"), r.at("sources"), id, false, &d.info.sources);
  if (!id.empty()) causes_.push_back(std::move(d));
}

void RuleCompiler::read_fix_step(int doc, const boost::json::value& v, const std::string& step_ptr,
                                 CauseDecl* d) {
  DiagnosticSink& s = sink(doc);
  const std::string& id = d->info.id;
  const boost::json::object* step = as_object(s, v, step_ptr, "a fix step");
  if (step == nullptr) return;
  s.check_fields(*step, step_ptr, id,
                 {"text", "command", "shell", "runs", "effects", "when", "alternative"});
  Reader sr(s, *step, step_ptr, id);
  FixStepInfo f;
  sr.string("text", &f.text, true);
  sr.string("command", &f.command, false);
  sr.string("shell", &f.shell, false);
  sr.string("runs", &f.runs, false);
  sr.strings("effects", &f.effects, false);
  sr.boolean("alternative", &f.alternative);
  if (const boost::json::value* a = step->if_contains("alternative"); a && a->is_bool() && !*a->if_bool())
    s.add(sr.at("alternative"), id, "\"alternative\" is true or left out");
  if (f.alternative) {
    // The serial-console way of the Run Command step just before it: shown
    // with it, in its place when Run Command is disabled, never on its own.
    if (f.runs != "serial_console")
      s.add(sr.at("alternative"), id,
            "an alternative step does the step before it at the serial console: give it "
            "\"runs\": \"serial_console\" and a command");
    else if (d->info.fix.empty() || d->info.fix.back().runs != "run_command")
      s.add(sr.at("alternative"), id,
            "an alternative step must follow the run_command step it replaces when Run Command "
            "cannot run");
    if (step->contains("when"))
      s.add(sr.at("when"), id,
            "an alternative applies exactly when the step before it does: give that step the "
            "condition");
  }
  if (!f.command.empty() && f.shell.empty()) {
    s.add(step_ptr, id, "a step with a command needs \"shell\" (bash, powershell, cmd)");
  } else if (!f.shell.empty() && f.shell != "bash" && f.shell != "powershell" && f.shell != "cmd") {
    s.add(sr.at("shell"), id, "unknown shell \"" + f.shell + "\" (bash, powershell, cmd)");
  } else if (!f.command.empty()) {
    if (f.runs.empty() && f.shell == "bash") f.runs = "admin_shell";
    const RunsInfo* runs = find_runs(f.runs);
    if (f.runs.empty()) {
      s.add(step_ptr, id,
            "say where the command runs: \"runs\": run_command, serial_console, vm_console, "
            "client or directory (a " +
                f.shell + " command could run in the VM or on the client)");
    } else if (runs == nullptr) {
      s.add(sr.at("runs"), id,
            "unknown \"runs\" \"" + f.runs +
                "\" (admin_shell, run_command, serial_console, vm_console, client, directory)");
    } else if (std::string_view(runs->shells).find(f.shell) == std::string_view::npos) {
      s.add(
          sr.at("shell"), id,
          "a " + f.runs + " step is written in " + std::string(runs->shells) + ", not " + f.shell);
    }
    if (f.runs == "run_command" && f.command.find("run-command") != std::string::npos)
      s.add(sr.at("command"), id,
            "a run_command step's command is the PowerShell script itself; rdptriage wraps it "
            "in az vm run-command invoke");
    if (has_control_chars(f.command))
      s.add(sr.at("command"), id, "the command holds control characters");
    if (f.shell == "bash") {
      for (const std::string& bad : bash_double_quote_expansions(f.command))
        s.add(sr.at("command"), id,
              "bash expands \"" + bad +
                  "\" inside double quotes before the command runs: single-quote it (a "
                  "PowerShell script belongs in a run_command step)");
      for (const std::string& bad : bash_syntax_hazards(f.command))
        s.add(sr.at("command"), id,
              "bash reads \"" + bad +
                  "\" as a redirection or a subshell: quote it, or say it in the step's text");
    }
  } else if (!f.runs.empty()) {
    s.add(sr.at("runs"), id, "\"runs\" says where a command runs; this step has none");
  }
  std::set<std::string> seen;
  for (std::size_t k = 0; k < f.effects.size(); ++k) {
    if (find_effect(f.effects[k]) == nullptr) {
      std::string list;
      for (const EffectInfo& e : effect_vocabulary())
        list += (list.empty() ? "" : ", ") + std::string(e.name);
      s.add(pointer_join(sr.at("effects"), k), id,
            "unknown effect \"" + f.effects[k] + "\" (" + list + ")");
    } else if (!seen.insert(f.effects[k]).second) {
      s.add(pointer_join(sr.at("effects"), k), id, "effect \"" + f.effects[k] + "\" listed twice");
    }
  }
  for (const VisibleEffect& ve : visible_effects(f.command)) {
    bool declared = std::any_of(ve.accepts.begin(), ve.accepts.end(),
                                [&](const std::string& e) { return seen.count(e) > 0; });
    if (!declared)
      s.add(sr.at("command"), id,
            "the command " + ve.why + " but the step does not say so: add \"" + ve.accepts.front() +
                "\" to its \"effects\" so the fix warns about it");
  }
  for (const PlaceholderRef& ref : find_placeholders(f.text))
    for (const std::string& alt : ref.alternatives)
      pending_placeholders_.push_back({doc, sr.at("text"), id, alt});
  for (const PlaceholderRef& ref : find_placeholders(f.command))
    for (const std::string& alt : ref.alternatives)
      pending_placeholders_.push_back({doc, sr.at("command"), id, alt});
  d->step_when.push_back(step->if_contains("when"));
  d->step_pointers.push_back(step_ptr);
  // An alternative takes the condition of the step it stands in for.
  f.conditional = step->contains("when") ||
                  (f.alternative && !d->info.fix.empty() && d->info.fix.back().conditional);
  d->info.fix.push_back(std::move(f));
}

void RuleCompiler::check_step_placeholders() {
  for (const PendingPlaceholder& p : pending_placeholders_) {
    PlaceholderName n = split_placeholder(p.alternative);
    DiagnosticSink& s = sink(p.doc);
    if (n.probe.empty()) {
      if (!is_known_placeholder(n.key) && !is_computed_placeholder(n.key)) {
        std::string computed;
        for (auto c : computed_placeholders()) computed += ", " + std::string(c);
        s.add(p.pointer, p.subject,
              "unknown placeholder {" + p.alternative + "} (known: " + known_list() + computed +
                  ", or a probe id, or probe_id:field)");
      }
      continue;
    }
    auto it = out_.probe_index.find(n.probe);
    if (it == out_.probe_index.end()) {
      s.add(p.pointer, p.subject,
            "{" + p.alternative + "} names unknown probe \"" + n.probe + "\"");
      continue;
    }
    if (n.field.empty()) continue;
    const ProbeInfo& probe = out_.probes[static_cast<std::size_t>(it->second)].info;
    bool declared = std::any_of(probe.fields.begin(), probe.fields.end(),
                                [&](const ProbeFieldInfo& f) { return f.name == n.field; });
    if (!declared) {
      std::string list;
      for (const ProbeFieldInfo& f : probe.fields) list += (list.empty() ? "" : ", ") + f.name;
      s.add(p.pointer, p.subject,
            "{" + p.alternative + "}: probe " + n.probe + " declares no field \"" + n.field +
                "\" (declared: " + (list.empty() ? "none" : list) + ")");
    }
  }
}

void RuleCompiler::resolve() {
  // Probes and symptoms first: conditions refer to them.
  out_.probe_index =
      dedupe(probes_, "probe", [](const ProbeDecl& d) { return d.probe.info.id; },
             "; to stop a bundled probe being asked, disable it in \"overrides\" instead "
             "(rules/README.md, Overrides)");
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

  out_.cause_index =
      dedupe(causes_, "cause", [](const CauseDecl& d) { return d.info.id; },
             "; to change a bundled cause, disable or patch it in \"overrides\" instead "
             "(rules/README.md, Overrides)");
  apply_overrides();

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
        sink(d.after_refs[i].doc)
            .add(d.after_refs[i].pointer, id, "unknown cause \"" + d.after_ids[i] + "\" in after");
        continue;
      }
      d.after.push_back(it->second);
      d.after_slot.push_back(i);
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
    // A step's condition reads probes the cause may never ask; they are not
    // added to its probes (the fix is rendered from what was observed).
    DiagnosticSink& fix_sink = sink(d.fix_doc >= 0 ? d.fix_doc : d.ref.doc);
    ConditionCompiler fix_cc(out_, fix_sink, id);
    for (std::size_t k = 0; k < d.step_when.size(); ++k) {
      std::optional<Condition> compiled;
      if (d.step_when[k] != nullptr) {
        Condition c;
        std::vector<int> unused;
        if (fix_cc.compile(*d.step_when[k], pointer_join(d.step_pointers[k], "when"), 1, &c, &unused))
          compiled = std::move(c);
      }
      d.step_when_compiled.push_back(std::move(compiled));
    }
  }
  check_step_placeholders();
}

}  // namespace rdptriage::internal
