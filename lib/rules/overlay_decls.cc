// Overrides: how a rule file changes causes and probes it does not own
// (disable a cause or probe, patch named fields of a cause, place a cause
// before or after another). Read with the other declarations, applied once
// causes are deduplicated and before any reference is resolved, so every
// later check sees the changed rules. Every change keeps where it was
// written (RuleChange); references to a disabled cause are dropped with a
// note. rules/README.md, "Overrides", describes the format.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "engine/safe_text.h"
#include "rules/compiler.h"
#include "rules/field_reader.h"

namespace rdptriage {

std::string RuleChange::describe() const {
  // Ids and fields are checked at load; the file name and the reason are
  // whatever the host gave.
  std::string where = internal::terminal_safe(file);
  if (line > 0) where += ":" + std::to_string(line) + ":" + std::to_string(column);
  std::string what;
  if (kind == "disable_cause" || kind == "disable_probe")
    what = "disabled";
  else if (kind == "order")
    what = "placed " + field + " " + value;
  else
    what = field + " set";
  std::string out = what + " by " + where;
  if (!reason.empty()) out += " (" + internal::terminal_safe(reason) + ")";
  return out;
}

namespace internal {
namespace {

constexpr const char* kDisableCause = "disable_cause";
constexpr const char* kDisableProbe = "disable_probe";

}  // namespace

std::string RuleCompiler::location(const DeclRef& ref, const std::string& member) const {
  const JsonDocument& doc = docs_[static_cast<std::size_t>(ref.doc)];
  SourcePos p = doc.position(member.empty() ? ref.pointer : pointer_join(ref.pointer, member));
  return doc.name() + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

void RuleCompiler::add_note(const DeclRef& ref, const std::string& subject,
                            const std::string& message) {
  DiagnosticSink scratch(docs_[static_cast<std::size_t>(ref.doc)]);
  scratch.add(ref.pointer, subject, message);
  out_.notes.push_back(scratch.diagnostics().back());
}

RuleChange RuleCompiler::change_at(const OverrideDecl& o, const std::string& kind,
                                   const std::string& pointer, const std::string& field,
                                   const std::string& value) {
  const JsonDocument& doc = docs_[static_cast<std::size_t>(o.ref.doc)];
  SourcePos p = doc.position(pointer);
  RuleChange c;
  c.kind = kind;
  c.target = o.target;
  c.field = field;
  c.value = value;
  c.reason = o.reason;
  c.file = doc.name();
  c.line = p.line;
  c.column = p.column;
  c.path = pointer_to_path(pointer);
  return c;
}

void RuleCompiler::read_override(int doc, const boost::json::value& v, const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "an override");
  if (obj == nullptr) return;
  OverrideDecl o;
  o.ref = {doc, pointer};
  Reader r(s, *obj, pointer, "");
  const int kinds = static_cast<int>(obj->contains(kDisableCause)) +
                    static_cast<int>(obj->contains(kDisableProbe)) +
                    static_cast<int>(obj->contains("cause"));
  if (kinds != 1) {
    s.add(pointer, "",
          "an override names exactly one of \"cause\" (to patch or place it), \"disable_cause\" "
          "or \"disable_probe\"");
    return;
  }
  r.string("reason", &o.reason, false);
  if (obj->contains(kDisableCause) || obj->contains(kDisableProbe)) {
    const bool cause = obj->contains(kDisableCause);
    o.kind = cause ? OverrideDecl::Kind::kDisableCause : OverrideDecl::Kind::kDisableProbe;
    const char* key = cause ? kDisableCause : kDisableProbe;
    if (!r.string(key, &o.target, true)) return;
    r.set_subject(o.target);
    s.check_fields(*obj, pointer, o.target, {key, "reason"});
    overrides_.push_back(std::move(o));
    return;
  }
  o.kind = OverrideDecl::Kind::kPatch;
  if (!r.string("cause", &o.target, true)) return;
  r.set_subject(o.target);
  s.check_fields(*obj, pointer, o.target,
                 {"cause", "reason", "title", "explanation", "likelihood", "fix", "warnings",
                  "before", "after"});
  for (const char* field : {"title", "explanation", "likelihood"}) {
    if (!obj->contains(field)) continue;
    std::string value;
    if (r.string(field, &value, true)) o.text_fields[field] = value;
  }
  if (auto it = o.text_fields.find("likelihood");
      it != o.text_fields.end() && it->second != "common" && it->second != "occasional" &&
      it->second != "rare")
    s.add(r.at("likelihood"), o.target, "likelihood must be common, occasional or rare");
  if (auto it = o.text_fields.find("explanation"); it != o.text_fields.end())
    check_placeholders(doc, r.at("explanation"), o.target, it->second);
  if (obj->contains("warnings")) {
    std::vector<std::string> warnings;
    if (r.strings("warnings", &warnings, true)) o.warnings = std::move(warnings);
  }
  if (const boost::json::array* fix = r.array("fix", false)) {
    o.has_fix = true;
    o.steps.info.id = o.target;
    o.steps.ref = o.ref;
    o.steps.fix_doc = doc;
    if (fix->empty()) s.add(r.at("fix"), o.target, "a fix needs at least one step");
    for (std::size_t i = 0; i < fix->size(); ++i)
      read_fix_step(doc, (*fix)[i], pointer_join(r.at("fix"), i), &o.steps);
  }
  r.strings("before", &o.before, false);
  r.strings("after", &o.after, false);
  if (o.text_fields.empty() && !o.warnings && !o.has_fix && o.before.empty() && o.after.empty() &&
      !obj->contains("fix") && !obj->contains("warnings"))
    s.add(pointer, o.target,
          "the override changes nothing: set title, explanation, likelihood, fix or warnings, "
          "or place the cause with before or after");
  overrides_.push_back(std::move(o));
}

void RuleCompiler::apply_overrides() {
  if (overrides_.empty()) return;
  auto cause_of = [&](const std::string& id) -> int {
    auto it = out_.cause_index.find(id);
    return it == out_.cause_index.end() ? -1 : it->second;
  };
  // Pass 1: targets exist; at most one disable of each; disables recorded.
  std::map<int, std::size_t> disabled_causes;  // cause index -> override
  std::map<int, std::size_t> disabled_probes;  // probe index -> override
  for (std::size_t i = 0; i < overrides_.size(); ++i) {
    OverrideDecl& o = overrides_[i];
    DiagnosticSink& s = sink(o.ref.doc);
    if (o.kind == OverrideDecl::Kind::kDisableProbe) {
      const std::string ptr = pointer_join(o.ref.pointer, kDisableProbe);
      auto it = out_.probe_index.find(o.target);
      if (it == out_.probe_index.end()) {
        s.add(ptr, o.target, "unknown probe \"" + o.target + "\": nothing to disable");
        continue;
      }
      auto [at, fresh] = disabled_probes.emplace(it->second, i);
      if (!fresh)
        s.add(ptr, o.target,
              "probe \"" + o.target + "\" is already disabled at " +
                  location(overrides_[at->second].ref, kDisableProbe));
      continue;
    }
    const bool disable = o.kind == OverrideDecl::Kind::kDisableCause;
    const std::string ptr = pointer_join(o.ref.pointer, disable ? kDisableCause : "cause");
    const int c = cause_of(o.target);
    if (c < 0) {
      s.add(ptr, o.target,
            "unknown cause \"" + o.target + "\": an override changes a cause some rule file " +
                "declares (the bundled rules or another file)");
      continue;
    }
    if (!disable) continue;
    auto [at, fresh] = disabled_causes.emplace(c, i);
    if (!fresh)
      s.add(ptr, o.target,
            "cause \"" + o.target + "\" is already disabled at " +
                location(overrides_[at->second].ref, kDisableCause));
  }

  // Pass 2: patches and orderings. A field of a cause is set by at most one
  // override in all files: a second is refused, naming the first (which
  // one should win is the host's call, not load order's).
  std::map<std::pair<int, std::string>, std::size_t> setters;
  // The override that made each entry of out_.changes: patches are applied
  // before disables, but the list is kept in load order.
  std::vector<std::size_t> made_by;
  for (std::size_t i = 0; i < overrides_.size(); ++i) {
    OverrideDecl& o = overrides_[i];
    if (o.kind != OverrideDecl::Kind::kPatch) continue;
    const int c = cause_of(o.target);
    if (c < 0) continue;
    DiagnosticSink& s = sink(o.ref.doc);
    if (auto d = disabled_causes.find(c); d != disabled_causes.end()) {
      s.add(pointer_join(o.ref.pointer, "cause"), o.target,
            "cause \"" + o.target + "\" is disabled at " +
                location(overrides_[d->second].ref, kDisableCause) +
                ": a disabled cause cannot also be patched or placed; drop one of the two");
      continue;
    }
    CauseDecl& cause = causes_[static_cast<std::size_t>(c)];
    auto claim = [&](const std::string& field) {
      auto [at, fresh] = setters.emplace(std::make_pair(c, field), i);
      if (fresh) return true;
      s.add(pointer_join(o.ref.pointer, field), o.target,
            "\"" + field + "\" of \"" + o.target + "\" is already set by the override at " +
                location(overrides_[at->second].ref, field) +
                "; two overrides may not set the same field of a cause: keep one");
      return false;
    };
    auto record = [&](RuleChange change) {
      cause.info.changes.push_back(change);
      out_.changes.push_back(std::move(change));
      made_by.push_back(i);
    };
    for (const auto& [field, value] : o.text_fields) {
      if (!claim(field)) continue;
      if (field == "title")
        cause.info.title = value;
      else if (field == "explanation")
        cause.info.explanation = value;
      else
        cause.info.likelihood = value;
      record(change_at(o, "set", pointer_join(o.ref.pointer, field), field,
                       field == "explanation" ? "" : value));
    }
    if (o.warnings && claim("warnings")) {
      cause.info.warnings = *o.warnings;
      record(change_at(o, "set", pointer_join(o.ref.pointer, "warnings"), "warnings", ""));
    }
    if (o.has_fix && claim("fix")) {
      cause.info.fix = std::move(o.steps.info.fix);
      cause.step_when = std::move(o.steps.step_when);
      cause.step_pointers = std::move(o.steps.step_pointers);
      cause.fix_doc = o.ref.doc;
      record(change_at(o, "set", pointer_join(o.ref.pointer, "fix"), "fix", ""));
    }
    // Orderings: "before": [y] makes y come after this cause; "after": [y]
    // makes this cause come after y. Unknown ids are errors; disabled ones
    // are dropped below with the other references.
    for (const char* side : {"before", "after"}) {
      const std::vector<std::string>& others = std::string(side) == "before" ? o.before : o.after;
      for (std::size_t k = 0; k < others.size(); ++k) {
        const std::string ptr = pointer_join(pointer_join(o.ref.pointer, side), k);
        const int other = cause_of(others[k]);
        if (other < 0) {
          s.add(ptr, o.target, "unknown cause \"" + others[k] + "\" in " + side);
          continue;
        }
        if (other == c) {
          s.add(ptr, o.target, "a cause cannot be placed " + std::string(side) + " itself");
          continue;
        }
        if (auto d = disabled_causes.find(other); d != disabled_causes.end()) {
          add_note({o.ref.doc, ptr}, o.target,
                   "\"" + others[k] + "\" is disabled at " +
                       location(overrides_[d->second].ref, kDisableCause) +
                       ": this ordering was dropped");
          continue;
        }
        const bool before = std::string(side) == "before";
        CauseDecl& later = causes_[static_cast<std::size_t>(before ? other : c)];
        later.after_ids.push_back(before ? o.target : others[k]);
        later.after_refs.push_back({o.ref.doc, ptr});
        later.after_from_override.push_back(true);
        record(change_at(o, "order", ptr, side, others[k]));
      }
    }
  }

  // Disables: record them, drop every reference to a disabled cause with a
  // note, then remove the causes.
  std::set<std::string, std::less<>> gone;
  for (const auto& [c, i] : disabled_causes) {
    const CauseInfo& info = causes_[static_cast<std::size_t>(c)].info;
    gone.insert(info.id);
    out_.disabled_cause_symptoms[info.id] = info.symptoms;
    (void)i;
  }
  for (std::size_t i = 0; i < overrides_.size(); ++i) {
    const OverrideDecl& o = overrides_[i];
    if (o.kind == OverrideDecl::Kind::kDisableCause) {
      const int c = cause_of(o.target);
      if (c >= 0 && disabled_causes.at(c) == i) {
        out_.changes.push_back(
            change_at(o, kDisableCause, pointer_join(o.ref.pointer, kDisableCause), "", ""));
        made_by.push_back(i);
      }
    } else if (o.kind == OverrideDecl::Kind::kDisableProbe) {
      auto it = out_.probe_index.find(o.target);
      if (it == out_.probe_index.end() || disabled_probes.at(it->second) != i) continue;
      RuleChange change =
          change_at(o, kDisableProbe, pointer_join(o.ref.pointer, kDisableProbe), "", "");
      Probe& probe = out_.probes[static_cast<std::size_t>(it->second)];
      probe.info.disabled = true;
      probe.info.changes.push_back(change);
      out_.changes.push_back(std::move(change));
      made_by.push_back(i);
    }
  }
  std::vector<std::size_t> by_load(out_.changes.size());
  for (std::size_t k = 0; k < by_load.size(); ++k) by_load[k] = k;
  std::stable_sort(by_load.begin(), by_load.end(),
                   [&](std::size_t a, std::size_t b) { return made_by[a] < made_by[b]; });
  std::vector<RuleChange> ordered;
  for (std::size_t k : by_load) ordered.push_back(std::move(out_.changes[k]));
  out_.changes = std::move(ordered);
  if (gone.empty()) return;
  auto why = [&](const std::string& id) {
    const int c = cause_of(id);
    return "\"" + id + "\" is disabled at " +
           location(overrides_[disabled_causes.at(c)].ref, kDisableCause);
  };
  for (CauseDecl& d : causes_) {
    if (gone.count(d.info.id)) continue;
    for (std::size_t k = d.after_ids.size(); k-- > 0;) {
      if (!gone.count(d.after_ids[k])) continue;
      add_note(d.after_refs[k], d.info.id,
               why(d.after_ids[k]) + ": dropped from the order of \"" + d.info.id + "\"");
      d.after_ids.erase(d.after_ids.begin() + static_cast<std::ptrdiff_t>(k));
      d.after_refs.erase(d.after_refs.begin() + static_cast<std::ptrdiff_t>(k));
      d.after_from_override.erase(d.after_from_override.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  for (GateDecl& g : gates_) {
    std::vector<std::string> kept;
    for (std::size_t k = 0; k < g.info.except.size(); ++k) {
      if (!gone.count(g.info.except[k])) {
        kept.push_back(g.info.except[k]);
        continue;
      }
      add_note({g.ref.doc, pointer_join(pointer_join(g.ref.pointer, "except"), k)}, g.info.id,
               why(g.info.except[k]) + ": dropped from the gate's exceptions");
    }
    g.info.except = std::move(kept);
  }
  auto drop_outcome = [&](int doc, OutcomeDecl& out, const std::string& subject) {
    if (out.cause.empty() || !gone.count(out.cause)) return;
    add_note({doc, pointer_join(out.pointer, "cause")}, subject,
             why(out.cause) + ": no longer the leading cause (the symptom still counts)");
    out.cause.clear();
  };
  for (CodeTableDecl& t : code_tables_)
    for (std::size_t k = 0; k < t.outcomes.size(); ++k)
      drop_outcome(t.ref.doc, t.outcomes[k], t.table.info.id + " " + t.table.info.codes[k].code);
  for (MessageDecl& m : messages_) drop_outcome(m.ref.doc, m.outcome, m.entry.info.id);

  std::vector<CauseDecl> kept;
  for (CauseDecl& d : causes_)
    if (!gone.count(d.info.id)) kept.push_back(std::move(d));
  causes_ = std::move(kept);
  out_.cause_index.clear();
  for (std::size_t i = 0; i < causes_.size(); ++i)
    out_.cause_index[causes_[i].info.id] = static_cast<int>(i);
}

}  // namespace internal
}  // namespace rdptriage
