// Reading and checking what the planner uses besides causes: channel
// sessions (probes one invocation answers together, with the session's
// cost) and layer gates (evidence that clears whole stages of the path).
#include <algorithm>
#include <cstdio>
#include <set>

#include "rules/compiler.h"
#include "rules/field_reader.h"

namespace rdptriage::internal {
namespace {

constexpr int kStageCount = static_cast<int>(Stage::kSession) + 1;

std::string location_of(const JsonDocument& doc, const std::string& pointer) {
  SourcePos p = doc.position(pointer);
  return doc.name() + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

}  // namespace

void RuleCompiler::read_session(int doc, const boost::json::value& v, const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a session");
  if (obj == nullptr) return;
  SessionDecl d;
  d.ref = {doc, pointer};
  d.info.file = docs_[static_cast<std::size_t>(doc)].name();
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &d.info.id, true);
  r.set_subject(d.info.id);
  if (ok && !valid_id(d.info.id, false))
    s.add(r.at("id"), d.info.id, "session ids are lower-case words like \"run_command\"");
  s.check_fields(*obj, pointer, d.info.id, {"id", "title", "channel", "cost_s", "probes"});
  r.string("title", &d.info.title, true);
  std::string channel;
  if (r.string("channel", &channel, true) && !parse_channel(channel, &d.info.channel))
    s.add(r.at("channel"), d.info.id, "unknown channel \"" + channel + "\"");
  if (r.number("cost_s", &d.info.cost_s, true) && (!(d.info.cost_s > 0) || d.info.cost_s > 86400))
    s.add(r.at("cost_s"), d.info.id, "cost_s must be greater than 0 (seconds, at most a day)");
  r.strings("probes", &d.members, true);
  if (obj->contains("probes") && d.members.empty() && obj->at("probes").is_array())
    s.add(r.at("probes"), d.info.id, "a session needs at least one member probe");
  if (!d.info.id.empty()) sessions_.push_back(std::move(d));
}

void RuleCompiler::read_gate(int doc, const boost::json::value& v, const std::string& pointer) {
  DiagnosticSink& s = sink(doc);
  const boost::json::object* obj = as_object(s, v, pointer, "a gate");
  if (obj == nullptr) return;
  GateDecl d;
  d.ref = {doc, pointer};
  d.info.file = docs_[static_cast<std::size_t>(doc)].name();
  Reader r(s, *obj, pointer, "");
  bool ok = r.string("id", &d.info.id, true);
  r.set_subject(d.info.id);
  if (ok && !valid_id(d.info.id, false))
    s.add(r.at("id"), d.info.id, "gate ids are lower-case words like \"listener_answered\"");
  s.check_fields(*obj, pointer, d.info.id,
                 {"id", "title", "explanation", "when", "clears", "except", "sources"});
  r.string("title", &d.info.title, true);
  r.string("explanation", &d.info.explanation, true);
  d.when = obj->if_contains("when");
  if (d.when == nullptr) s.require(*obj, pointer, d.info.id, "when");
  std::vector<std::string> stages;
  r.strings("clears", &stages, true);
  if (obj->contains("clears") && stages.empty() && obj->at("clears").is_array())
    s.add(r.at("clears"), d.info.id, "a gate must clear at least one stage");
  std::set<Stage> seen;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    Stage st;
    if (!parse_stage(stages[i], &st)) {
      s.add(pointer_join(r.at("clears"), i), d.info.id,
            "unknown stage \"" + stages[i] +
                "\" (client, platform, network, listener, channel, logon, session)");
    } else if (!seen.insert(st).second) {
      s.add(pointer_join(r.at("clears"), i), d.info.id, "stage \"" + stages[i] + "\" twice");
    } else {
      d.info.clears.push_back(st);
    }
  }
  std::sort(d.info.clears.begin(), d.info.clears.end());
  r.strings("except", &d.info.except, false);
  // Seed sections or public pages (learn.microsoft.com), as for causes.
  const boost::json::value* sources = obj->if_contains("sources");
  read_sources(s, sources, r.at("sources"), d.info.id, true, &d.info.sources);
  if (sources != nullptr && sources->is_array() && sources->get_array().empty())
    s.add(r.at("sources"), d.info.id, "a gate needs at least one source");
  if (!d.info.id.empty()) gates_.push_back(std::move(d));
}

void RuleCompiler::resolve_planning() {
  dedupe(sessions_, "session", [](const SessionDecl& d) { return d.info.id; });
  std::vector<int> member_of(out_.probes.size(), -1);
  for (std::size_t si = 0; si < sessions_.size(); ++si) {
    SessionDecl& d = sessions_[si];
    DiagnosticSink& s = sink(d.ref.doc);
    const std::string members_ptr = pointer_join(d.ref.pointer, "probes");
    for (std::size_t k = 0; k < d.members.size(); ++k) {
      const std::string& m = d.members[k];
      const std::string ptr = pointer_join(members_ptr, k);
      std::vector<int> matched;
      if (m.size() > 2 && m.ends_with(".*")) {
        const std::string prefix = m.substr(0, m.size() - 1);
        for (const auto& [id, index] : out_.probe_index)
          if (id.starts_with(prefix)) matched.push_back(index);
        if (matched.empty()) s.add(ptr, d.info.id, "\"" + m + "\" matches no probe");
      } else if (auto it = out_.probe_index.find(m); it != out_.probe_index.end()) {
        matched.push_back(it->second);
      } else {
        s.add(ptr, d.info.id, "unknown probe \"" + m + "\"");
      }
      for (int p : matched) {
        Probe& probe = out_.probes[static_cast<std::size_t>(p)];
        if (probe.info.channel != d.info.channel) {
          s.add(ptr, d.info.id,
                "probe \"" + probe.info.id + "\" runs on the " +
                    std::string(channel_name(probe.info.channel)) + " channel, not the session's " +
                    std::string(channel_name(d.info.channel)));
          continue;
        }
        int& owner = member_of[static_cast<std::size_t>(p)];
        if (owner == static_cast<int>(si)) continue;  // listed twice in one session
        if (owner >= 0) {
          const SessionDecl& first = sessions_[static_cast<std::size_t>(owner)];
          s.add(ptr, d.info.id,
                "probe \"" + probe.info.id + "\" is already in session \"" + first.info.id +
                    "\" (" +
                    location_of(docs_[static_cast<std::size_t>(first.ref.doc)], first.ref.pointer) +
                    ")");
          continue;
        }
        // A member's own cost is what one more read adds once the session
        // is open; one as dear as the session itself would charge the
        // session twice (a 45 s Run Command read inside a 45 s script).
        if (!(probe.info.cost_s < d.info.cost_s)) {
          const ProbeDecl& pd = probes_[static_cast<std::size_t>(p)];
          char own[32], whole[32];
          std::snprintf(own, sizeof own, "%g", probe.info.cost_s);
          std::snprintf(whole, sizeof whole, "%g", d.info.cost_s);
          sink(pd.ref.doc)
              .add(pointer_join(pd.ref.pointer, "cost_s"), probe.info.id,
                   "cost_s " + std::string(own) + " is this probe's own cost inside session \"" +
                       d.info.id + "\" (" +
                       location_of(docs_[static_cast<std::size_t>(d.ref.doc)], d.ref.pointer) +
                       "), which costs " + whole +
                       " s to open: a member's cost_s must be less than its session's (what one "
                       "more read adds once the session is open), or the session is charged "
                       "twice");
          continue;
        }
        owner = static_cast<int>(si);
        probe.session = static_cast<int>(si);
        probe.info.session = d.info.id;
        d.info.probes.push_back(probe.info.id);
      }
    }
  }

  dedupe(gates_, "gate", [](const GateDecl& d) { return d.info.id; });
  for (GateDecl& d : gates_) {
    DiagnosticSink& s = sink(d.ref.doc);
    if (d.when != nullptr) {
      ConditionCompiler cc(out_, s, d.info.id);
      d.valid =
          cc.compile(*d.when, pointer_join(d.ref.pointer, "when"), 1, &d.when_compiled, &d.probes);
      std::sort(d.probes.begin(), d.probes.end());
      d.probes.erase(std::unique(d.probes.begin(), d.probes.end()), d.probes.end());
      for (int p : d.probes)
        d.info.probes.push_back(out_.probes[static_cast<std::size_t>(p)].info.id);
    }
    for (std::size_t k = 0; k < d.info.except.size(); ++k) {
      const std::string ptr = pointer_join(pointer_join(d.ref.pointer, "except"), k);
      auto it = out_.cause_index.find(d.info.except[k]);
      if (it == out_.cause_index.end()) {
        s.add(ptr, d.info.id, "unknown cause \"" + d.info.except[k] + "\" in except");
        continue;
      }
      const CauseInfo& cause = causes_[static_cast<std::size_t>(it->second)].info;
      if (!std::binary_search(d.info.clears.begin(), d.info.clears.end(), cause.stage))
        s.add(ptr, d.info.id,
              "\"" + cause.id + "\" acts at the " + std::string(stage_name(cause.stage)) +
                  " stage, which this gate does not clear: the exception means nothing");
    }
  }
}

void RuleCompiler::emit_planning() {
  for (SessionDecl& d : sessions_) {
    Session session;
    session.info = d.info;
    for (const std::string& id : d.info.probes) session.probes.push_back(out_.probe_index.at(id));
    out_.session_infos.push_back(d.info);
    out_.sessions.push_back(std::move(session));
  }
  for (GateDecl& d : gates_) {
    if (!d.valid) continue;
    Gate gate;
    gate.info = d.info;
    gate.when = std::move(d.when_compiled);
    gate.probes = d.probes;
    gate.clears_stage.assign(kStageCount, false);
    for (Stage st : d.info.clears) gate.clears_stage[static_cast<std::size_t>(st)] = true;
    for (const std::string& id : d.info.except) gate.except.push_back(out_.cause_index.at(id));
    std::sort(gate.except.begin(), gate.except.end());
    out_.gate_infos.push_back(gate.info);
    out_.gates.push_back(std::move(gate));
  }
}

}  // namespace rdptriage::internal
