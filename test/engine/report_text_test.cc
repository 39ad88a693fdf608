// to_text(): the human report is inert for a terminal whatever the evidence
// says (issue 14 item 4), and the report's identity (issue 13 item 3).
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "engine/safe_text.h"
#include "rdptriage/report.h"
#include "rdptriage/terminal_text.h"
#include "rdptriage/triage.h"
#include "rdptriage/version.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using internal::terminal_safe;
using internal::terminal_safe_lines;
using testing::MapAdapter;
using testing::V;

// Every byte a terminal acts on, other than the line feed: C0 controls,
// DEL, C1 controls (as UTF-8), bidirectional controls.
bool has_terminal_controls(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  for (const char* seq : {"\xc2\x80", "\xc2\x9b", "\xc2\x9d", "\xe2\x80\xae", "\xe2\x80\xad",
                          "\xe2\x81\xa6", "\xe2\x81\xa9", "\xe2\x80\x8f", "\xe2\x80\xa8"})
    if (s.find(seq) != std::string::npos) return true;
  return false;
}

TEST_CASE("terminal_safe shows every control as a visible escape") {
  CHECK(terminal_safe("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07");
  CHECK(terminal_safe("\x1b[2J\x1b[H") == "\\x1b[2J\\x1b[H");
  CHECK(terminal_safe("a\r\nCONFIRMED") == "a\\r\\nCONFIRMED");
  CHECK(terminal_safe("tab\there") == "tab\\there");
  CHECK(terminal_safe("del\x7f") == "del\\x7f");
  CHECK(terminal_safe("csi\xc2\x9b"
                      "31m") == "csi\\u009b31m");
  CHECK(terminal_safe("rlo\xe2\x80\xae"
                      "exe.txt") == "rlo\\u202eexe.txt");
  CHECK(terminal_safe("isolate\xe2\x81\xa6x\xe2\x81\xa9") == "isolate\\u2066x\\u2069");
  CHECK(terminal_safe("bad\xff\xfe utf8") == "bad\\xff\\xfe utf8");
  CHECK(terminal_safe("overlong\xc0\xaf") == "overlong\\xc0\\xaf");
  CHECK(terminal_safe("surrogate\xed\xa0\x80") == "surrogate\\xed\\xa0\\x80");
  CHECK(terminal_safe("truncated\xe4\xb8") == "truncated\\xe4\\xb8");
  std::string nul("nul\0!", 5);
  CHECK(terminal_safe(nul) == "nul\\x00!");
}

TEST_CASE("terminal_safe keeps text in any script and the paths users copy") {
  const std::string zh = "远程桌面连接 — 发生身份验证错误。";
  CHECK(terminal_safe(zh) == zh);
  CHECK(terminal_safe("Anmeldung fehlgeschlagen: Kennwort abgelaufen") ==
        "Anmeldung fehlgeschlagen: Kennwort abgelaufen");
  const std::string reg =
      R"(reg add "HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server" /v fDenyTSConnections)";
  CHECK(terminal_safe(reg) == reg);
  CHECK(terminal_safe("emoji \xf0\x9f\x94\x92") == "emoji \xf0\x9f\x94\x92");
}

TEST_CASE("terminal_safe_lines indents every further line and keeps tabs") {
  CHECK(terminal_safe_lines("a\nb\n\tc", "    ") == "a\n    b\n    \tc");
  CHECK(terminal_safe_lines("a\r\nCONFIRMED\x1b[2K", "  ") == "a\\r\n  CONFIRMED\\x1b[2K");
}

TEST_CASE("the public terminal_text() escapes what a terminal acts on, idempotently") {
  const std::string evil =
      "x\x1b]0;title\x07 \x1b[2J\r\nCONFIRMED del\x7f csi\xc2\x9b rlo\xe2\x80\xae";
  const std::string safe = terminal_text(evil);
  CHECK(safe == "x\\x1b]0;title\\x07 \\x1b[2J\\r\\nCONFIRMED del\\x7f csi\\u009b rlo\\u202e");
  CHECK(is_terminal_text(safe));
  CHECK_FALSE(is_terminal_text(evil));
  CHECK(terminal_text(safe) == safe);  // escaping twice changes nothing
  CHECK(terminal_text_lines("a\nb\x1b", "  ") == "a\n  b\\x1b");
  CHECK(is_terminal_text("Anmeldung fehlgeschlagen \xe6\x97\xa0\xe6\xb3\x95"));
  CHECK_FALSE(is_terminal_text("bad \xff"));
}

TEST_CASE("Status and Diagnostic text is safe to print as it is") {
  const Status s(
      ErrorCode::kNotFound, "cannot read \x1b]0;t\x07.json\r\nCONFIRMED",
      {Diagnostic{"a\x1b[2J.json", 3, 4, "rules[0].ti\ntle", "id\x07", "bad \xc2\x9b text"}});
  CHECK(s.message() == "cannot read \\x1b]0;t\\x07.json\\r\\nCONFIRMED");
  CHECK(s.diagnostics()[0].to_string() ==
        "a\\x1b[2J.json:3:4: rules[0].ti\\ntle: [id\\x07] bad \\u009b text");
  CHECK(is_terminal_text(s.message()));
  // to_string() keeps its own line structure and nothing else.
  for (const char c : s.to_string()) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
}

Report hostile_report() {
  const std::string evil =
      "ok\r\nCONFIRMED  layer: network\n\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
      "1m\xe2\x80\xae";
  Report r;
  r.status = Verdict::kInconclusive;
  r.title = "Not settled " + evil;
  r.symptom = "timeout";
  r.symptom_source = "client error " + evil;
  Evidence e;
  e.probe = "client.tcp_connect";
  e.result = ProbeResult::failed("adapter said " + evil);
  r.evidence.push_back(e);
  Evidence v;
  v.probe = "guest.rdp_port";
  v.result.kind = ProbeResult::Kind::kValue;
  v.result.value = std::string("3389") + evil;
  v.result.reason = evil;
  v.confirmed = {"service.x" + evil};
  r.evidence.push_back(v);
  FixStep step;
  step.text = "Do it " + evil;
  step.command = "az vm run-command invoke --scripts 'line one\nCONFIRMED forged\x1b[1A'";
  step.where = "inside the VM " + evil;
  r.fix.push_back(step);
  r.warnings = {"careful " + evil};
  Candidate c;
  c.cause = "network.nsg_denies_rdp";
  c.title = "NSG " + evil;
  c.next_test = "ask " + evil;
  r.candidates.push_back(c);
  r.not_excluded.push_back(c);
  NextTest t;
  t.probe = "netwatch.ip_flow_inbound";
  t.title = "IP flow " + evil;
  t.command = "az network watcher test-ip-flow\n" + evil;
  t.why = "because " + evil;
  t.outcomes.push_back({"deny" + evil, "confirms " + evil});
  r.next_test = t;
  r.notes = {"note " + evil};
  ClientErrorReading reading;
  reading.bytes = 10;
  ClientErrorMatch m;
  m.excerpt = evil;
  m.meaning = evil;
  m.source = "pasted" + evil;
  reading.matches.push_back(m);
  reading.notes = {evil};
  r.client_error = reading;
  r.decision_id = "d";
  r.evaluated_at = "2026-11-25T00:00:00.000Z";
  return r;
}

TEST_CASE("to_text: hostile evidence cannot act on the terminal or forge a line") {
  const std::string text = to_text(hostile_report());
  CHECK_FALSE(has_terminal_controls(text));
  // Only the report's own header starts a line with a verdict.
  std::istringstream lines(text);
  std::string line;
  int verdict_lines = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("CONFIRMED", 0) == 0 || line.rfind("INCONCLUSIVE", 0) == 0 ||
        line.rfind("HEALTHY", 0) == 0)
      ++verdict_lines;
  }
  CHECK(verdict_lines == 1);
  CHECK(text.rfind("INCONCLUSIVE", 0) == 0);
  // The escapes are visible, so a reader sees something was there.
  CHECK(text.find("\\x1b]0;pwned\\x07") != std::string::npos);
  CHECK(text.find("\\u202e") != std::string::npos);
  // A multi-line command keeps its lines, each further one indented.
  CHECK(text.find("\n         CONFIRMED forged\\x1b[1A'") != std::string::npos);
}

TEST_CASE("to_text: colour is the host's choice, and only SGR sequences are emitted") {
  Report r = hostile_report();
  const std::string plain = to_text(r);
  CHECK(plain.find('\x1b') == std::string::npos);
  const std::string coloured = to_text(r, {.colour = true});
  const std::string stripped = std::regex_replace(coloured, std::regex("\x1b\\[[0-9;]*m"), "");
  CHECK(stripped == plain);
  CHECK(coloured != plain);
}

TEST_CASE("to_text: max_candidates bounds the candidates shown") {
  Report r;
  r.status = Verdict::kInconclusive;
  for (int i = 0; i < 9; ++i) {
    Candidate c;
    c.cause = "network.c" + std::to_string(i);
    c.title = "t";
    r.candidates.push_back(c);
  }
  const std::string six = to_text(r);
  CHECK(six.find("network.c5") != std::string::npos);
  CHECK(six.find("network.c6") == std::string::npos);
  CHECK(six.find("and 3 more") != std::string::npos);
  const std::string two = to_text(r, {.max_candidates = 2});
  CHECK(two.find("network.c1") != std::string::npos);
  CHECK(two.find("network.c2") == std::string::npos);
  CHECK(to_text(r, {.max_candidates = 0}).find("Candidates") == std::string::npos);
}

constexpr const char* kRules = R"({
  "schema": "rdptriage.rules/1",
  "probes": [{"id": "p.port", "title": "port", "channel": "run_command", "cost_s": 1,
              "result": {"type": "string"}, "how": "h"}],
  "symptoms": [{"id": "s", "title": "s", "layer": "service"}],
  "rules": [{"id": "service.port", "layer": "service", "stage": "listener", "title": "t",
             "explanation": "e", "symptoms": ["s"], "confirm": {"probe": "p.port", "eq": "moved"},
             "confirm_text": "c", "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}]
})";

StatusOr<Report> evaluate_once(const Triage& triage, const std::string& decision_id) {
  EvaluateRequest req;
  req.symptom = "s";
  req.decision_id = decision_id;
  req.adapters.push_back(
      std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{{"p.port", V("moved")}}));
  return triage.evaluate(req);
}

TEST_CASE("a report names the library, the rules and the decision that produced it") {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"identity.json", kRules}});
  REQUIRE(rules.ok());
  const std::string digest = rules->digest();
  Triage triage = Triage::from_rules(std::move(rules).value());
  StatusOr<Report> a = evaluate_once(triage, "");
  StatusOr<Report> b = evaluate_once(triage, "");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->status == Verdict::kConfirmed);
  CHECK(a->library_version == library_version());
  CHECK(a->rules_digest == digest);
  CHECK(a->rules_digest.rfind("sha256:", 0) == 0);
  const std::regex uuid4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  CHECK(std::regex_match(a->decision_id, uuid4));
  CHECK(a->decision_id != b->decision_id);
  CHECK(std::regex_match(
      a->evaluated_at,
      std::regex(
          R"(20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z)")));
  const std::string json = report_to_json(*a);
  CHECK(json.find("\"schema\":\"rdptriage.report/1\"") != std::string::npos);
  CHECK(json.find("\"decision_id\":\"" + a->decision_id + "\"") != std::string::npos);
  CHECK(to_text(*a).find("decision " + a->decision_id) != std::string::npos);

  StatusOr<Report> given = evaluate_once(triage, "INC-4711:attempt.2");
  REQUIRE(given.ok());
  CHECK(given->decision_id == "INC-4711:attempt.2");
}

TEST_CASE("a decision id a log or terminal would misread is refused") {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"identity.json", kRules}});
  REQUIRE(rules.ok());
  Triage triage = Triage::from_rules(std::move(rules).value());
  for (const std::string& bad :
       {std::string("two words"), std::string("x\ny"), std::string("\x1b[2J"),
        std::string(129, 'a'), std::string("id\"quote")}) {
    StatusOr<Report> r = evaluate_once(triage, bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
  }
  CHECK(evaluate_once(triage, std::string(128, 'a')).ok());
}

}  // namespace
}  // namespace rdptriage
