// Overrides: a rule file disables, patches and orders causes (and disables
// probes) it does not own; every change keeps its file:line:col, references
// to a disabled cause are dropped with a note, and every misuse is one clear
// diagnostic at the override.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "rdptriage/report.h"
#include "rdptriage/rules.h"
#include "rdptriage/triage.h"
#include "support/expect_problem.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using testing::expect_problem;
using testing::MapAdapter;
using testing::V;

// A small "bundled" set: three listener causes in a chain of load order, a
// gate excepting one, a client code and message naming one.
constexpr const char* kBase = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.a", "title": "a", "channel": "client", "cost_s": 0.1,
     "result": {"type": "bool"}, "how": "look at a"},
    {"id": "p.b", "title": "b", "channel": "run_command", "cost_s": 45,
     "result": {"type": "bool"}, "how": "ask b", "fallback": "p.b2"},
    {"id": "p.b2", "title": "b again", "channel": "serial_console", "cost_s": 120,
     "result": {"type": "bool"}, "how": "ask b on the console"},
    {"id": "p.c", "title": "c", "channel": "control_plane", "cost_s": 3,
     "result": {"type": "bool"}, "how": "read c"},
    {"id": "p.gate", "title": "gate", "channel": "client", "cost_s": 0.1,
     "result": {"type": "bool"}, "how": "look at the gate"}
  ],
  "symptoms": [{"id": "s1", "title": "one"}, {"id": "ok", "title": "works"}],
  "rules": [
    {"id": "service.first", "layer": "service", "stage": "listener", "title": "first",
     "explanation": "e1", "symptoms": ["s1"], "confirm": {"probe": "p.a", "eq": true},
     "confirm_text": "a", "fix": [{"text": "fix first"}],
     "sources": [{"seed": "003", "section": "x"}]},
    {"id": "service.second", "layer": "service", "stage": "listener", "title": "second",
     "explanation": "e2", "symptoms": ["s1"], "after": ["service.first"],
     "confirm": {"probe": "p.b", "eq": true}, "confirm_text": "b",
     "fix": [{"text": "fix second"}], "warnings": ["careful"], "likelihood": "common",
     "sources": [{"seed": "003", "section": "x"}]},
    {"id": "guest.third", "layer": "guest", "stage": "session", "title": "third",
     "explanation": "e3", "symptoms": ["s1"], "confirm": {"probe": "p.c", "eq": true},
     "confirm_text": "c", "fix": [{"text": "fix third"}],
     "sources": [{"seed": "003", "section": "x"}]}
  ],
  "gates": [
    {"id": "gate1", "title": "g", "explanation": "g", "clears": ["listener"],
     "when": {"probe": "p.gate", "eq": true}, "except": ["service.second"],
     "sources": [{"seed": "003", "section": "x"}]}
  ],
  "client_codes": [
    {"id": "test.codes", "title": "codes", "source": "test",
     "codes": [{"code": "0x1", "meaning": "one", "symptom": "s1", "cause": "service.second"}]}
  ],
  "client_messages": [
    {"id": "test.msg", "phrases": ["second is broken"], "meaning": "m", "symptom": "s1",
     "cause": "service.second"}
  ]})";

std::string overlay(const std::string& overrides, const std::string& extra = "") {
  return R"({"schema": "rdptriage.rules/1", )" + extra + R"("overrides": [)" + overrides + "]}";
}

StatusOr<RuleSet> load(const std::vector<std::string>& overlays, const LoadOptions& options = {}) {
  std::vector<std::pair<std::string, std::string>> docs{{"base.json", kBase}};
  for (std::size_t i = 0; i < overlays.size(); ++i)
    docs.emplace_back("site" + std::to_string(i + 1) + ".json", overlays[i]);
  return RuleSet::load_documents(docs, options);
}

std::vector<std::string> order_of(const RuleSet& r) {
  std::vector<std::string> ids;
  for (const CauseInfo& c : r.causes()) ids.push_back(c.id);
  return ids;
}

bool has_note(const RuleSet& r, const std::string& fragment, const std::string& file, int line) {
  return std::any_of(r.notes().begin(), r.notes().end(), [&](const Diagnostic& d) {
    return d.message.find(fragment) != std::string::npos && d.file == file && d.line == line;
  });
}

TEST_CASE("without overrides nothing is changed and nothing is noted") {
  auto r = load({});
  REQUIRE(r.ok());
  CHECK(r->changes().empty());
  CHECK(r->notes().empty());
  for (const CauseInfo& c : r->causes()) CHECK(c.changes.empty());
  CHECK(order_of(*r) == std::vector<std::string>{"service.first", "service.second", "guest.third"});
}

TEST_CASE("disabling a cause removes it and drops every reference to it with a note") {
  // Line 2 holds the disable; the notes point where the references were.
  auto r =
      load({"{\"schema\": \"rdptriage.rules/1\", \"overrides\": [\n"
            "  {\"disable_cause\": \"service.second\", \"reason\": \"not on our estate\"}]}"});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->find_cause("service.second") == nullptr);
  CHECK(order_of(*r) == std::vector<std::string>{"service.first", "guest.third"});
  REQUIRE(r->changes().size() == 1);
  const RuleChange& c = r->changes()[0];
  CHECK(c.kind == "disable_cause");
  CHECK(c.target == "service.second");
  CHECK(c.file == "site1.json");
  CHECK(c.line == 2);
  CHECK(c.column > 1);
  CHECK(c.path == "overrides[0].disable_cause");
  CHECK(c.describe() ==
        "disabled by site1.json:2:" + std::to_string(c.column) + " (not on our estate)");
  // The gate's exception, the client code's and the message's leading cause.
  REQUIRE(r->notes().size() == 3);
  for (const Diagnostic& n : r->notes()) {
    CHECK(n.file == "base.json");
    CHECK(n.line > 0);
    CHECK(n.message.find("\"service.second\" is disabled at site1.json:2:") == 0);
  }
  REQUIRE(r->gates().size() == 1);
  CHECK(r->gates()[0].except.empty());
  REQUIRE(r->client_code_tables().size() == 1);
  CHECK(r->client_code_tables()[0].codes[0].cause.empty());
  CHECK(r->client_code_tables()[0].codes[0].symptom == "s1");
  REQUIRE(r->client_messages().size() >= 1);
  for (const ClientMessageInfo& m : r->client_messages()) CHECK(m.cause.empty());
}

TEST_CASE("an \"after\" naming a disabled cause is dropped with a note at that reference") {
  auto r = load({overlay(R"({"disable_cause": "service.first"})")});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(order_of(*r) == std::vector<std::string>{"service.second", "guest.third"});
  const std::string base = kBase;
  const auto at = base.find(R"("after": ["service.first"])");
  const int line = static_cast<int>(std::count(base.begin(), base.begin() + at, '\n')) + 1;
  CHECK(has_note(*r, "dropped from the order of \"service.second\"", "base.json", line));
}

TEST_CASE("disabling a probe keeps it declared but never asked; its fallback answers") {
  auto r = load({overlay(R"({"disable_probe": "p.b", "reason": "no Run Command here"})")});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  const ProbeInfo* p = r->find_probe("p.b");
  REQUIRE(p != nullptr);
  CHECK(p->disabled);
  REQUIRE(p->changes.size() == 1);
  CHECK(p->changes[0].kind == "disable_probe");
  CHECK_FALSE(r->find_probe("p.b2")->disabled);

  Triage triage = Triage::from_rules(*r);
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"p.a", V(false)}, {"p.b", V(true)}, {"p.b2", V(true)}, {"p.gate", V(false)}});
  EvaluateRequest req;
  req.symptom = "s1";
  req.adapters.push_back(adapter);
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  const auto calls = adapter->calls();
  CHECK(std::find(calls.begin(), calls.end(), "p.b") == calls.end());
  CHECK(std::find(calls.begin(), calls.end(), "p.b2") != calls.end());
  CHECK(report->status == Verdict::kConfirmed);
  CHECK(report->cause == "service.second");
  CHECK(report->disabled == std::vector<std::string>{"p.b"});
}

TEST_CASE("a patch replaces named fields and each change says where it was made") {
  auto r =
      load({"{\"schema\": \"rdptriage.rules/1\", \"overrides\": [\n"
            "  {\"cause\": \"service.second\",\n"
            "   \"title\": \"Second, as Acme sees it\",\n"
            "   \"likelihood\": \"rare\",\n"
            "   \"explanation\": \"Acme's agent on {vm} holds it\",\n"
            "   \"warnings\": [\"call the Acme on-call first\"],\n"
            "   \"fix\": [{\"text\": \"restart the agent\", \"command\": "
            "\"Restart-Service AcmeAgent\", \"shell\": \"powershell\", \"runs\": "
            "\"run_command\", \"effects\": [\"restarts_service\"], \"when\": "
            "{\"probe\": \"p.c\", \"eq\": true}}]}]}"});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  const CauseInfo* c = r->find_cause("service.second");
  REQUIRE(c != nullptr);
  CHECK(c->title == "Second, as Acme sees it");
  CHECK(c->likelihood == "rare");
  CHECK(c->explanation == "Acme's agent on {vm} holds it");
  CHECK(c->warnings == std::vector<std::string>{"call the Acme on-call first"});
  REQUIRE(c->fix.size() == 1);
  CHECK(c->fix[0].command == "Restart-Service AcmeAgent");
  CHECK(c->fix[0].conditional);
  CHECK(c->file == "base.json");  // the cause is still the bundled one
  REQUIRE(c->changes.size() == 5);
  std::map<std::string, RuleChange> by_field;
  for (const RuleChange& ch : c->changes) by_field[ch.field] = ch;
  // Positions are those of the new values.
  CHECK(by_field.at("title").line == 3);
  CHECK(by_field.at("title").column == 13);
  CHECK(by_field.at("title").describe() == "title set by site1.json:3:13");
  CHECK(by_field.at("title").value == "Second, as Acme sees it");
  CHECK(by_field.at("likelihood").line == 4);
  CHECK(by_field.at("explanation").line == 5);
  CHECK(by_field.at("warnings").line == 6);
  CHECK(by_field.at("fix").line == 7);
  CHECK(by_field.at("fix").path == "overrides[0].fix");
  CHECK(r->changes().size() == 5);
  // The other causes are untouched.
  CHECK(r->find_cause("service.first")->changes.empty());
}

TEST_CASE("a patched fix is checked exactly like a cause's own") {
  auto bad_step = [](const std::string& step) {
    return load({overlay(R"({"cause": "service.second", "fix": [)" + step + "]}")});
  };
  Diagnostic d = expect_problem(
      bad_step(R"({"text": "x", "command": "az vm restart -g {resource_group} -n {vm}"})"),
      "add \"restarts_vm\" to its \"effects\"");
  CHECK(d.file == "site1.json");
  CHECK(d.path == "overrides[0].fix[0].command");
  expect_problem(bad_step(R"({"text": "x", "effects": ["melts_cpu"]})"),
                 "unknown effect \"melts_cpu\"");
  expect_problem(bad_step(R"({"text": "x", "command": "Get-Thing", "shell": "powershell"})"),
                 "say where the command runs");
  expect_problem(bad_step(R"({"text": "use {nope.probe}"})"), "names unknown probe \"nope.probe\"");
  d = expect_problem(bad_step(R"({"text": "x", "when": {"probe": "p.zzz", "eq": true}})"), "p.zzz");
  CHECK(d.file == "site1.json");
  expect_problem(bad_step(R"({"text": "x", "colour": "red"})"), "colour");
  expect_problem(load({overlay(R"({"cause": "service.second", "fix": []})")}),
                 "a fix needs at least one step");
}

TEST_CASE("before and after place a cause within its stage; the path checks still apply") {
  // A host's own cause, declared after the bundled ones, placed before one.
  const std::string own = R"("rules": [
    {"id": "service.acme", "layer": "service", "stage": "listener", "title": "acme",
     "explanation": "e", "symptoms": ["s1"], "confirm": {"probe": "p.c", "eq": true},
     "confirm_text": "c", "fix": [{"text": "fix acme"}],
     "sources": [{"url": "https://example.com/acme-runbook"}]}], )";
  auto plain = load({overlay("", own)});
  REQUIRE(plain.ok());
  CHECK(order_of(*plain) ==
        std::vector<std::string>{"service.first", "service.second", "service.acme", "guest.third"});

  auto before = load({overlay(R"({"cause": "service.acme", "before": ["service.second"]})", own)});
  INFO(before.status().to_string());
  REQUIRE(before.ok());
  CHECK(order_of(*before) ==
        std::vector<std::string>{"service.first", "service.acme", "service.second", "guest.third"});
  const CauseInfo* acme = before->find_cause("service.acme");
  REQUIRE(acme->changes.size() == 1);
  CHECK(acme->changes[0].kind == "order");
  CHECK(acme->changes[0].field == "before");
  CHECK(acme->changes[0].value == "service.second");
  CHECK(acme->changes[0].path == "overrides[0].before[0]");
  CHECK(acme->changes[0].describe().rfind("placed before service.second by site1.json:", 0) == 0);

  auto after = load({overlay(R"({"cause": "service.first", "after": ["service.acme"]})", own)});
  REQUIRE(after.ok());
  CHECK(order_of(*after) ==
        std::vector<std::string>{"service.acme", "service.first", "service.second", "guest.third"});

  // Across stages the wrong way: the session-stage cause cannot come first.
  Diagnostic d =
      expect_problem(load({overlay(R"({"cause": "guest.third", "before": ["service.first"]})")}),
                     "cannot place \"guest.third\" (session stage) before \"service.first\"");
  CHECK(d.file == "site1.json");
  CHECK(d.path == "overrides[0].before[0]");
  // Down the path is allowed (it changes nothing the stages did not say).
  CHECK(load({overlay(R"({"cause": "service.first", "before": ["guest.third"]})")}).ok());
  // A cycle with the bundled "after", named at the override too.
  d = expect_problem(load({overlay(R"({"cause": "service.second", "before": ["service.first"]})")}),
                     "placing \"service.second\" before \"service.first\" forms a cycle");
  CHECK(d.file == "site1.json");
  CHECK(d.path == "overrides[0].before[0]");
  // An ordering against a disabled cause is dropped with a note.
  auto dropped = load({overlay(R"({"disable_cause": "service.second"},
                                  {"cause": "service.first", "before": ["service.second"]})")});
  INFO(dropped.status().to_string());
  REQUIRE(dropped.ok());
  CHECK(dropped->find_cause("service.first")->changes.empty());
  CHECK(has_note(*dropped, "this ordering was dropped", "site1.json", 2));
  CHECK_FALSE(load({overlay(R"({"cause": "service.first", "before": ["service.first"]})")}).ok());
  expect_problem(load({overlay(R"({"cause": "service.first", "after": ["service.nope"]})")}),
                 "unknown cause \"service.nope\" in after");
}

TEST_CASE("each misuse of an override is one diagnostic at the override") {
  Diagnostic d = expect_problem(load({overlay(R"({"disable_cause": "service.nope"})")}),
                                "unknown cause \"service.nope\"");
  CHECK(d.file == "site1.json");
  CHECK(d.path == "overrides[0].disable_cause");
  CHECK(d.line == 1);
  d = expect_problem(load({overlay(R"({"disable_probe": "p.nope"})")}), "unknown probe \"p.nope\"");
  CHECK(d.path == "overrides[0].disable_probe");
  d = expect_problem(load({overlay(R"({"cause": "service.nope", "title": "t"})")}),
                     "unknown cause \"service.nope\"");
  CHECK(d.path == "overrides[0].cause");
  d = expect_problem(load({overlay(R"({"cause": "service.first", "colour": "red"})")}), "colour");
  CHECK(d.file == "site1.json");
  expect_problem(load({overlay(R"({"disable_cause": "service.first", "title": "t"})")}), "title");
  expect_problem(load({overlay(R"({"cause": "service.first", "disable_probe": "p.a"})")}),
                 "exactly one of");
  expect_problem(load({overlay(R"({"cause": "service.first"})")}), "changes nothing");
  expect_problem(load({overlay(R"({"cause": "service.first", "likelihood": "often"})")}),
                 "likelihood must be common, occasional or rare");
  expect_problem(load({overlay(R"({"cause": "service.first", "title": ""})")}),
                 "must not be empty");
  expect_problem(load({overlay(R"({"cause": "service.first", "explanation": "see {nope}"})")}),
                 "unknown placeholder {nope}");
  expect_problem(load({overlay(R"("not an object")")}), "must be an object");
  expect_problem(load({R"({"schema": "rdptriage.rules/1", "overrides": {}})"}),
                 "\"overrides\" must be an array");

  // A disable and a patch of the same cause, in either order or file.
  d = expect_problem(load({overlay(R"({"disable_cause": "service.first"})"),
                           overlay(R"({"cause": "service.first", "title": "t"})")}),
                     "is disabled at site1.json:1:");
  CHECK(d.file == "site2.json");
  expect_problem(load({overlay(R"({"cause": "service.first", "before": ["service.second"]},
                                  {"disable_cause": "service.first"})")}),
                 "a disabled cause cannot also be patched or placed");
  // Disabling twice.
  d = expect_problem(load({overlay(R"({"disable_cause": "service.first"})"),
                           overlay(R"({"disable_cause": "service.first"})")}),
                     "already disabled at site1.json:1:");
  CHECK(d.file == "site2.json");
  expect_problem(load({overlay(R"({"disable_probe": "p.a"}, {"disable_probe": "p.a"})")}),
                 "already disabled");
}

TEST_CASE("two overrides setting the same field of a cause are refused, naming both") {
  auto r =
      load({overlay(R"({"cause": "service.first", "title": "ours"})"),
            overlay(R"({"cause": "service.first", "title": "theirs", "likelihood": "rare"})")});
  Diagnostic d = expect_problem(r,
                                "\"title\" of \"service.first\" is already set by the override "
                                "at site1.json:1:");
  CHECK(d.file == "site2.json");
  CHECK(d.path == "overrides[0].title");
  // Only the clash is refused: the likelihood alone is no problem.
  CHECK(r.status().diagnostics().size() == 1);
  // Different fields of one cause, or one field of different causes, combine.
  auto ok = load({overlay(R"({"cause": "service.first", "title": "ours"})"),
                  overlay(R"({"cause": "service.first", "likelihood": "rare"},
                              {"cause": "service.second", "title": "theirs"})")});
  INFO(ok.status().to_string());
  REQUIRE(ok.ok());
  CHECK(ok->find_cause("service.first")->title == "ours");
  CHECK(ok->find_cause("service.first")->likelihood == "rare");
  CHECK(ok->find_cause("service.first")->changes.size() == 2);
  // Orderings add up rather than clash.
  CHECK(load({overlay(R"({"cause": "service.first", "before": ["service.second"]})"),
              overlay(R"({"cause": "service.first", "before": ["guest.third"]})")})
            .ok());
}

TEST_CASE("reusing a bundled id says how to change the bundled cause instead") {
  const std::string again = R"({"schema": "rdptriage.rules/1", "rules": [
    {"id": "service.first", "layer": "service", "stage": "listener", "title": "mine",
     "explanation": "e", "symptoms": ["s1"], "confirm": {"probe": "p.a", "eq": true},
     "confirm_text": "a", "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}],
    "probes": [{"id": "p.a", "title": "a", "channel": "client", "cost_s": 0.1,
     "result": {"type": "bool"}, "how": "look"}]})";
  auto r = load({again});
  Diagnostic d = expect_problem(r, "duplicate cause id (first declared at base.json:");
  CHECK(d.message.find("disable or patch it in \"overrides\"") != std::string::npos);
  d = expect_problem(r, "duplicate probe id");
  CHECK(d.message.find("disable it in \"overrides\"") != std::string::npos);
}

TEST_CASE("overrides count against max_overrides") {
  LoadOptions tiny;
  tiny.max_overrides = 1;
  auto r = load({overlay(R"({"disable_probe": "p.a"}, {"disable_probe": "p.c"})")}, tiny);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  Diagnostic d = expect_problem(r, "2 overrides exceed max_overrides (1)");
  CHECK(d.file == "site1.json");
  CHECK(load({overlay(R"({"disable_probe": "p.a"})")}, tiny).ok());
  tiny.max_overrides = 0;
  CHECK(load({overlay(R"({"disable_probe": "p.a"})")}, tiny).status().code() ==
        ErrorCode::kLimitExceeded);
  CHECK(load({}, tiny).ok());
}

TEST_CASE("a cause id starts with its layer") {
  const std::string wrong = R"({"schema": "rdptriage.rules/1", "rules": [
    {"id": "network.mislabelled", "layer": "service", "stage": "listener", "title": "t",
     "explanation": "e", "symptoms": ["s1"], "confirm": {"probe": "p.a", "eq": true},
     "confirm_text": "a", "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}]})";
  Diagnostic d = expect_problem(load({wrong}), "a cause id is layer.name");
  CHECK(d.message.find("must start with \"service.\"") != std::string::npos);
  CHECK(d.file == "site1.json");
  CHECK(d.path == "rules[0].id");
  CHECK(d.line == 2);
}

TEST_CASE("every bundled cause follows layer.name") {
  auto r = RuleSet::load({});
  REQUIRE(r.ok());
  for (const CauseInfo& c : r->causes())
    CHECK(c.id.substr(0, c.id.find('.')) == layer_name(c.layer));
}

TEST_CASE("a report names the overrides that changed its cause, in JSON too") {
  const std::string site = overlay(R"({"cause": "service.first", "title": "First, Acme's words"})");
  const std::string where = "site1.json:1:" + std::to_string(site.find("\"First") + 1);
  auto r = load({site});
  REQUIRE(r.ok());
  Triage triage = Triage::from_rules(*r);
  EvaluateRequest req;
  req.symptom = "s1";
  req.adapters.push_back(std::make_shared<MapAdapter>(
      std::map<std::string, ProbeResult>{{"p.a", V(true)}, {"p.gate", V(false)}}));
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  REQUIRE(report->cause == "service.first");
  CHECK(report->title == "First, Acme's words");
  REQUIRE(report->rule_changes.size() == 1);
  CHECK(report->rule_changes[0].describe() == "title set by " + where);
  const std::string json = report_to_json(*report);
  CHECK(json.find("\"rule_changes\":[{\"kind\":\"set\",\"target\":\"service.first\","
                  "\"field\":\"title\"") != std::string::npos);
  CHECK(json.find("\"text\":\"title set by " + where + "\"") != std::string::npos);

  // Another cause confirmed: the changed one was still a candidate the
  // diagnosis weighed (and ruled out), so the report still names the change.
  req.adapters = {std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"p.a", V(false)}, {"p.b", V(true)}, {"p.gate", V(false)}})};
  report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->cause == "service.second");
  REQUIRE(report->rule_changes.size() == 1);
  CHECK(report->rule_changes[0].target == "service.first");

  // Rules no override touches: nothing said of overrides.
  auto plain = load({});
  REQUIRE(plain.ok());
  report = Triage::from_rules(*plain).evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->rule_changes.empty());
  CHECK(report_to_json(*report).find("\"rule_changes\":[]") != std::string::npos);
}

// A second symptom and its own cause, so that overrides can touch rules a
// diagnosis of s1 never weighs.
// (One line of JSON, so the overrides after it keep their line numbers.)
const std::string kOther =
    R"("symptoms": [{"id": "s2", "title": "two"}], )"
    R"("rules": [{"id": "guest.other", "layer": "guest", "stage": "session", "title": "other", )"
    R"("explanation": "e", "symptoms": ["s2"], "confirm": {"probe": "p.c", "eq": true}, )"
    R"("confirm_text": "c", "fix": [{"text": "fix other"}], )"
    R"("sources": [{"seed": "003", "section": "x"}]}], )";

TEST_CASE("a report names every override that bore on it, whatever its verdict") {
  // Line 2: a disabled candidate; 3: a patched candidate; 4: a disabled
  // probe the diagnosis would use; 5 and 6: changes to rules s1 never weighs.
  const std::string site = "{\"schema\": \"rdptriage.rules/1\", " + kOther +
                           "\"overrides\": [\n"
                           "  {\"disable_cause\": \"service.second\", \"reason\": \"no b here\"},\n"
                           "  {\"cause\": \"guest.third\", \"likelihood\": \"common\"},\n"
                           "  {\"disable_probe\": \"p.c\", \"reason\": \"no control plane\"},\n"
                           "  {\"cause\": \"guest.other\", \"title\": \"Other, ours\"},\n"
                           "  {\"disable_probe\": \"p.b2\"}]}";
  auto r = load({site});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  REQUIRE(r->changes().size() == 5);
  Triage triage = Triage::from_rules(*r);
  EvaluateRequest req;
  req.symptom = "s1";
  // service.first ruled out; guest.third cannot be tested (p.c is off):
  // inconclusive, with guest.third the candidate left.
  req.adapters.push_back(std::make_shared<MapAdapter>(
      std::map<std::string, ProbeResult>{{"p.a", V(false)}, {"p.gate", V(false)}}));
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  REQUIRE(report->status == Verdict::kInconclusive);
  std::map<std::string, RuleChange> by_target;
  for (const RuleChange& c : report->rule_changes) by_target[c.target] = c;
  CHECK(by_target.size() == report->rule_changes.size());
  REQUIRE(by_target.count("service.second"));
  CHECK(by_target["service.second"].kind == "disable_cause");
  CHECK(by_target["service.second"].line == 2);
  REQUIRE(by_target.count("guest.third"));
  CHECK(by_target["guest.third"].field == "likelihood");
  CHECK(by_target["guest.third"].line == 3);
  REQUIRE(by_target.count("p.c"));
  CHECK(by_target["p.c"].kind == "disable_probe");
  CHECK(by_target["p.c"].line == 4);
  // Neither the other symptom's cause nor a probe this diagnosis never
  // needs (p.b2 is service.second's fallback, and that cause is gone).
  CHECK_FALSE(by_target.count("guest.other"));
  CHECK_FALSE(by_target.count("p.b2"));
  CHECK(report->rule_changes.size() == 3);
  CHECK(std::find(report->disabled.begin(), report->disabled.end(), "p.c") !=
        report->disabled.end());

  // JSON carries them; the text says where the probe was disabled rather
  // than blaming the host's policy.
  const std::string json = report_to_json(*report);
  CHECK(json.find("\"kind\":\"disable_cause\",\"target\":\"service.second\"") != std::string::npos);
  const std::string text = to_text(*report);
  CHECK(text.find("p.c: disabled by site1.json:4:") != std::string::npos);
  CHECK(text.find("service.second: disabled by site1.json:2:") != std::string::npos);
  CHECK(text.find("disabled by the host's policy") == std::string::npos);

  // The host's own policy disabling p.a is named as such.
  req.options.disabled_probes = {"p.a"};
  report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(to_text(*report).find("disabled by the host's policy: p.a") != std::string::npos);

  // Diagnosing s2 instead: only the probe its cause would use and that
  // cause's change, in load order (the file's lines 4 and 5).
  req.options.disabled_probes.clear();
  req.symptom = "s2";
  report = triage.evaluate(req);
  REQUIRE(report.ok());
  std::vector<std::string> targets;
  for (const RuleChange& c : report->rule_changes) targets.push_back(c.target);
  CHECK(targets == std::vector<std::string>{"p.c", "guest.other"});
  // RuleSet::changes() lists all five in load order too, disables and
  // patches alike.
  std::vector<int> lines;
  for (const RuleChange& c : r->changes()) lines.push_back(c.line);
  CHECK(lines == std::vector<int>{2, 3, 4, 5, 6});
}

TEST_CASE("a change's reason with terminal controls is refused at load") {
  // describe() escapes what it quotes too; since the issue 14 audit the
  // loader refuses such text in any rule file, naming file and path.
  const std::string site =
      overlay(R"({"disable_cause": "service.second", "reason": "evil \u001b]0;owned\u0007 text"})");
  auto r = load({site});
  REQUIRE_FALSE(r.ok());
  const Diagnostic d = testing::expect_problem(r, "U+001B");
  CHECK(d.file == "site1.json");
  CHECK(d.path == "overrides[0].reason");
  CHECK(r.status().to_string().find('\x1b') == std::string::npos);
}

// The case from issue #13: a host's own listener cause, confirmed by its own
// probe, came after service.port_mismatch by load order. With the load
// balancer unreadable port_mismatch stays undecided, so the report could not
// name the host's cause without doubt (when the issue was filed it stayed
// inconclusive; the engine now names it but lists port_mismatch as not
// excluded, and asks the load balancer first). Ordered before it, the host's
// cause is named outright and the load balancer is never read.
constexpr const char* kAcme = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "acme.broker_holds_port", "title": "Acme's port broker holds the RDP port",
     "channel": "user", "cost_s": 30, "result": {"type": "bool"},
     "how": "In the Acme broker console, is {vm}'s TCP 3389 listed as brokered?"}
  ],
  "rules": [
    {"id": "service.acme_broker_holds_port", "layer": "service", "stage": "listener",
     "title": "Acme's port broker holds the RDP port", "explanation": "The broker binds 3389 first.",
     "symptoms": ["refused", "timeout"],
     "confirm": {"probe": "acme.broker_holds_port", "eq": true},
     "confirm_text": "The broker console lists the port as brokered",
     "fix": [{"text": "Release the port in the Acme broker console."}],
     "sources": [{"url": "https://example.com/acme/broker-runbook"}]}
  ]REST})";

StatusOr<Report> acme_case(const std::string& rest) {
  std::string text = kAcme;
  text.replace(text.find("REST"), 4, rest);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rdptriage_overlay_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "acme.json";
  std::ofstream(file) << text;
  TriageOptions options;
  options.rules.paths.push_back(file);
  auto triage = Triage::create(options);
  std::filesystem::remove_all(dir);
  if (!triage.ok()) return triage.status();
  EvaluateRequest req;
  req.symptom = "refused";
  req.context = {{"vm", "vm1"}, {"resource_group", "rg1"}};
  // A healthy guest; the load balancer cannot be read (no rights on it).
  req.adapters.push_back(std::make_shared<MapAdapter>(
      std::map<std::string, ProbeResult>{{"azure.deployment_model", V("arm")},
                                         {"guest.security_software_blocks_rdp", V(false)},
                                         {"guest.rdp_deny_connections", V(false)},
                                         {"guest.rdp_deny_policy", V("not_set")},
                                         {"guest.termservice_state", V("running")},
                                         {"guest.rdp_port", V(3389)},
                                         {"client.dial_port", V(3389)},
                                         {"acme.broker_holds_port", V(true)}}));
  return triage->evaluate(req);
}

TEST_CASE("a host's cause ordered before service.port_mismatch wins over it") {
  auto names = [](const std::vector<Candidate>& cs) {
    std::vector<std::string> ids;
    for (const Candidate& c : cs) ids.push_back(c.cause);
    return ids;
  };
  auto asked = [](const Report& r, const std::string& probe) {
    return std::any_of(r.evidence.begin(), r.evidence.end(),
                       [&](const Evidence& e) { return e.probe == probe; });
  };
  StatusOr<Report> plain = acme_case("");
  INFO(plain.status().to_string());
  REQUIRE(plain.ok());
  CHECK(names(plain->not_excluded) == std::vector<std::string>{"service.port_mismatch"});
  CHECK(asked(*plain, "azure.lb_nat_frontend"));
  CHECK(plain->rule_changes.empty());

  StatusOr<Report> ordered = acme_case(R"(,
  "overrides": [{"cause": "service.acme_broker_holds_port", "before": ["service.port_mismatch"],
                 "reason": "our broker, not the listener's port"}])");
  INFO(ordered.status().to_string());
  REQUIRE(ordered.ok());
  CHECK(ordered->status == Verdict::kConfirmed);
  CHECK(ordered->cause == "service.acme_broker_holds_port");
  CHECK(ordered->not_excluded.empty());
  CHECK_FALSE(asked(*ordered, "azure.lb_nat_frontend"));
  REQUIRE(ordered->rule_changes.size() == 1);
  CHECK(ordered->rule_changes[0].describe().find("placed before service.port_mismatch by ") == 0);
  CHECK(ordered->rule_changes[0].reason == "our broker, not the listener's port");
}

}  // namespace
}  // namespace rdptriage
