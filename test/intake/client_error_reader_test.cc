// How a pasted client error is read: matching (case, spacing, punctuation,
// names inside messages, codes in any notation) and deciding when the text
// points several ways. Uses small in-memory rule sets so each rule of the
// decision is tested on its own.
#include "intake/client_error_reader.h"

#include <catch2/catch.hpp>
#include <string>

#include "rdptriage/triage.h"

namespace rdptriage {
namespace {

// Causes auth.a (explains s_broad and s_narrow), auth.b (s_broad), network.other
// (s_other); s_narrow sits within s_broad.
constexpr const char* kBase = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.flag", "title": "a flag", "channel": "client", "cost_s": 1,
     "result": {"type": "bool"}, "how": "look"},
    {"id": "p.status", "title": "a status", "channel": "run_command", "cost_s": 45,
     "result": {"type": "enum", "values": ["none", "0xC000006A", "0xC0000071"]}, "how": "ask"}],
  "symptoms": [{"id": "s_broad", "title": "broad"},
               {"id": "s_narrow", "title": "narrow", "within": ["s_broad"]},
               {"id": "s_other", "title": "other"},
               {"id": "s_wide", "title": "wide"}],
  "rules": [
    {"id": "auth.a", "layer": "auth", "stage": "logon", "title": "a", "explanation": "e",
     "symptoms": ["s_narrow", "s_wide"], "confirm": {"probe": "p.status", "eq": "0xC000006A"},
     "confirm_text": "c", "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "auth.b", "layer": "auth", "stage": "logon", "title": "b", "explanation": "e",
     "symptoms": ["s_broad", "s_wide"], "confirm": {"probe": "p.status", "eq": "0xC0000071"},
     "confirm_text": "c", "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "network.other", "layer": "network", "stage": "network", "title": "o", "explanation": "e",
     "symptoms": ["s_other", "s_wide"], "confirm": {"probe": "p.flag", "eq": true},
     "confirm_text": "c", "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}]})";

Triage triage_with(const std::string& intake) {
  auto rules = RuleSet::load_documents(
      {{"base.json", kBase},
       {"intake.json", R"({"schema": "rdptriage.rules/1", )" + intake + "}"}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  return Triage::from_rules(std::move(rules).value());
}

ClientErrorReading read(const Triage& t, const std::string& text, ClientErrorOptions o = {}) {
  auto r = t.read_client_error(text, o);
  REQUIRE(r.ok());
  return std::move(r).value();
}

const char* kTable = R"("client_codes": [
  {"id": "t.reason", "title": "reasons", "source": "test", "priority": 40,
   "patterns": ["(?:^|[^a-z])error code\\s*[:=]?\\s*(?P<code>0x[0-9a-f]+|\\d+)\\b",
                {"regex": "extended error code\\s*[:=]?\\s*(?P<code>0x[0-9a-f]+|\\d+)\\b", "priority": 45},
                {"regex": "final (?P<code>[a-z_]+) \\[", "priority": 60, "last_wins": true},
                {"regex": "\\b0x0002(?P<code>[0-9a-f]{4})\\b", "radix": 16}],
   "codes": [
     {"code": "0x904", "name": "REASON_CLOSED", "meaning": "closed", "symptom": "s_broad"},
     {"code": 2055, "name": "REASON_LOGON", "meaning": "logon", "symptom": "s_narrow", "cause": "auth.a",
      "observe": {"p.status": "0xC000006A"}},
     {"code": "0x7", "name": "REASON_OTHER", "meaning": "other", "symptom": "s_other"},
     {"code": "0xF07", "name": "REASON_EXPIRED", "meaning": "expired", "symptom": "s_broad",
      "cause": "auth.b", "observe": {"p.status": "0xC0000071"}},
     {"code": "0x1", "name": "REASON_INFO", "meaning": "informational"},
     {"code": "0xD", "name": "REASON_TRANSPORT", "meaning": "transport", "symptom": "s_wide"}]}],
  "client_messages": [
    {"id": "m.find", "phrases": ["cannot find the computer * on the network"], "meaning": "m",
     "symptom": "s_other"},
    {"id": "m.refused", "phrases": ["connection refused"], "meaning": "m", "symptom": "s_narrow"},
    {"id": "m.banner", "phrases": ["remote desktop can't connect"], "meaning": "m",
     "symptom": "s_wide", "priority": 10}])";

TEST_CASE("a code is read in hex, decimal, by name, and as a class-prefixed number") {
  Triage t = triage_with(kTable);
  for (const char* text : {"Error code: 0x807", "error code 2055", "ERROR CODE:0X807",
                           "reason_logon", "failed with REASON_LOGON.", "final REASON_LOGON [x]"}) {
    INFO(text);
    ClientErrorReading r = read(t, text);
    CHECK(r.symptom == "s_narrow");
    CHECK(r.leading_cause == "auth.a");
    REQUIRE(r.matches.size() == 1);
    CHECK(r.matches[0].code == "2055");
    CHECK(r.matches[0].name == "REASON_LOGON");
  }
  ClientErrorReading r = read(t, "[0x0002000D]");
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].name == "REASON_TRANSPORT");
}

TEST_CASE("pasted text is tolerated: line breaks, curly quotes, names inside, no punctuation") {
  Triage t = triage_with(kTable);
  for (const char* text : {"Remote Desktop cannot find the computer "
                           "\xE2\x80\x9Cvm1.contoso.com\xE2\x80\x9D on the network.",
                           "remote desktop\ncannot   find the\r\ncomputer 10.0.0.4 on the network",
                           "CANNOT FIND THE COMPUTER on the network"}) {
    INFO(text);
    CHECK(read(t, text).symptom == "s_other");
  }
  // Up to eight words may stand where the phrase has "*"; more is not it.
  CHECK(read(t, "cannot find the computer a b c d e f g h i on the network").symptom == "unknown");
  CHECK(read(t, "Remote Desktop can\xE2\x80\x99t connect").symptom == "s_wide");
  CHECK(read(t, "Remote Desktop cant connect").symptom == "s_wide");
}

TEST_CASE("text that matches nothing is unknown, never a guess") {
  Triage t = triage_with(kTable);
  for (const char* text : {"", "hello", "the printer is on fire", "error code: 0x999999",
                           "\xFF\xFE binary \x01\x02"}) {
    ClientErrorReading r = read(t, text);
    CHECK(r.symptom == "unknown");
    CHECK(r.leading_cause.empty());
    CHECK(r.observations.empty());
  }
  // A code in the table's format that it does not list is reported as such.
  ClientErrorReading r = read(t, "Error code: 0x999");
  REQUIRE(r.matches.size() == 1);
  CHECK_FALSE(r.matches[0].listed);
  CHECK(r.matches[0].code == "0x999");
}

TEST_CASE("the longest pattern explains a code: an extended code is not an error code") {
  Triage t = triage_with(kTable);
  ClientErrorReading r = read(t, "Error code: 0x904 Extended error code: 0x7");
  REQUIRE(r.matches.size() == 2);
  CHECK(r.matches[0].code == "0x904");
  CHECK(r.matches[1].code == "0x7");
  // The extended code has the higher priority and decides.
  CHECK(r.symptom == "s_other");
  CHECK(r.matches[1].decisive);
  CHECK_FALSE(r.notes.empty());
}

TEST_CASE("informational codes never decide") {
  Triage t = triage_with(kTable);
  ClientErrorReading r = read(t, "error code 0x1");
  CHECK(r.recognized());
  CHECK(r.symptom == "unknown");
  CHECK(read(t, "error code 0x1 and connection refused").symptom == "s_narrow");
}

TEST_CASE("a higher priority decides; a narrower symptom within it refines it") {
  Triage t = triage_with(kTable);
  // The banner (priority 10) loses to the code (40).
  CHECK(read(t, "Remote Desktop can't connect. Error code: 0x7").symptom == "s_other");
  // The code says s_broad; the message shows s_narrow, which is within it.
  ClientErrorReading r = read(t, "Error code: 0x904 connection refused");
  CHECK(r.symptom == "s_narrow");
  CHECK(r.matches[0].decisive);
  CHECK(r.matches[1].decisive);
  // A symptom that is not within the decided one does not refine it.
  CHECK(read(t, "Error code: 0x904 cannot find the computer x on the network").symptom ==
        "s_broad");
}

TEST_CASE("at equal priority: agreement, then the last of a log, then the broadest, else unknown") {
  Triage t = triage_with(kTable);
  // Two codes, one symptom.
  CHECK(read(t, "error code 0x904, error code 0xF07").symptom == "s_broad");
  // A log's last error line decides, wherever other lines point.
  CHECK(read(t, "final REASON_OTHER [1]\nfinal REASON_LOGON [2]").symptom == "s_narrow");
  CHECK(read(t, "final REASON_LOGON [1]\nfinal REASON_OTHER [2]").symptom == "s_other");
  // No log order: the broadest symptom whose candidates cover the others'.
  CHECK(read(t, "error code 0x904, error code 0xD").symptom == "s_wide");
  // Neither covers the other: the narrowest declared symptom covering both
  // (s_wide explains auth.a, auth.b and network.other), with a note saying why.
  ClientErrorReading r = read(t, "error code 0x904, error code 0x7");
  CHECK(r.symptom == "s_wide");
  REQUIRE_FALSE(r.notes.empty());
  CHECK_THAT(r.notes.front(), Catch::Contains("s_broad") && Catch::Contains("s_other") &&
                                  Catch::Contains("widens to s_wide"));
}

TEST_CASE("disagreeing evidence with no symptom covering it reads as unknown") {
  auto rules = RuleSet::load_documents({{"r.json", R"({"schema": "rdptriage.rules/1",
    "probes": [{"id": "p.flag", "title": "f", "channel": "client", "cost_s": 1,
                "result": {"type": "bool"}, "how": "look"}],
    "symptoms": [{"id": "s_a", "title": "a"}, {"id": "s_b", "title": "b"}],
    "rules": [
      {"id": "auth.one", "layer": "auth", "stage": "logon", "title": "1", "explanation": "e",
       "symptoms": ["s_a"], "confirm": {"probe": "p.flag", "eq": true}, "confirm_text": "c",
       "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
      {"id": "guest.two", "layer": "guest", "stage": "session", "title": "2", "explanation": "e",
       "symptoms": ["s_b"], "confirm": {"probe": "p.flag", "eq": false}, "confirm_text": "c",
       "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}],
    "client_messages": [
      {"id": "m.a", "phrases": ["alpha failure"], "meaning": "m", "symptom": "s_a", "cause": "auth.one"},
      {"id": "m.b", "phrases": ["bravo failure"], "meaning": "m", "symptom": "s_b"}]})"}});
  REQUIRE(rules.ok());
  Triage t = Triage::from_rules(std::move(rules).value());
  ClientErrorReading r = read(t, "alpha failure, then bravo failure");
  CHECK(r.symptom == "unknown");
  CHECK(r.leading_cause.empty());
  REQUIRE_FALSE(r.notes.empty());
  CHECK_THAT(r.notes.front(), Catch::Contains("widens to unknown"));
}

TEST_CASE("the leading cause must explain the symptom, and be agreed on") {
  Triage t = triage_with(kTable);
  ClientErrorReading r = read(t, "error code 0xF07");
  CHECK(r.leading_cause == "auth.b");
  // auth.a explains s_narrow and (through within) s_broad.
  CHECK(read(t, "error code 0x807").leading_cause == "auth.a");
  // Two codes of one priority disagree: the broader symptom, which covers
  // both, and no leading cause, since they name different ones.
  r = read(t, "error code 0x807 error code 0xF07");
  CHECK(r.symptom == "s_broad");
  CHECK(r.leading_cause.empty());
  CHECK_FALSE(r.notes.empty());
  // A cause that does not explain the symptom is never the leading one; and
  // a lesser message pointing elsewhere (s_other) is another reading of the
  // text: the code decides the symptom, but names no leading cause.
  r = read(t, "error code 0x807 cannot find the computer x on the network");
  CHECK(r.symptom == "s_narrow");
  CHECK(r.leading_cause.empty());
  // The symptom decided elsewhere and the cause explaining none of it.
  CHECK(read(t, "Extended error code: 0x7 error code 0xF07").leading_cause.empty());
}

TEST_CASE("what the text shows answers probes; disagreeing answers are left to the adapters") {
  Triage t = triage_with(kTable);
  ClientErrorReading r = read(t, "error code 0x807");
  REQUIRE(r.observations.count("p.status"));
  CHECK(std::get<std::string>(r.observations.at("p.status")) == "0xC000006A");
  r = read(t, "error code 0x807, error code 0xF07");
  CHECK(r.observations.empty());
  CHECK_FALSE(r.notes.empty());
}

TEST_CASE("repeats count once per line; limits hold") {
  Triage t = triage_with(kTable);
  std::string log;
  for (int i = 0; i < 50; ++i) log += "error code 0x904 (REASON_CLOSED)\n";
  ClientErrorReading r = read(t, log);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].occurrences == 50);
  CHECK(r.matches[0].line == 50);  // the latest occurrence is the one that counts
  ClientErrorOptions few;
  few.max_matches = 1;
  r = read(t, "error code 0x904 connection refused", few);
  CHECK(r.matches.size() == 1);
  CHECK_FALSE(r.notes.empty());
  ClientErrorOptions tiny;
  tiny.max_bytes = 4;
  auto over = t.read_client_error("error code 0x904", tiny);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("matches carry the pasted words, their offset and line") {
  Triage t = triage_with(kTable);
  const std::string text = "first line\nsecond: Error   code:\t0x904 here";
  ClientErrorReading r = read(t, text);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].line == 2);
  CHECK(text.substr(r.matches[0].offset, 5) == "0x904");
  CHECK(r.matches[0].excerpt == "Error code: 0x904");
}

TEST_CASE("phrase regexes: words in order, '*' between words only") {
  using internal::phrase_regex;
  CHECK_FALSE(phrase_regex("can't find the computer").empty());
  CHECK_FALSE(phrase_regex("find * computer").empty());
  CHECK(phrase_regex("* computer").empty());
  CHECK(phrase_regex("computer *").empty());
  CHECK(phrase_regex("a * * b").empty());
  CHECK(phrase_regex("!!!").empty());
}

}  // namespace
}  // namespace rdptriage
