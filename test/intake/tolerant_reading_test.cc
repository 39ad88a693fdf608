// Tolerant reading: paraphrases and typos above the threshold show their
// symptom (never a cause), below it stay unknown; lines that explain an
// error widen the reading instead of being outvoted; full-width and
// localized code shapes read as their codes.
#include <catch2/catch.hpp>
#include <string>

#include "intake/normalize.h"
#include "intake/paraphrase.h"
#include "rdptriage/triage.h"
#include "support/bundled_triage.h"

namespace rdptriage {
namespace {

// s_wide covers s_auth and s_net; s_auth's cause is auth.c.
constexpr const char* kRules = R"json({"schema": "rdptriage.rules/1",
  "probes": [{"id": "p.flag", "title": "f", "channel": "client", "cost_s": 1,
              "result": {"type": "bool"}, "how": "look"}],
  "symptoms": [{"id": "s_wide", "title": "wide"},
               {"id": "s_auth", "title": "auth", "within": ["s_wide"]},
               {"id": "s_net", "title": "net", "within": ["s_wide"]},
               {"id": "s_guest", "title": "guest"}],
  "rules": [
    {"id": "auth.c", "layer": "auth", "stage": "logon", "title": "a", "explanation": "e",
     "symptoms": ["s_auth"], "confirm": {"probe": "p.flag", "eq": true}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "network.c", "layer": "network", "stage": "network", "title": "n", "explanation": "e",
     "symptoms": ["s_net"], "confirm": {"probe": "p.flag", "eq": false}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "guest.c", "layer": "guest", "stage": "session", "title": "g", "explanation": "e",
     "symptoms": ["s_guest"], "confirm": {"probe": "p.flag", "eq": true}, "confirm_text": "c",
     "fix": [{"text": "f"}], "sources": [{"seed": "003", "section": "x"}]}],
  "client_codes": [{"id": "t.log", "title": "log", "source": "test",
    "patterns": [{"regex": "last error (?P<code>\\d+)", "priority": 60, "last_wins": true}],
    "codes": [{"code": 1, "name": "LOGON_EXPIRED", "meaning": "m", "symptom": "s_auth",
               "cause": "auth.c", "observe": {"p.flag": true}}]}],
  "client_messages": [
    {"id": "m.internal", "phrases": ["an internal error has occurred"], "meaning": "m",
     "symptom": "s_auth", "cause": "auth.c", "observe": {"p.flag": true}},
    {"id": "m.refused", "phrases": ["connection refused"], "meaning": "m", "symptom": "s_net"},
    {"id": "m.reset", "phrases": ["connection reset by peer"], "meaning": "m", "symptom": "s_net",
     "underlying": true},
    {"id": "m.screen", "phrases": ["the screen stays black"], "meaning": "m", "symptom": "s_guest",
     "underlying": true}]})json";

Triage triage() {
  auto rules = RuleSet::load_documents({{"r.json", kRules}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  return Triage::from_rules(std::move(rules).value());
}

ClientErrorReading read(const Triage& t, const std::string& text, ClientErrorOptions o = {}) {
  auto r = t.read_client_error(text, o);
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("a paraphrase or a typo shows the symptom with its score, never the cause") {
  Triage t = triage();
  for (const char* text : {"An internal error occurred.", "An internal error has occured",
                           "internal error has occurred, sorry", "AN INTERNAL ERROR OCCURED"}) {
    INFO(text);
    ClientErrorReading r = read(t, text);
    CHECK(r.symptom == "s_auth");
    CHECK(r.leading_cause.empty());
    CHECK(r.observations.empty());
    REQUIRE(r.matches.size() == 1);
    CHECK(r.matches[0].score < 1.0);
    CHECK(r.matches[0].score >= 0.85);
  }
  // Written as listed: score 1, and the cause it names.
  ClientErrorReading exact = read(t, "An internal error has occurred.");
  REQUIRE(exact.matches.size() == 1);
  CHECK(exact.matches[0].score == 1.0);
  CHECK(exact.leading_cause == "auth.c");
}

TEST_CASE("below the threshold a paraphrase stays unrecognised") {
  Triage t = triage();
  for (const char* text : {"internal error", "an internal problem has occurred",
                           "an error has occurred", "internal systems occurred error later"}) {
    INFO(text);
    ClientErrorReading r = read(t, text);
    CHECK(r.symptom == "unknown");
    CHECK_FALSE(r.recognized());
  }
  // The threshold is the caller's: above 1 turns tolerant matching off.
  ClientErrorOptions strict;
  strict.min_paraphrase_score = 1.01;
  CHECK(read(t, "An internal error occurred.", strict).symptom == "unknown");
  ClientErrorOptions loose;
  loose.min_paraphrase_score = 0.5;
  CHECK(read(t, "internal error", loose).symptom == "s_auth");
}

TEST_CASE("short phrases keep their order, and negations and short words are never typos") {
  Triage t = triage();
  CHECK(read(t, "connection refused").symptom == "s_net");
  CHECK(read(t, "the server refused the connection").symptom == "unknown");
  // A typo is tolerated among three content words; among two only in a
  // word of eight letters or more, the other as written: one changed short
  // word of two is another message ("connection reused").
  CHECK(read(t, "An internall error has occurred").symptom == "s_auth");
  CHECK(read(t, "conection refused").symptom == "s_net");
  CHECK(read(t, "connection reused").symptom == "unknown");
  CHECK(read(t, "conection reused").symptom == "unknown");
  CHECK(read(t, "connection refused").symptom == "s_net");
  using internal::typo_tolerant;
  CHECK_FALSE(typo_tolerant("cant"));
  CHECK_FALSE(typo_tolerant("cannot"));
  CHECK_FALSE(typo_tolerant("0x904"));
  CHECK(typo_tolerant("occurred"));
}

TEST_CASE("an underlying line is never outvoted: the reading widens and names no cause") {
  Triage t = triage();
  // The log's last error (priority 60) says s_auth; the reset says s_net:
  // neither within the other, s_wide covers both.
  ClientErrorReading r = read(t, "connection reset by peer\nlast error 1");
  CHECK(r.symptom == "s_wide");
  CHECK(r.leading_cause.empty());
  CHECK(r.observations.count("p.flag") == 1);  // what the text shows still counts
  bool noted = false;
  for (const std::string& n : r.notes) noted |= n.find("widens to s_wide") != std::string::npos;
  CHECK(noted);
  bool underlying = false;
  for (const ClientErrorMatch& m : r.matches) underlying |= m.underlying && m.decisive;
  CHECK(underlying);
  // A plain message of the same priority does not widen: the last error
  // decides the symptom. But it is another reading of the text, so the
  // error's cause is not named as the leading one.
  r = read(t, "connection refused\nlast error 1");
  CHECK(r.symptom == "s_auth");
  CHECK(r.leading_cause.empty());
  // With nothing pointing elsewhere, the last error names its cause.
  r = read(t, "last error 1");
  CHECK(r.symptom == "s_auth");
  CHECK(r.leading_cause == "auth.c");
  // Where no declared symptom covers both, the reading widens to unknown
  // (every cause a candidate) and names no cause: the error does not
  // outvote the line that explains it.
  r = read(t, "the screen stays black\nlast error 1");
  CHECK(r.symptom == "unknown");
  CHECK(r.leading_cause.empty());
  noted = false;
  for (const std::string& n : r.notes) noted |= n.find("widens to unknown") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("full-width forms, ideographic punctuation and localized dialogs read as their codes") {
  using internal::normalize_spacing;
  CHECK(normalize_spacing("\xE9\x94\x99\xE8\xAF\xAF\xE4\xBB\xA3\xE7\xA0\x81\xEF\xBC\x9A"
                          "\xEF\xBC\x90\xEF\xBD\x98\xEF\xBC\x99\xEF\xBC\x90\xEF\xBC\x94")
            .text == "\xE9\x94\x99\xE8\xAF\xAF\xE4\xBB\xA3\xE7\xA0\x81:0x904");
  CHECK(internal::normalize_message("Code d\xE2\x80\x99"
                                    "erreur \xC3\xA9tendu\xE3\x80\x82") == " code derreur etendu ");
  const Triage& bundled = testing::bundled_triage();
  struct Case {
    const char* text;
    const char* code;
  };
  for (const Case& c :
       {Case{"[Expanded Information]\nFoutcode: 0x204\nUitgebreide foutcode: 0x0", "0x204"},
        Case{"[Expanded Information]\nKod b\xC5\x82\xC4\x99"
             "du: 0x904\n",
             "0x904"},
        Case{"RDP disconnected!\n519", "0x207"}, Case{"error during connection 3847", "0xF07"},
        Case{"ErrorCode = c0000234", "0xC0000234"},
        Case{"[ERROR][com.freerdp.core] - freerdp_set_last_error 0x20014", "0x14"}}) {
    INFO(c.text);
    auto r = bundled.read_client_error(c.text);
    REQUIRE(r.ok());
    bool found = false;
    for (const ClientErrorMatch& m : r->matches) found |= m.code == c.code && m.listed;
    CHECK(found);
  }
}

}  // namespace
}  // namespace rdptriage
