// Sessions and gates at load time (lib/rules/planning_decls.cc): every
// problem the loader reports is named with the file, line, column and JSON
// path of what to fix, and a file with any of them loads nothing.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "rdptriage/rules.h"
#include "support/expect_problem.h"

namespace rdptriage {
namespace {

using testing::expect_problem;

// Two Run Command reads, a serial read, a client read; one cause per
// stage the gates below talk about.
constexpr const char* kBase = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "guest.a", "title": "a", "channel": "run_command", "cost_s": 1, "result": {"type": "bool"}, "how": "a"},
    {"id": "guest.b", "title": "b", "channel": "run_command", "cost_s": 1, "result": {"type": "bool"}, "how": "b"},
    {"id": "serial.a", "title": "s", "channel": "serial_console", "cost_s": 10, "result": {"type": "bool"}, "how": "s"},
    {"id": "client.open", "title": "o", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "o"}
  ],
  "symptoms": [{"id": "s1", "title": "one"}, {"id": "ok", "title": "works"}],
  "rules": [
    {"id": "network.near", "layer": "network", "stage": "network", "title": "t", "explanation": "e",
     "symptoms": ["s1"], "confirm": {"probe": "client.open", "eq": false}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "auth.far", "layer": "auth", "stage": "logon", "title": "t", "explanation": "e",
     "symptoms": ["s1"], "confirm": {"probe": "guest.a", "eq": true}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}
  ]})";

StatusOr<RuleSet> load(const std::string& planning) {
  return RuleSet::load_documents({{"base.json", kBase}, {"planning.json", planning}});
}

std::string sessions(const std::string& list) {
  return R"({"schema": "rdptriage.rules/1", "sessions": [)" + list + "]}";
}

std::string gates(const std::string& list) {
  return R"({"schema": "rdptriage.rules/1", "gates": [)" + list + "]}";
}

// A gate with every field; `over` replaces some ({"clears": "[...]"}: the
// field's JSON).
std::string gate(const std::map<std::string, std::string>& over) {
  std::map<std::string, std::string> f = {{"id", R"("g")"},
                                          {"title", R"("t")"},
                                          {"explanation", R"("e")"},
                                          {"when", R"({"probe": "client.open", "eq": true})"},
                                          {"clears", R"(["network"])"},
                                          {"sources", R"([{"seed": "003", "section": "x"}])"}};
  for (const auto& [k, v] : over) f[k] = v;
  std::string out;
  for (const auto& [k, v] : f) out += (out.empty() ? "{" : ", ") + ("\"" + k + "\": ") + v;
  return out + "}";
}

// Checks the diagnostic carries a position in `file` and the JSON path.
void expect_at(const Diagnostic& d, const std::string& file, const std::string& path) {
  INFO(d.to_string());
  CHECK(d.file == file);
  CHECK(d.line >= 1);
  CHECK(d.column >= 1);
  CHECK(d.path == path);
}

TEST_CASE("valid sessions and gates load") {
  StatusOr<RuleSet> r =
      RuleSet::load_documents({{"base.json", kBase},
                               {"s.json", sessions(R"({"id": "script", "title": "t",
                                  "channel": "run_command", "cost_s": 45, "probes": ["guest.*"]})")},
                               {"g.json", gates(gate({}))}});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  REQUIRE(r->sessions().size() == 1);
  CHECK(r->sessions()[0].probes == std::vector<std::string>{"guest.a", "guest.b"});
  REQUIRE(r->gates().size() == 1);
  CHECK(r->gates()[0].probes == std::vector<std::string>{"client.open"});
}

TEST_CASE("session problems name the session and where to fix it") {
  auto session = [](const std::string& fields) {
    return sessions(R"({"id": "script", "title": "t", )" + fields + "}");
  };
  SECTION("unknown probe") {
    auto r = load(session(R"("channel": "run_command", "cost_s": 45, "probes": ["guest.nope"])"));
    expect_at(expect_problem(r, "unknown probe \"guest.nope\""), "planning.json",
              "sessions[0].probes[0]");
  }
  SECTION("a wildcard that matches nothing") {
    auto r = load(session(R"("channel": "run_command", "cost_s": 45, "probes": ["vm.*"])"));
    expect_at(expect_problem(r, "\"vm.*\" matches no probe"), "planning.json",
              "sessions[0].probes[0]");
  }
  SECTION("a member on another channel") {
    auto r = load(session(R"("channel": "run_command", "cost_s": 45, "probes": ["serial.a"])"));
    expect_at(
        expect_problem(r, "runs on the serial_console channel, not the session's run_command"),
        "planning.json", "sessions[0].probes[0]");
  }
  SECTION("a probe in two sessions") {
    auto r = load(sessions(R"({"id": "one", "title": "t", "channel": "run_command", "cost_s": 45,
                                "probes": ["guest.a"]},
                               {"id": "two", "title": "t", "channel": "run_command", "cost_s": 45,
                                "probes": ["guest.*"]})"));
    Diagnostic d = expect_problem(r, "\"guest.a\" is already in session \"one\" (planning.json:");
    expect_at(d, "planning.json", "sessions[1].probes[0]");
  }
  SECTION("a member as dear as its session, charged twice") {
    // guest.a costs 1 on its own: a 1 s session would charge it twice.
    auto r = load(session(R"("channel": "run_command", "cost_s": 1, "probes": ["guest.a"])"));
    Diagnostic d = expect_problem(r, "a member's cost_s must be less than its session's");
    // Reported at the probe's own cost, where the fix is, naming the session.
    expect_at(d, "base.json", "probes[0].cost_s");
    CHECK(d.subject == "guest.a");
    CHECK_THAT(d.message, Catch::Contains("session \"script\" (planning.json:"));
  }
  SECTION("cost_s must be positive") {
    for (const char* cost : {"0", "-3", "100000"}) {
      auto r = load(session(std::string(R"("channel": "run_command", "cost_s": )") + cost +
                            R"(, "probes": ["guest.a"])"));
      expect_at(expect_problem(r, "cost_s must be greater than 0"), "planning.json",
                "sessions[0].cost_s");
    }
  }
  SECTION("no member") {
    auto r = load(session(R"("channel": "run_command", "cost_s": 45, "probes": [])"));
    expect_at(expect_problem(r, "a session needs at least one member probe"), "planning.json",
              "sessions[0].probes");
  }
  SECTION("unknown channel") {
    auto r = load(session(R"("channel": "telepathy", "cost_s": 45, "probes": ["guest.a"])"));
    expect_at(expect_problem(r, "unknown channel \"telepathy\""), "planning.json",
              "sessions[0].channel");
  }
  SECTION("a bad id, and the same id twice") {
    auto r = load(sessions(R"({"id": "Script", "title": "t", "channel": "run_command",
                                "cost_s": 45, "probes": ["guest.a"]})"));
    expect_problem(r, "session ids are lower-case words");
    auto twice = load(sessions(R"({"id": "s", "title": "t", "channel": "run_command", "cost_s": 45,
                                    "probes": ["guest.a"]},
                                   {"id": "s", "title": "t", "channel": "serial_console",
                                    "cost_s": 120, "probes": ["serial.a"]})"));
    expect_at(expect_problem(twice, "duplicate session id"), "planning.json", "sessions[1].id");
  }
}

TEST_CASE("gate problems name the gate and where to fix it") {
  SECTION("an unknown stage") {
    auto r = load(gates(gate({{"clears", R"(["network", "transport"])"}})));
    expect_at(expect_problem(r, "unknown stage \"transport\""), "planning.json",
              "gates[0].clears[1]");
  }
  SECTION("a stage twice") {
    auto r = load(gates(gate({{"clears", R"(["network", "network"])"}})));
    expect_at(expect_problem(r, "stage \"network\" twice"), "planning.json", "gates[0].clears[1]");
  }
  SECTION("an exception outside the cleared stages") {
    auto r = load(gates(gate({{"except", R"(["auth.far"])"}})));
    expect_at(expect_problem(r,
                             "\"auth.far\" acts at the logon stage, which this gate does not "
                             "clear: the exception means nothing"),
              "planning.json", "gates[0].except[0]");
  }
  SECTION("an unknown cause in except") {
    auto r = load(gates(gate({{"except", R"(["network.nope"])"}})));
    expect_at(expect_problem(r, "unknown cause \"network.nope\" in except"), "planning.json",
              "gates[0].except[0]");
  }
  SECTION("nothing cleared") {
    auto r = load(gates(gate({{"clears", "[]"}})));
    expect_at(expect_problem(r, "a gate must clear at least one stage"), "planning.json",
              "gates[0].clears");
  }
  SECTION("no source") {
    auto r = load(gates(gate({{"sources", "[]"}})));
    expect_at(expect_problem(r, "a gate needs at least one source"), "planning.json",
              "gates[0].sources");
  }
  SECTION("a condition on an unknown probe") {
    auto r = load(gates(gate({{"when", R"({"probe": "client.nope", "eq": true})"}})));
    Diagnostic d = expect_problem(r, "client.nope");
    CHECK(d.file == "planning.json");
    CHECK_THAT(d.path, Catch::StartsWith("gates[0].when"));
  }
  SECTION("no condition") {
    auto r = load(gates(R"({"id": "g", "title": "t", "explanation": "e", "clears": ["network"],
                            "sources": [{"seed": "003", "section": "x"}]})"));
    Diagnostic d = expect_problem(r, "when");
    CHECK(d.file == "planning.json");
    CHECK(d.subject == "g");
  }
  SECTION("a bad id, and the same id twice") {
    expect_problem(load(gates(R"({"id": "G-1", "title": "t", "explanation": "e",
                                  "when": {"probe": "client.open", "eq": true},
                                  "clears": ["network"], "sources": [{"seed": "003"}]})")),
                   "gate ids are lower-case words");
    auto twice = load(gates(gate({}) + ", " + gate({})));
    expect_at(expect_problem(twice, "duplicate gate id"), "planning.json", "gates[1].id");
  }
}

TEST_CASE("a file with a planning problem loads nothing") {
  auto r = load(sessions(R"({"id": "script", "title": "t", "channel": "run_command",
                              "cost_s": 45, "probes": ["guest.nope"]})"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kValidationError);
}

}  // namespace
}  // namespace rdptriage
