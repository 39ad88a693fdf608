// Client-error intake in rule files (client_codes, client_messages, symptom
// "within"): every mistake a rule author can make is reported with file,
// line, column and JSON path, and a file with any of them loads nothing.
#include <catch2/catch.hpp>
#include <string>

#include "rdptriage/rules.h"
#include "rdptriage/triage.h"
#include "support/expect_problem.h"

namespace rdptriage {
namespace {

constexpr const char* kBase = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.flag", "title": "a flag", "channel": "client", "cost_s": 1,
     "result": {"type": "bool"}, "how": "look"},
    {"id": "p.state", "title": "a state", "channel": "run_command", "cost_s": 45,
     "result": {"type": "enum", "values": ["up", "down"]}, "how": "ask"}],
  "symptoms": [{"id": "s1", "title": "one"}, {"id": "s2", "title": "two", "within": ["s1"]},
               {"id": "s3", "title": "three"}, {"id": "ok", "title": "works"}],
  "rules": [
    {"id": "auth.a", "layer": "auth", "stage": "logon", "title": "a", "explanation": "e",
     "symptoms": ["s2"], "confirm": {"probe": "p.flag", "eq": true}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "auth.b", "layer": "auth", "stage": "logon", "title": "b", "explanation": "e",
     "symptoms": ["s3"], "confirm": {"probe": "p.state", "eq": "down"}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}]})";

StatusOr<RuleSet> load(const std::string& intake, const LoadOptions& options = {}) {
  return RuleSet::load_documents(
      {{"base.json", kBase},
       {"intake.json", "{\"schema\": \"rdptriage.rules/1\",\n" + intake + "}"}},
      options);
}

std::string table(const std::string& codes, const std::string& patterns = "[]",
                  const std::string& extra = "") {
  return R"("client_codes": [{"id": "t.codes", "title": "t", "source": "s", "patterns": )" +
         patterns + R"(, "codes": )" + codes + extra + "}]";
}

using testing::expect_problem;

TEST_CASE("a valid intake loads, and the rule set lists it") {
  auto r =
      load(table(R"([{"code": "0x10", "name": "T_SIXTEEN", "aliases": ["SIXTEEN_T"],
                           "meaning": "m", "symptom": "s2", "cause": "auth.a",
                           "observe": {"p.flag": true, "p.state": "down"}},
                          {"code": 17, "meaning": "m"}])",
                 R"J(["code (?P<code>0x[0-9a-f]+)", {"regex": "c=(?P<code>[0-9a-f]+)", "radix": 16,
                          "priority": 55, "last_wins": true}])J") +
           ",\n" + R"("client_messages": [{"id": "m.one", "phrases": ["it * broke"],
                           "meaning": "m", "symptom": "s1", "priority": 30}])");
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  REQUIRE(r->client_code_tables().size() == 1);
  const ClientCodeTableInfo& t = r->client_code_tables()[0];
  CHECK(t.file == "intake.json");
  REQUIRE(t.codes.size() == 2);
  CHECK(t.codes[0].value == 16);
  CHECK(t.codes[0].symptom == "s2");
  CHECK(t.codes[0].cause == "auth.a");
  CHECK(t.codes[1].code == "17");
  REQUIRE(r->client_messages().size() == 1);
  CHECK(r->client_messages()[0].phrases[0] == "it * broke");
  CHECK(r->symptom_within("s2", "s1"));
  CHECK_FALSE(r->symptom_within("s1", "s2"));
  // A cause of s2 is a candidate of s1, which s2 sits within.
  Triage triage = Triage::from_rules(*r);
  EvaluateRequest req;
  req.symptom = "s1";
  auto report = triage.evaluate(req);
  REQUIRE(report.ok());
  REQUIRE(report->candidates.size() == 1);
  CHECK(report->candidates[0].cause == "auth.a");
  CHECK(triage.symptom_for_client_error("it really broke") == "s1");
  CHECK(triage.symptom_for_client_error("c=10") == "s2");
}

TEST_CASE("code patterns are checked with RE2 and placed") {
  Diagnostic d =
      expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])", R"(["(?P<code>[0-9"])")),
                     "not a valid RE2 expression");
  CHECK(d.file == "intake.json");
  CHECK(d.path == "client_codes[0].patterns[0]");
  CHECK(d.line == 2);
  CHECK(d.column > 1);
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])", R"J(["error ([0-9]+)"])J")),
                 "needs a (?P<code>...) group");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])", R"J(["(?P<code>[0-9]*)"])J")),
                 "must not match empty text");
  // Backreferences are not RE2: linear time is the point.
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])", R"(["(?P<code>a)\\1"])")),
                 "not a valid RE2 expression");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])",
                            R"J([{"regex": "(?P<code>1)", "radix": 8}])J")),
                 "radix is 10 or 16");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])",
                            R"J([{"regex": "(?P<code>1)", "priority": 101}])J")),
                 "priority must be a whole number from 0 to 100");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])", R"J([{"rgx": "(?P<code>1)"}])J")),
                 "unknown field \"rgx\"");
}

TEST_CASE("codes are checked: values, duplicates, names, outcomes") {
  expect_problem(load(table(R"([{"code": "0xZZ", "meaning": "m"}])")),
                 "a code is a non-negative number");
  expect_problem(load(table(R"([{"code": -1, "meaning": "m"}])")),
                 "a code is a non-negative number");
  Diagnostic d = expect_problem(load(table(R"([{"code": "0x10", "meaning": "m"},
                                             {"code": 16, "meaning": "m"}])")),
                                "code 16 is listed twice");
  CHECK(d.path == "client_codes[0].codes[1].code");
  expect_problem(load(table(R"([{"code": 1}])")), "missing required field \"meaning\"");
  expect_problem(load(table(R"([{"code": 1, "name": "X", "meaning": "m"}])")),
                 "at least 4 letters or digits");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m", "symptom": "nope"}])")),
                 "unknown symptom \"nope\"");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m", "symptom": "unknown"}])")),
                 "leave \"symptom\" out");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m", "symptom": "ok"}])")),
                 "a client error cannot show it");
  expect_problem(
      load(table(R"([{"code": 1, "meaning": "m", "symptom": "s1", "cause": "c.nope"}])")),
      "unknown cause \"c.nope\"");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m", "cause": "auth.a"}])")),
                 "a leading cause needs the symptom it explains");
  d = expect_problem(
      load(table(R"([{"code": 1, "meaning": "m", "symptom": "s1", "cause": "auth.b"}])")),
      "does not list symptom \"s1\"");
  CHECK(d.path == "client_codes[0].codes[0].cause");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m", "observe": {"p.nope": true}}])")),
                 "unknown probe \"p.nope\"");
  d = expect_problem(
      load(table(R"([{"code": 1, "meaning": "m", "observe": {"p.state": "sideways"}}])")),
      "is not one of its values");
  CHECK(d.path == "client_codes[0].codes[0].observe.p.state");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m", "observe": {"p.flag": "yes"}}])")),
                 "is not one of its values");
  expect_problem(load(table(R"([])")), "a code table needs codes");
}

TEST_CASE("ids and names are unique across files") {
  auto twice = RuleSet::load_documents(
      {{"base.json", kBase},
       {"a.json", "{\"schema\": \"rdptriage.rules/1\", " +
                      table(R"([{"code": 1, "name": "SAME_NAME", "meaning": "m"}])") + "}"},
       {"b.json", "{\"schema\": \"rdptriage.rules/1\", " +
                      table(R"([{"code": 2, "name": "same_name", "meaning": "m"}])") + "}"}});
  Diagnostic d = expect_problem(twice, "duplicate client code table id");
  CHECK(d.file == "b.json");
  CHECK_THAT(d.message, Catch::Contains("a.json:1:"));
  auto named = RuleSet::load_documents(
      {{"base.json", kBase},
       {"a.json", "{\"schema\": \"rdptriage.rules/1\", " +
                      table(R"([{"code": 1, "name": "SAME_NAME", "meaning": "m"}])") + "}"},
       {"b.json", R"({"schema": "rdptriage.rules/1", "client_codes": [{"id": "t.other",
          "title": "t", "source": "s", "codes": [{"code": 2, "name": "same_name", "meaning": "m"}]}]})"}});
  d = expect_problem(named, "the name \"same_name\" is already taken");
  CHECK(d.path == "client_codes[0].codes[0].name");
  expect_problem(
      load(R"("client_messages": [{"id": "symptom.mine", "phrases": ["four"], "meaning": "m"}])"),
      "kept for symptoms' own messages");
  expect_problem(
      load(R"("client_messages": [{"id": "plain", "phrases": ["four"], "meaning": "m"}])"),
      "dotted lower-case names");
}

TEST_CASE("message phrases are checked") {
  auto msg = [](const std::string& phrases) {
    return load(R"("client_messages": [{"id": "m.x", "phrases": )" + phrases +
                R"(, "meaning": "m", "symptom": "s1"}])");
  };
  expect_problem(msg(R"(["ok"])"), "at least 4 letters or digits");
  expect_problem(msg(R"(["* broke down"])"), "not at either end");
  expect_problem(msg(R"(["broke down *"])"), "not at either end");
  expect_problem(msg(R"(["broke * * down"])"), "not twice in a row");
  expect_problem(msg(R"([])"), "a message needs at least one phrase");
  expect_problem(msg(R"([42])"), "expected a string");
}

TEST_CASE("symptom hierarchy: within must name symptoms and must not loop") {
  auto with = [](const std::string& symptoms) {
    return RuleSet::load_documents(
        {{"base.json", kBase},
         {"s.json", R"({"schema": "rdptriage.rules/1", "symptoms": )" + symptoms + "}"}});
  };
  expect_problem(with(R"([{"id": "s9", "title": "t", "within": ["nope"]}])"),
                 "unknown symptom \"nope\"");
  expect_problem(with(R"([{"id": "s9", "title": "t", "within": ["ok"]}])"),
                 "unknown symptom \"ok\"");
  expect_problem(with(R"([{"id": "sa", "title": "t", "within": ["sb"]},
                          {"id": "sb", "title": "t", "within": ["sa"]}])"),
                 "forms a cycle");
  expect_problem(with(R"([{"id": "sa", "title": "t", "within": ["sa"]}])"), "forms a cycle");
}

TEST_CASE("tiny intake limits fail the load") {
  LoadOptions few;
  few.max_client_patterns = 1;
  auto r = load(
      table(R"([{"code": 1, "name": "NAME_ONE", "meaning": "m"}])", R"J(["c (?P<code>\\d+)"])J"),
      few);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  CHECK_THAT(r.status().diagnostics().front().message, Catch::Contains("max_client_patterns"));

  LoadOptions small;
  small.client_pattern_max_mem = 1024;
  r = load(table(R"([{"code": 1, "meaning": "m"}])", R"(["(?P<code>\\d{1,9})x{1,200}y{1,200}"])"),
           small);
  REQUIRE_FALSE(r.ok());
  CHECK((r.status().code() == ErrorCode::kLimitExceeded ||
         r.status().code() == ErrorCode::kValidationError));
}

TEST_CASE("the total compiled size of all client patterns is bounded: huge files fail fast") {
  // Issue 14's reproducer, 15,800 patterns of a thousand-character class,
  // is refused pattern by pattern for its count (below); the same bulk
  // written without counts stops at the pattern that crosses
  // max_client_program_size, with one error naming the file and its path.
  std::string run;
  for (int k = 0; k < 100; ++k) run += "\\\\w";
  std::string patterns = "[";
  for (int i = 0; i < 400; ++i)
    patterns += std::string(i ? ", " : "") + "\"(?P<code>" + run + "x" + std::to_string(i) + ")\"";
  patterns += "]";
  LoadOptions budget;
  budget.max_client_program_size = 20000;
  auto r = load(table(R"([{"code": 1, "meaning": "m"}])", patterns), budget);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  const Diagnostic d = expect_problem(r, "max_client_program_size");
  CHECK(d.file == "intake.json");
  CHECK(d.line >= 1);
  CHECK(d.path.rfind("client_codes[0].patterns[", 0) == 0);
  // It stopped long before the end of the file.
  const int at = std::stoi(d.path.substr(std::string("client_codes[0].patterns[").size()));
  CHECK(at < 399);
  CHECK(r.status().diagnostics().size() == 1);

  // Counted repetition is bounded: the reproducers are refused at load, with
  // their file and path, and the count a pattern may use is allowed.
  const Diagnostic big = expect_problem(
      load(table(R"([{"code": 1, "meaning": "m"}])", R"J(["(?P<code>[a-z0-9]{1000}x1)"])J")),
      "repeats something 1000 times");
  CHECK(big.path == "client_codes[0].patterns[0]");
  expect_problem(
      load(table(R"([{"code": 1, "meaning": "m"}])", R"J(["(?P<code>[ab]*a[ab]{24}c)"])J")),
      "repeats something 24 times");
  expect_problem(load(table(R"([{"code": 1, "meaning": "m"}])", R"J(["(?P<code>x{2,40})"])J")),
                 "repeats something 40 times");
  auto fine = load(table(R"([{"code": 1, "meaning": "m"}])",
                         R"J(["(?P<code>[ab]*a[ab]{12}c)", "\\{(?P<code>\\d{1,12})\\}"])J"));
  INFO(fine.status().to_string());
  CHECK(fine.ok());

  // A tiny budget refuses even a small file, at its first pattern.
  LoadOptions tiny;
  tiny.max_client_program_size = 4;
  r = load(table(R"([{"code": 1, "meaning": "m"}])", R"J(["c (?P<code>\\d+) and more"])J"), tiny);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
}

// Audit of issue 14: 10,000 bad patterns gave 10,000 diagnostics. The same
// message is listed a few times, then counted.
TEST_CASE("a file of thousands of bad patterns gives a short error report") {
  std::string patterns = "[";
  for (int i = 0; i < 10000; ++i)
    patterns += std::string(i ? ", " : "") + "\"no code group " + std::to_string(i) + "\"";
  patterns += "]";
  auto r = load(table(R"([{"code": 1, "meaning": "m"}])", patterns));
  REQUIRE_FALSE(r.ok());
  const auto& diags = r.status().diagnostics();
  CHECK(diags.size() <= 10);
  const Diagnostic first = expect_problem(r, "(?P<code>...)");
  CHECK(first.file == "intake.json");
  CHECK(first.path == "client_codes[0].patterns[0]");
  const Diagnostic rest = expect_problem(r, "and 9995 more like it");
  CHECK(rest.file == "intake.json");
  CHECK(rest.message.find("(?P<code>...)") != std::string::npos);
  CHECK(r.status().to_string().size() < 4000);

  // Distinct problems are listed up to a limit, then counted.
  std::string fields;
  for (int i = 0; i < 1000; ++i) fields += ", \"unknown" + std::to_string(i) + "\": 1";
  r = load(table(R"([{"code": 1, "meaning": "m"}])", "[]", fields));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().diagnostics().size() <= 202);
  expect_problem(r, "more problems (only the first 200 are listed)");
}

TEST_CASE("messages may be marked underlying, and phrases may be in any script") {
  auto r = load(R"("client_messages": [{"id": "m.u", "phrases": ["broken pipe"], "meaning": "m",
                    "symptom": "s1", "underlying": true},
                   {"id": "m.zh", "phrases": ["\u65e0\u6cd5\u8fde\u63a5"], "meaning": "m"}])");
  INFO(r.status().to_string());
  CHECK(r.ok());
  expect_problem(load(R"("client_messages": [{"id": "m.u", "phrases": ["broken pipe"],
                          "meaning": "m", "underlying": "yes"}])"),
                 "must be true or false");
}

TEST_CASE("the bundled intake loads within its default limits") {
  auto r = RuleSet::load({});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  CHECK(r->client_code_tables().size() >= 8);
  CHECK(r->client_messages().size() >= 30);
  CHECK(r->symptom_within("timeout", "no_connection"));
  CHECK(r->symptom_within("refused", "no_connection"));
}

}  // namespace
}  // namespace rdptriage
