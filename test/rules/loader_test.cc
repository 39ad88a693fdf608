// Rule loading: every kind of malformed input is reported with file, line,
// column and id, all problems at once, and a failed load yields nothing.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "rdptriage/rules.h"
#include "support/expect_problem.h"

namespace rdptriage {
namespace {

// A small valid rule set; tests append or replace parts of it.
constexpr const char* kProbes = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.flag", "title": "a flag", "channel": "client", "cost_s": 0.1,
     "result": {"type": "bool"}, "how": "look"},
    {"id": "p.state", "title": "a state", "channel": "run_command", "cost_s": 45,
     "result": {"type": "enum", "values": ["up", "down"]}, "how": "ask", "fallback": "p.state2"},
    {"id": "p.state2", "title": "a state again", "channel": "serial_console", "cost_s": 120,
     "result": {"type": "enum", "values": ["up", "down"]}, "how": "ask"},
    {"id": "p.pct", "title": "a percentage", "channel": "metrics", "cost_s": 5,
     "result": {"type": "number", "min": 0, "max": 100}, "how": "read"},
    {"id": "p.name", "title": "a name", "channel": "control_plane", "cost_s": 3,
     "result": {"type": "string"}, "how": "read"}
  ],
  "symptoms": [{"id": "s1", "title": "one"}, {"id": "ok", "title": "works"}]})";

std::string rule(const std::string& id, const std::string& confirm, const std::string& extra = "",
                 const std::string& stage = "client", const std::string& layer = "network") {
  return R"({"id": ")" + id + R"(", "layer": ")" + layer + R"(", "stage": ")" + stage +
         R"(", "title": "t", "explanation": "e", "symptoms": ["s1"], "confirm": )" + confirm +
         R"(, "confirm_text": "c", "fix": [{"text": "f"}],
            "sources": [{"seed": "003", "section": "x"}])" +
         extra + "}";
}

std::string rules_doc(const std::string& rules) {
  return R"({"schema": "rdptriage.rules/1", "rules": [)" + rules + "]}";
}

StatusOr<RuleSet> load(const std::string& rules_json, const LoadOptions& options = {}) {
  return RuleSet::load_documents({{"probes.json", kProbes}, {"rules.json", rules_json}}, options);
}

using testing::expect_problem;

TEST_CASE("a valid set loads and is ordered along the path") {
  auto r =
      load(rules_doc(rule("guest.late", R"({"probe": "p.pct", "ge": 95})", "", "session", "guest") +
                     "," + rule("network.early", R"({"probe": "p.flag", "eq": true})")));
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  REQUIRE(r->causes().size() == 2);
  CHECK(r->causes()[0].id == "network.early");
  CHECK(r->causes()[1].id == "guest.late");
  CHECK(r->find_probe("p.state")->fallback == "p.state2");
  CHECK(r->find_probe("p.pct")->domain == "number[0..100]");
  CHECK(r->find_cause("guest.late")->probes == std::vector<std::string>{"p.pct"});
  CHECK(r->find_cause("nope") == nullptr);
}

TEST_CASE("after edges order causes within a stage") {
  auto r = load(rules_doc(
      rule("network.b", R"({"probe": "p.flag", "eq": true})", R"(, "after": ["network.a"])") + "," +
      rule("network.c", R"({"probe": "p.flag", "eq": false})") + "," +
      rule("network.a", R"({"probe": "p.flag", "eq": true})")));
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  std::vector<std::string> ids;
  for (const auto& c : r->causes()) ids.push_back(c.id);
  CHECK(ids == std::vector<std::string>{"network.c", "network.a", "network.b"});
}

TEST_CASE("syntax errors name line and column") {
  auto r = RuleSet::load_documents({{"bad.json", "{\n  \"rules\": [\n    {\"id\": }\n  ]\n}"}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kParseError);
  REQUIRE(r.status().diagnostics().size() == 1);
  const Diagnostic& d = r.status().diagnostics()[0];
  CHECK(d.file == "bad.json");
  CHECK(d.line == 3);
  CHECK(d.column == 12);
}

TEST_CASE("unknown fields are reported where they are") {
  auto r = load("{\"schema\": \"rdptriage.rules/1\",\n \"rules\": [" +
                rule("network.a", R"({"probe": "p.flag", "eq": true})", ",\n \"colour\": \"red\"") +
                "]}");
  Diagnostic d = expect_problem(r, "unknown field \"colour\"");
  CHECK(d.file == "rules.json");
  CHECK(d.line == 4);
  CHECK(d.column == 12);
  CHECK(d.subject == "network.a");
  CHECK(d.path == "rules[0].colour");
  CHECK(r.status().code() == ErrorCode::kValidationError);
}

TEST_CASE("every problem is reported at once") {
  auto r = load(rules_doc(rule("network.a", R"({"probe": "p.nope", "eq": true})") + "," +
                          rule("network.b", R"({"probe": "p.flag", "eq": "yes"})") + "," +
                          rule("network.c", R"({"probe": "p.state", "eq": "sideways"})")));
  expect_problem(r, "unknown probe \"p.nope\"");
  expect_problem(r, "outside the domain of \"p.flag\"");
  Diagnostic d = expect_problem(r, "outside the domain of \"p.state\"");
  CHECK(d.path == "rules[2].confirm.eq");
  CHECK(r.status().diagnostics().size() == 3);
  CHECK_THAT(r.status().message(), Catch::Contains("nothing was loaded"));
}

TEST_CASE("schema errors of each kind") {
  using Case = std::pair<std::string, std::string>;
  const std::vector<Case> cases = {
      {R"({"schema": "rdptriage.rules/9", "rules": []})", "expected \"rdptriage.rules/1\""},
      {"[1, 2]", "must be an object"},
      {R"({"rules": {}})", "must be an array"},
      {rules_doc(R"({"id": "network.a"})"), "missing required field \"layer\""},
      {rules_doc(rule("Network.A", R"({"probe": "p.flag", "eq": true})")), "cause ids are dotted"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})", "", "orbit")),
       "unknown stage \"orbit\""},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})", "", "client", "cloud")),
       "unknown layer \"cloud\""},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})", "", "session")),
       "cannot act at the session stage"},
      {rules_doc(
           rule("network.a", R"({"probe": "p.flag", "eq": true})", R"(, "likelihood": "often")")),
       "likelihood must be"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})", R"(, "title": 7)")),
       ""},  // duplicate key: Boost keeps the last; a type error follows
      {rules_doc(rule("network.a", R"({"probe": "p.pct", "lt": -5})")), "can never be true"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "lt": 3})")), "needs a number probe"},
      {rules_doc(rule("network.a", R"({"probe": "p.pct", "ieq": "x"})")), "compares strings"},
      {rules_doc(rule("network.a", R"({"probe": "p.state", "in": []})")), "non-empty array"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": {"probe": "p.pct"}})")),
       "cannot compare"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true, "ne": false})")),
       "one operator per comparison"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag", "equals": true})")),
       "unknown field \"equals\""},
      {rules_doc(rule("network.a", R"({"not": [{"probe": "p.flag", "eq": true}]})")),
       "exactly one condition"},
      {rules_doc(rule("network.a", R"({"all": []})")), "non-empty array"},
      {rules_doc(rule("network.a", R"({"probe": "p.flag"})")), "has no operator"},
  };
  for (const auto& [doc, fragment] : cases) {
    INFO(doc);
    auto r = load(doc);
    REQUIRE_FALSE(r.ok());
    if (!fragment.empty()) expect_problem(r, fragment);
  }
}

TEST_CASE("conditions nested too deep are rejected") {
  std::string cond = R"({"probe": "p.flag", "eq": true})";
  for (int i = 0; i < 17; ++i) cond = R"({"not": )" + cond + "}";
  expect_problem(load(rules_doc(rule("network.a", cond))), "nested deeper than 16");
}

TEST_CASE("fix steps and placeholders are checked") {
  auto no_shell = load(rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})",
                                      R"(, "fix": [{"text": "x", "command": "az vm show"}])")));
  expect_problem(no_shell, "needs \"shell\"");
  auto bad_shell =
      load(rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})",
                          R"(, "fix": [{"text": "x", "command": "c", "shell": "zsh"}])")));
  expect_problem(bad_shell, "unknown shell \"zsh\"");
  auto placeholder = load(rules_doc(rule(
      "network.a", R"({"probe": "p.flag", "eq": true})",
      R"(, "fix": [{"text": "x", "command": "az vm show -g {resourcegroup} --scripts \"{ $_.Name }\"", "shell": "bash"}])")));
  Diagnostic d = expect_problem(placeholder, "unknown placeholder {resourcegroup}");
  CHECK(d.path == "rules[0].fix[0].command");
  auto empty_fix =
      load(rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})", R"(, "fix": [])")));
  expect_problem(empty_fix, "at least one fix step");
}

TEST_CASE("references must resolve") {
  expect_problem(load(rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})",
                                     R"(, "symptoms": ["s9"])"))),
                 "unknown symptom \"s9\"");
  expect_problem(load(rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})",
                                     R"(, "after": ["network.zz"])"))),
                 "unknown cause \"network.zz\"");
  expect_problem(load(rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})",
                                     R"(, "symptoms": ["ok"])"))),
                 "\"ok\" means the session works");
}

TEST_CASE("a cause no symptom leads to can never be reached") {
  auto r = load(
      rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})", R"(, "symptoms": [])")));
  Diagnostic d = expect_problem(r, "can never be reached");
  CHECK(d.subject == "network.a");
}

TEST_CASE("after cycles and after edges pointing down the path are rejected") {
  auto cycle = load(rules_doc(
      rule("network.a", R"({"probe": "p.flag", "eq": true})", R"(, "after": ["network.b"])") + "," +
      rule("network.b", R"({"probe": "p.flag", "eq": true})", R"(, "after": ["network.a"])")));
  expect_problem(cycle, "forms a cycle");
  auto down = load(rules_doc(
      rule("network.a", R"({"probe": "p.flag", "eq": true})", R"(, "after": ["guest.z"])") + "," +
      rule("guest.z", R"({"probe": "p.flag", "eq": true})", "", "session", "guest")));
  expect_problem(down, "later on the path");
}

TEST_CASE("probe declarations are checked") {
  auto doc = [](const std::string& probe) { return R"({"probes": [)" + probe + "]}"; };
  using Case = std::pair<std::string, std::string>;
  const std::vector<Case> cases = {
      {doc(R"({"id": "x.a", "title": "t", "channel": "pigeon", "cost_s": 1, "result": {"type": "bool"}, "how": "h"})"),
       "unknown channel \"pigeon\""},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 0, "result": {"type": "bool"}, "how": "h"})"),
       "cost_s must be greater than 0"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "enum", "values": []}, "how": "h"})"),
       "at least one value"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "enum", "values": ["a", "a"]}, "how": "h"})"),
       "duplicate enum value"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "number", "min": 5, "max": 1}, "how": "h"})"),
       "min is greater than max"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "colour"}, "how": "h"})"),
       "unknown result type"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "h", "fallback": "p.state"})"),
       "answers enum(up|down) but this probe answers bool"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "h", "fallback": "x.b"},
              {"id": "x.b", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "h", "fallback": "x.a"})"),
       "fallback chain forms a cycle"},
      {doc(R"({"id": "x.a", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "h", "fallback": "x.none"})"),
       "unknown fallback probe"},
      {doc(R"({"id": "p.flag", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "h"})"),
       "duplicate probe id (first declared at probes.json:3:"},
      {R"({"symptoms": [{"id": "unknown", "title": "t"}]})", "\"unknown\" is built in"},
  };
  for (const auto& [d, fragment] : cases) {
    INFO(d);
    expect_problem(load(d), fragment);
  }
}

TEST_CASE("tiny limits fail the load and name the file") {
  const std::string good = rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})") + "," +
                                     rule("network.b", R"({"probe": "p.flag", "eq": false})"));
  LoadOptions o;
  o.max_file_bytes = 10;
  auto r = load(good, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  CHECK(r.status().diagnostics()[0].file == "probes.json");

  o = LoadOptions{};
  o.max_rules = 1;
  r = load(good, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  CHECK(r.status().diagnostics()[0].file == "rules.json");
  CHECK_THAT(r.status().diagnostics()[0].message, Catch::Contains("max_rules (1)"));

  o = LoadOptions{};
  o.max_depth = 3;
  r = load(good, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  CHECK_THAT(r.status().diagnostics()[0].message, Catch::Contains("max_depth (3)"));

  o = LoadOptions{};
  o.max_files = 1;
  r = load(good, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  CHECK(r.status().diagnostics()[0].file == "rules.json");

  o = LoadOptions{};
  o.max_probes = 2;
  r = load(good, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("files and directories load, README and missing paths handled") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "rdptriage_loader_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "a_probes.json") << kProbes;
  std::ofstream(dir / "b_rules.json")
      << rules_doc(rule("network.a", R"({"probe": "p.flag", "eq": true})"));
  std::ofstream(dir / "README.md") << "not json";
  LoadOptions o;
  o.include_bundled = false;
  o.paths = {dir};
  auto r = RuleSet::load(o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->causes().size() == 1);

  o.paths = {dir / "missing.json"};
  r = RuleSet::load(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kIoError);
  CHECK(r.status().diagnostics()[0].file == (dir / "missing.json").string());
  fs::remove_all(dir);
}

TEST_CASE("the bundled rules load cleanly and name every catalog cause") {
  LoadOptions o;
  o.bundled_dir = std::string(RDPTRIAGE_TEST_SOURCE_DIR) + "/rules";
  auto r = RuleSet::load(o);
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->causes().size() >= 43);
  CHECK_FALSE(r->layer_table_markdown().empty());
  CHECK_THAT(r->decision_graph_dot(), Catch::StartsWith("digraph"));
}

}  // namespace
}  // namespace rdptriage

namespace rdptriage {
namespace {

// Audit of issue 14: text in a rule file reaches every report; a terminal
// control in it is refused at load, naming the file and the JSON path.
TEST_CASE("rule files with terminal controls in their text are refused") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\\u001b]0;owned\\u0007", "U+001B"},
      {"a\\r\\nCONFIRMED", "U+000D"},
      {"del\\u007f", "U+007F"},
      {"csi\\u009b2J", "U+009B"},
      {"rlo\\u202egnp.exe", "U+202E"},
      {"line\\u2028sep", "U+2028"},
      {"tab\\there", "U+0009"},
  };
  for (const auto& [text, named] : cases) {
    INFO(text);
    const std::string doc = R"({"schema": "rdptriage.rules/1",
        "symptoms": [{"id": "s1", "title": "fine"}, {"id": "s2", "title": ")" +
                            text + R"("}]})";
    StatusOr<RuleSet> r = RuleSet::load_documents({{"evil.json", doc}});
    REQUIRE_FALSE(r.ok());
    const Diagnostic d = testing::expect_problem(r, named);
    CHECK(d.file == "evil.json");
    CHECK(d.path == "symptoms[1].title");
    CHECK(d.line == 2);
  }
  // A member name too.
  StatusOr<RuleSet> key = RuleSet::load_documents(
      {{"key.json", R"({"schema": "rdptriage.rules/1", "about\u001b[2J": "x"})"}});
  REQUIRE_FALSE(key.ok());
  CHECK(testing::expect_problem(key, "member name").file == "key.json");
}

TEST_CASE("scripts and commands may span lines, but hold no other control") {
  const std::string fine = R"({"schema": "rdptriage.rules/1",
      "symptoms": [{"id": "s1", "title": "fine"}],
      "probes": [{"id": "p.x", "title": "x", "channel": "run_command", "cost_s": 45,
                  "result": {"type": "bool"},
                  "script": "$a = 1\n\tif ($a) { 'true' }"}]})";
  StatusOr<RuleSet> r = RuleSet::load_documents({{"ok.json", fine}});
  INFO(r.status().to_string());
  CHECK(r.ok());
  std::string evil = fine;
  evil.replace(evil.find("$a = 1"), 6, "\\u001b[2J");
  r = RuleSet::load_documents({{"evil.json", evil}});
  REQUIRE_FALSE(r.ok());
  CHECK(testing::expect_problem(r, "U+001B").path == "probes[0].script");
}

}  // namespace
}  // namespace rdptriage
