// The client-error intake in rule files: "client_codes" (tables of codes a
// client reports, with the patterns that find them in pasted text) and
// "client_messages" (phrases of client messages). Read, checked against the
// rest of the rules (symptoms, causes, probe domains), and compiled into the
// ClientErrorReader.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "intake/client_error_reader.h"
#include "intake/normalize.h"
#include "rules/compiler.h"
#include "rules/field_reader.h"

namespace rdptriage::internal {
namespace {

constexpr int kMaxPriority = 100;
// The largest count a code pattern may repeat anything ({n}, {n,}, {n,m}).
// Counted repetition is where RE2's costs grow: its program grows with the
// count ([a-z0-9]{1000}) and its DFA exponentially where the repeated part
// overlaps what precedes it ([ab]*a[ab]{24}c takes seconds per megabyte; at
// {12} the DFA has at most a few thousand states, built within the first read).
constexpr long kMaxRepeatCount = 12;

// The largest repetition count written in `regex` ({n}, {n,}, {n,m});
// escaped braces are not repetitions. Nested counts are not multiplied.
long largest_repeat(std::string_view regex) {
  long largest = 0;
  for (std::size_t i = 0; i < regex.size(); ++i) {
    if (regex[i] == '\\') {
      ++i;
      continue;
    }
    if (regex[i] != '{') continue;
    std::size_t j = i + 1;
    long first = 0, second = -1;
    bool digits = false;
    while (j < regex.size() && std::isdigit(static_cast<unsigned char>(regex[j]))) {
      first = std::min(first * 10 + (regex[j] - '0'), 1000000L);
      digits = true;
      ++j;
    }
    if (!digits) continue;
    if (j < regex.size() && regex[j] == ',') {
      ++j;
      while (j < regex.size() && std::isdigit(static_cast<unsigned char>(regex[j]))) {
        second = std::max(second, 0L);
        second = std::min(second * 10 + (regex[j] - '0'), 1000000L);
        ++j;
      }
    }
    if (j < regex.size() && regex[j] == '}') largest = std::max({largest, first, second});
  }
  return largest;
}
constexpr std::size_t kMinPhraseChars = 4;

// Reads an optional "priority" (0..100) into *out.
void read_priority(DiagnosticSink& s, Reader& r, const boost::json::object& obj,
                   const std::string& subject, int* out) {
  const boost::json::value* v = obj.if_contains("priority");
  if (v == nullptr) return;
  if (!v->is_int64() || v->get_int64() < 0 || v->get_int64() > kMaxPriority) {
    s.add(r.at("priority"), subject,
          "priority must be a whole number from 0 to " + std::to_string(kMaxPriority));
    return;
  }
  *out = static_cast<int>(v->get_int64());
}

bool to_value(const boost::json::value& v, ProbeValue* out) {
  if (v.is_bool())
    *out = v.get_bool();
  else if (v.is_number())
    *out = v.to_number<double>();
  else if (v.is_string())
    *out = std::string(v.get_string());
  else
    return false;
  return true;
}

}  // namespace

bool RuleCompiler::charge_program(int doc, const std::string& pointer, const std::string& subject,
                                  int program_size) {
  if (program_budget_spent_) return false;
  client_program_size_ += static_cast<std::size_t>(std::max(program_size, 1));
  if (client_program_size_ <= options_.max_client_program_size) return true;
  // Stop compiling at once: the rest of the files is not compiled either,
  // so a file of thousands of huge patterns fails in the time of the budget.
  program_budget_spent_ = true;
  const JsonDocument& d = docs_[static_cast<std::size_t>(doc)];
  const SourcePos at = d.position(pointer);
  add_error(ErrorCode::kLimitExceeded,
            Diagnostic{d.name(), at.line, at.column, pointer_to_path(pointer), subject,
                       "the client-error patterns, phrases and code names compiled so far "
                       "reach " +
                           std::to_string(client_program_size_) +
                           " RE2 program instructions at this one, over max_client_program_size (" +
                           std::to_string(options_.max_client_program_size) +
                           "); nothing after it was compiled"});
  return false;
}

bool RuleCompiler::check_phrase(int doc, const std::string& pointer, const std::string& subject,
                                const std::string& phrase) {
  ++client_patterns_;
  // A phrase or name compiles to about one instruction per character.
  if (!charge_program(doc, pointer, subject, static_cast<int>(phrase.size()) + 8)) return false;
  std::size_t chars = 0;  // ASCII letters and digits, and other characters (one each)
  for (char c : phrase) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0xC0) ++chars;
  }
  if (chars < kMinPhraseChars) {
    sink(doc).add(pointer, subject,
                  "a phrase needs at least " + std::to_string(kMinPhraseChars) +
                      " letters or digits, or it would match almost anything");
    return false;
  }
  if (phrase_regex(phrase).empty()) {
    sink(doc).add(pointer, subject,
                  "\"*\" stands for words between words: not at either end, not twice in a row");
    return false;
  }
  return true;
}

void RuleCompiler::read_outcome(int doc, const boost::json::object& obj, const std::string& pointer,
                                const std::string& subject, OutcomeDecl* out) {
  Reader r(sink(doc), obj, pointer, subject);
  out->pointer = pointer;
  r.string("symptom", &out->symptom, false);
  r.string("cause", &out->cause, false);
  if (const boost::json::value* v = obj.if_contains("observe")) {
    if (v->is_object())
      out->observe = &v->get_object();
    else
      sink(doc).add(r.at("observe"), subject,
                    "\"observe\" must be an object of probe id -> the value the text shows");
  }
}

void RuleCompiler::read_code_table(int doc, const boost::json::value& v,
                                   const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a client code table");
  if (obj == nullptr) return;
  CodeTableDecl d;
  d.ref = {doc, pointer};
  CodeTable& t = d.table;
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &t.info.id, true);
  r.set_subject(t.info.id);
  const std::string& id = t.info.id;
  if (ok && !valid_id(id, true))
    s.add(r.at("id"), id,
          "code table ids are dotted lower-case names like \"mstsc.disconnect_reason\"");
  s.check_fields(*obj, pointer, id, {"id", "title", "source", "priority", "patterns", "codes"});
  r.string("title", &t.info.title, true);
  r.string("source", &t.info.source, true);
  read_priority(s, r, *obj, id, &t.priority);
  t.info.file = docs_[static_cast<std::size_t>(doc)].name();

  if (const boost::json::array* patterns = r.array("patterns", false)) {
    const RE2::Options options = intake_re2_options(options_.client_pattern_max_mem, false);
    for (std::size_t i = 0; i < patterns->size(); ++i) {
      std::string p_ptr = pointer_join(r.at("patterns"), i);
      CodePattern p;
      p.priority = t.priority;
      std::string regex_ptr = p_ptr;
      if ((*patterns)[i].is_string()) {
        p.regex = std::string((*patterns)[i].get_string());
      } else if (const boost::json::object* po = as_object(s, (*patterns)[i], p_ptr, "a pattern")) {
        s.check_fields(*po, p_ptr, id, {"regex", "priority", "last_wins", "radix"});
        Reader pr(s, *po, p_ptr, id);
        pr.string("regex", &p.regex, true);
        read_priority(s, pr, *po, id, &p.priority);
        pr.boolean("last_wins", &p.last_wins);
        if (const boost::json::value* rv = po->if_contains("radix")) {
          if (!rv->is_int64() || (rv->get_int64() != 10 && rv->get_int64() != 16))
            s.add(pr.at("radix"), id, "radix is 10 or 16 (for numbers without 0x)");
          else
            p.radix = static_cast<int>(rv->get_int64());
        }
        regex_ptr = pr.at("regex");
      } else {
        continue;
      }
      ++client_patterns_;
      if (p.regex.empty() || program_budget_spent_) continue;
      if (const long count = largest_repeat(p.regex); count > kMaxRepeatCount) {
        s.add(regex_ptr, id,
              "repeats something " + std::to_string(count) + " times; at most " +
                  std::to_string(kMaxRepeatCount) +
                  " are allowed, as larger counts make RE2's program (and, after an unbounded "
                  "repetition, its DFA) grow so that reading a text takes seconds: use + or *");
        continue;
      }
      RE2 re(p.regex, options);
      // The cost is measured, not guessed from the text: both programs RE2
      // builds for a pattern it runs with submatches (the reverse one finds
      // where a match starts).
      int size = 0;
      if (re.ok()) {
        const int reverse = re.ReverseProgramSize();
        size = re.ProgramSize() + std::max(reverse, 0);
        if (reverse < 0) {
          if (!charge_program(doc, regex_ptr, id, size)) continue;
          s.add(regex_ptr, id,
                "RE2 cannot compile this pattern's reverse program within "
                "client_pattern_max_mem (" +
                    std::to_string(options_.client_pattern_max_mem) + " bytes)");
          continue;
        }
      }
      if (!charge_program(doc, regex_ptr, id, size)) continue;
      if (!re.ok()) {
        // The error quotes the pattern: a part of it is enough.
        std::string arg = re.error_arg();
        if (arg.size() > 80) arg = arg.substr(0, 77) + "...";
        s.add(regex_ptr, id,
              "not a valid RE2 expression: " + re.error().substr(0, 200) +
                  (arg.empty() ? "" : " (at \"" + arg + "\")"));
        continue;
      }
      p.program_size = static_cast<std::size_t>(size);
      if (!re.NamedCapturingGroups().count("code")) {
        s.add(regex_ptr, id, "a pattern needs a (?P<code>...) group capturing the code");
        continue;
      }
      if (RE2::FullMatch("", re)) {
        s.add(regex_ptr, id, "a pattern must not match empty text");
        continue;
      }
      t.patterns.push_back(std::move(p));
    }
  }

  const boost::json::array* codes = r.array("codes", true);
  if (codes != nullptr && codes->empty()) s.add(r.at("codes"), id, "a code table needs codes");
  std::map<std::uint64_t, std::string> seen;
  for (std::size_t i = 0; codes != nullptr && i < codes->size(); ++i) {
    std::string c_ptr = pointer_join(r.at("codes"), i);
    const boost::json::object* co = as_object(s, (*codes)[i], c_ptr, "a code");
    if (co == nullptr) continue;
    s.check_fields(*co, c_ptr, id,
                   {"code", "name", "aliases", "meaning", "symptom", "cause", "observe"});
    Reader cr(s, *co, c_ptr, id);
    ClientCodeInfo code;
    const boost::json::value* cv = co->if_contains("code");
    if (cv == nullptr) {
      s.require(*co, c_ptr, id, "code");
      continue;
    }
    if (cv->is_string() && parse_code_number(cv->get_string(), 10, &code.value)) {
      code.code = std::string(cv->get_string());
    } else if (cv->is_int64() && cv->get_int64() >= 0) {
      code.value = static_cast<std::uint64_t>(cv->get_int64());
      code.code = std::to_string(code.value);
    } else if (cv->is_uint64()) {
      code.value = cv->get_uint64();
      code.code = std::to_string(code.value);
    } else {
      s.add(cr.at("code"), id,
            "a code is a non-negative number, or a string of decimal digits or 0x-prefixed hex");
      continue;
    }
    auto [it, fresh] = seen.emplace(code.value, c_ptr);
    if (!fresh) {
      s.add(
          cr.at("code"), id,
          "code " + code.code + " is listed twice (first at " + pointer_to_path(it->second) + ")");
      continue;
    }
    cr.set_subject(id + " " + code.code);
    cr.string("name", &code.name, false);
    cr.strings("aliases", &code.aliases, false);
    cr.string("meaning", &code.meaning, true);
    if (!code.name.empty()) check_phrase(doc, cr.at("name"), cr.subject(), code.name);
    for (std::size_t k = 0; k < code.aliases.size(); ++k)
      check_phrase(doc, pointer_join(cr.at("aliases"), k), cr.subject(), code.aliases[k]);
    OutcomeDecl outcome;
    read_outcome(doc, *co, c_ptr, cr.subject(), &outcome);
    t.by_value[code.value] = static_cast<int>(t.info.codes.size());
    t.info.codes.push_back(std::move(code));
    d.outcomes.push_back(std::move(outcome));
    d.code_pointers.push_back(c_ptr);
  }
  if (!id.empty()) code_tables_.push_back(std::move(d));
}

void RuleCompiler::read_client_message(int doc, const boost::json::value& v,
                                       const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a client message");
  if (obj == nullptr) return;
  MessageDecl d;
  d.ref = {doc, pointer};
  MessageEntry& m = d.entry;
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &m.info.id, true);
  r.set_subject(m.info.id);
  const std::string& id = m.info.id;
  if (ok && !valid_id(id, true))
    s.add(r.at("id"), id,
          "message ids are dotted lower-case names like \"mstsc.cant_find_computer\"");
  else if (ok && id.starts_with("symptom."))
    s.add(r.at("id"), id, "\"symptom.\" ids are kept for symptoms' own messages");
  s.check_fields(*obj, pointer, id,
                 {"id", "phrases", "meaning", "symptom", "cause", "observe", "priority",
                  "last_wins", "underlying"});
  r.strings("phrases", &m.info.phrases, true);
  if (obj->contains("phrases") && m.info.phrases.empty() && obj->at("phrases").is_array())
    s.add(r.at("phrases"), id, "a message needs at least one phrase");
  for (std::size_t i = 0; i < m.info.phrases.size(); ++i)
    check_phrase(doc, pointer_join(r.at("phrases"), i), id, m.info.phrases[i]);
  r.string("meaning", &m.info.meaning, true);
  read_priority(s, r, *obj, id, &m.priority);
  r.boolean("last_wins", &m.last_wins);
  r.boolean("underlying", &m.underlying);
  read_outcome(doc, *obj, pointer, id, &d.outcome);
  m.info.file = docs_[static_cast<std::size_t>(doc)].name();
  if (!id.empty()) messages_.push_back(std::move(d));
}

void RuleCompiler::resolve_outcome(int doc, const std::string& subject, const OutcomeDecl& decl,
                                   IntakeOutcome* out) {
  DiagnosticSink& s = sink(doc);
  out->symptom = decl.symptom;
  out->cause = decl.cause;
  const std::string sym_ptr = pointer_join(decl.pointer, "symptom");
  if (!decl.symptom.empty()) {
    if (decl.symptom == "unknown")
      s.add(sym_ptr, subject, "leave \"symptom\" out when the text says nothing about the failure");
    else if (decl.symptom == "ok")
      s.add(sym_ptr, subject, "\"ok\" means the session works; a client error cannot show it");
    else if (!out_.symptom_index.count(decl.symptom))
      s.add(sym_ptr, subject, "unknown symptom \"" + decl.symptom + "\"");
  }
  if (!decl.cause.empty()) {
    const std::string cause_ptr = pointer_join(decl.pointer, "cause");
    auto it = out_.cause_index.find(decl.cause);
    if (it == out_.cause_index.end()) {
      s.add(cause_ptr, subject, "unknown cause \"" + decl.cause + "\"");
    } else if (decl.symptom.empty()) {
      s.add(cause_ptr, subject, "a leading cause needs the symptom it explains (\"symptom\")");
    } else {
      const CauseInfo& c = causes_[static_cast<std::size_t>(it->second)].info;
      auto explains = [&](const std::string& sym) {
        if (sym == decl.symptom) return true;
        auto up = broader_.find(sym);
        return up != broader_.end() && up->second.count(decl.symptom) > 0;
      };
      if (std::none_of(c.symptoms.begin(), c.symptoms.end(), explains))
        s.add(cause_ptr, subject,
              "\"" + decl.cause + "\" does not list symptom \"" + decl.symptom +
                  "\", so it would never be a candidate");
    }
  }
  if (decl.observe == nullptr) return;
  for (const auto& member : *decl.observe) {
    const std::string key(member.key());
    const std::string ptr = pointer_join(pointer_join(decl.pointer, "observe"), key);
    auto it = out_.probe_index.find(key);
    if (it == out_.probe_index.end()) {
      s.add(ptr, subject, "unknown probe \"" + key + "\"");
      continue;
    }
    const Probe& probe = out_.probes[static_cast<std::size_t>(it->second)];
    ProbeValue value;
    if (!to_value(member.value(), &value) || !probe.domain.accepts(value)) {
      s.add(
          ptr, subject,
          "\"" + key + "\" answers " + probe.domain.describe() + "; " +
              std::string(json_kind_name(member.value())) +
              (member.value().is_string() ? " \"" + std::string(member.value().get_string()) + "\""
                                          : "") +
              " is not one of its values");
      continue;
    }
    out->observe.emplace_back(it->second, std::move(value));
  }
}

void RuleCompiler::check_symptom_hierarchy() {
  broader_.clear();
  for (const SymptomDecl& d : symptoms_) {
    const SymptomInfo& info = d.symptom.info;
    for (std::size_t k = 0; k < info.within.size(); ++k) {
      const std::string& parent = info.within[k];
      const std::string ptr = pointer_join(pointer_join(d.ref.pointer, "within"), k);
      auto it = out_.symptom_index.find(parent);
      if (it == out_.symptom_index.end() || parent == "ok") {
        sink(d.ref.doc).add(ptr, info.id, "unknown symptom \"" + parent + "\"");
        continue;
      }
      // Walk up from the parent: reaching this symptom again is a cycle.
      std::vector<std::string> todo{parent};
      std::set<std::string> seen;
      bool cycle = false;
      while (!todo.empty() && !cycle) {
        std::string at = todo.back();
        todo.pop_back();
        if (at == info.id) cycle = true;
        if (!seen.insert(at).second) continue;
        auto up = out_.symptom_index.find(at);
        if (up != out_.symptom_index.end())
          for (const std::string& p :
               symptoms_[static_cast<std::size_t>(up->second)].symptom.info.within)
            todo.push_back(p);
      }
      if (cycle) {
        sink(d.ref.doc).add(ptr, info.id, "\"within\" forms a cycle through \"" + parent + "\"");
        continue;
      }
      broader_[info.id].insert(seen.begin(), seen.end());
    }
  }
}

void RuleCompiler::resolve_intake() {
  check_symptom_hierarchy();
  // Ids: tables and messages share one namespace; names are global.
  std::map<std::string, DeclRef, std::less<>> ids;
  auto claim = [&](const std::string& id, const DeclRef& ref, const char* kind) {
    auto [it, fresh] = ids.emplace(id, ref);
    if (fresh) return true;
    const JsonDocument& other = docs_[static_cast<std::size_t>(it->second.doc)];
    SourcePos p = other.position(it->second.pointer);
    sink(ref.doc).add(pointer_join(ref.pointer, "id"), id,
                      std::string("duplicate ") + kind + " id (first declared at " + other.name() +
                          ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ")");
    return false;
  };
  std::map<std::string, std::pair<int, std::string>> names;  // lower name -> doc, pointer
  IntakeRules intake;
  for (CodeTableDecl& d : code_tables_) {
    if (!claim(d.table.info.id, d.ref, "client code table")) continue;
    for (std::size_t c = 0; c < d.table.info.codes.size(); ++c) {
      ClientCodeInfo& code = d.table.info.codes[c];
      std::vector<std::pair<std::string, std::string>> all;
      if (!code.name.empty()) all.emplace_back(code.name, pointer_join(d.code_pointers[c], "name"));
      for (std::size_t k = 0; k < code.aliases.size(); ++k)
        all.emplace_back(code.aliases[k],
                         pointer_join(pointer_join(d.code_pointers[c], "aliases"), k));
      for (const auto& [name, ptr] : all) {
        auto [it, fresh] = names.emplace(ascii_lower(name), std::make_pair(d.ref.doc, ptr));
        if (fresh) continue;
        const JsonDocument& other = docs_[static_cast<std::size_t>(it->second.first)];
        SourcePos p = other.position(it->second.second);
        sink(d.ref.doc).add(ptr, d.table.info.id + " " + code.code,
                            "the name \"" + name + "\" is already taken (at " + other.name() + ":" +
                                std::to_string(p.line) + ":" + std::to_string(p.column) +
                                "); a name must say one code");
      }
      IntakeOutcome o;
      resolve_outcome(d.ref.doc, d.table.info.id + " " + code.code, d.outcomes[c], &o);
      code.symptom = o.symptom;
      code.cause = o.cause;
      d.table.outcomes.push_back(std::move(o));
    }
    out_.client_table_infos.push_back(d.table.info);
    intake.tables.push_back(std::move(d.table));
  }
  for (SymptomDecl& d : symptoms_) {
    if (d.symptom.info.messages.empty()) continue;
    MessageEntry m;
    m.info.id = "symptom." + d.symptom.info.id;
    m.info.phrases = d.symptom.info.messages;
    m.info.meaning = d.symptom.info.title;
    m.info.symptom = d.symptom.info.id;
    m.outcome.symptom = d.symptom.info.id;
    m.paraphrase.symptom = d.symptom.info.id;
    intake.messages.push_back(std::move(m));
  }
  for (MessageDecl& d : messages_) {
    if (!claim(d.entry.info.id, d.ref, "client message")) continue;
    resolve_outcome(d.ref.doc, d.entry.info.id, d.outcome, &d.entry.outcome);
    d.entry.paraphrase.symptom = d.entry.outcome.symptom;
    d.entry.info.symptom = d.entry.outcome.symptom;
    d.entry.info.cause = d.entry.outcome.cause;
    out_.client_message_infos.push_back(d.entry.info);
    intake.messages.push_back(std::move(d.entry));
  }
  intake_ = std::move(intake);
  if (client_patterns_ > options_.max_client_patterns) {
    std::string file;
    if (!code_tables_.empty())
      file = docs_[static_cast<std::size_t>(code_tables_.back().ref.doc)].name();
    else if (!messages_.empty())
      file = docs_[static_cast<std::size_t>(messages_.back().ref.doc)].name();
    else if (!symptoms_.empty())
      file = docs_[static_cast<std::size_t>(symptoms_.back().ref.doc)].name();
    add_error(ErrorCode::kLimitExceeded,
              Diagnostic{file, 0, 0, "", "",
                         std::to_string(client_patterns_) +
                             " client-error patterns, phrases and code names exceed "
                             "max_client_patterns (" +
                             std::to_string(options_.max_client_patterns) + ")"});
  }
}

Status RuleCompiler::build_reader() {
  IntakeContext context;
  for (const Probe& p : out_.probes) context.probe_ids.push_back(p.info.id);
  for (const Symptom& s : out_.symptoms) context.symptom_causes[s.info.id] = s.causes;
  std::vector<int> all(out_.causes.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  context.symptom_causes["unknown"] = all;
  for (const auto& [id, index] : out_.cause_index) context.cause_index[id] = index;
  for (const auto& [id, up] : broader_) context.broader[id] = up;
  auto reader =
      ClientErrorReader::build(std::move(intake_), std::move(context),
                               options_.client_pattern_max_mem, options_.max_client_dfa_mem);
  if (!reader.ok()) {
    return Status(reader.status().code(), reader.status().message() + "; nothing was loaded",
                  {Diagnostic{"", 0, 0, "", "", reader.status().message()}});
  }
  out_.reader = std::move(reader).value();
  return Status();
}

}  // namespace rdptriage::internal
