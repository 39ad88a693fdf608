// The bundled client-error knowledge, end to end: every code the issue
// names and every client message the seed articles quote reads as the
// symptom and leading cause written down in test/data/client_error_cases.json
// (independently of rules/), and every code in every bundled table is
// reachable by its number and by its name.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "rdptriage/triage.h"
#include "support/bundled_triage.h"

namespace rdptriage {
namespace {

const Triage& bundled() { return testing::bundled_triage(); }

boost::json::value cases() {
  std::ifstream in(std::string(RDPTRIAGE_TEST_SOURCE_DIR) + "/test/data/client_error_cases.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

std::string str(const boost::json::value& v) {
  return v.is_null() ? std::string() : std::string(v.as_string());
}

TEST_CASE("every listed client error reads as its symptom, cause and layers") {
  const boost::json::value doc = cases();
  const auto& layers = doc.at("symptom_layers").as_object();
  int n = 0;
  for (const auto& row : doc.at("cases").as_array()) {
    const auto& c = row.as_array();
    const std::string text = str(c[0]);
    const std::string symptom = str(c[1]);
    const std::string cause = str(c[2]);
    INFO("client error: " << text);
    auto reading = bundled().read_client_error(text);
    REQUIRE(reading.ok());
    std::string why;
    for (const auto& note : reading->notes) why += note + "\n";
    INFO("notes: " << why);
    CHECK(reading->symptom == symptom);
    CHECK(reading->leading_cause == cause);
    CHECK(reading->recognized() == (symptom != "unknown" || reading->recognized()));

    // What evaluate() makes of it with no adapter at all: the same symptom,
    // the leading cause first among the candidates, and the layers the
    // candidates span.
    EvaluateRequest req;
    req.client_error = text;
    auto report = bundled().evaluate(req);
    REQUIRE(report.ok());
    CHECK(report->symptom == symptom);
    std::set<std::string> got, want;
    for (const Candidate& cand : report->candidates)
      got.insert(std::string(layer_name(cand.layer)));
    for (const auto& l : layers.at(symptom).as_array()) want.insert(str(l));
    if (report->status == Verdict::kInconclusive) CHECK(got == want);
    if (!cause.empty() && report->status == Verdict::kInconclusive) {
      REQUIRE_FALSE(report->candidates.empty());
      CHECK(report->candidates.front().cause == cause);
      CHECK(report->leading_cause == cause);
    }
    ++n;
  }
  CHECK(n > 150);
}

// How each bundled table's codes are written by the client that reports them.
std::string written(const std::string& table, const ClientCodeInfo& code) {
  char hex[32], hex4[8], hex8[16];
  std::snprintf(hex, sizeof hex, "0x%llX", static_cast<unsigned long long>(code.value));
  std::snprintf(hex4, sizeof hex4, "%04llX", static_cast<unsigned long long>(code.value & 0xFFFF));
  std::snprintf(hex8, sizeof hex8, "0x%08llX", static_cast<unsigned long long>(code.value));
  const std::string dec = std::to_string(code.value);
  if (table == "mstsc.disconnect_reason") return std::string("Error code: ") + hex;
  if (table == "mstsc.extended_reason") return "Extended error code: " + dec;
  if (table == "rdp.errinfo")
    return code.value <= 0xFFFF ? std::string("[0x0001") + hex4 + "]"
                                : std::string("errinfo: ") + hex;
  if (table == "rdp.neg_failure") return "failureCode: " + dec;
  if (table == "freerdp.errconnect") return std::string("[0x0002") + hex4 + "]";
  if (table == "freerdp.exit_code") return "xfreerdp exited with code " + dec;
  if (table == "windows.logon_status") return std::string("Sub Status: ") + hex8;
  if (table == "entra.aadsts") return "AADSTS" + dec;
  return {};
}

TEST_CASE("every code of every bundled table is found by its number and by its name") {
  int codes = 0;
  for (const ClientCodeTableInfo& table : bundled().rules().client_code_tables()) {
    for (const ClientCodeInfo& code : table.codes) {
      std::vector<std::string> texts = {written(table.id, code)};
      if (!code.name.empty()) texts.push_back("... " + code.name + " ...");
      for (const std::string& alias : code.aliases) texts.push_back(alias);
      for (const std::string& text : texts) {
        INFO(table.id << " " << code.code << ": \"" << text << "\"");
        REQUIRE_FALSE(text.empty());  // a new table needs its written form above
        auto reading = bundled().read_client_error(text);
        REQUIRE(reading.ok());
        bool found = false;
        for (const ClientErrorMatch& m : reading->matches)
          found |= m.source == table.id && m.code == code.code && m.listed;
        CHECK(found);
        CHECK(reading->symptom == (code.symptom.empty() ? "unknown" : code.symptom));
      }
      ++codes;
    }
  }
  CHECK(codes > 250);
}

TEST_CASE("a 4625 event pasted whole confirms from its sub-status, at no cost") {
  const std::string event =
      "An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tNULL SID\n"
      "Logon Type:\t\t\t10\n\nAccount For Which Logon Failed:\n\tAccount Name:\t\tadmin\n"
      "Failure Information:\n\tFailure Reason:\t\tUnknown user name or bad password.\n"
      "\tStatus:\t\t\t0xC000006D\n\tSub Status:\t\t0xC000006A\n";
  EvaluateRequest req;
  req.client_error = event;
  auto report = bundled().evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->symptom == "credentials_rejected");
  CHECK(report->leading_cause == "auth.wrong_password");
  // Confirmed by the pasted sub-status; the causes before it on the path
  // need the guest, which nothing here can reach: named, not excluded.
  CHECK(report->status == Verdict::kConfirmed);
  CHECK(report->cause == "auth.wrong_password");
  CHECK_FALSE(report->not_excluded.empty());
  CHECK(report->cost_s == 0);
  bool seen = false;
  for (const Evidence& e : report->evidence)
    if (e.probe == "guest.last_logon_failure_status") {
      seen = true;
      CHECK(e.adapter == "client error");
      CHECK(e.cost_s == 0);
      CHECK(e.confirmed == std::vector<std::string>{"auth.wrong_password"});
    }
  CHECK(seen);
}

TEST_CASE("events that disagree leave the sub-status probe to the adapters") {
  // Get-WinEvent lists the newest first: which one is the failure that
  // matters is not in the text.
  auto reading = bundled().read_client_error(
      "Status: 0xC000006D Sub Status: 0xC000006A\nStatus: 0xC000006D Sub Status: 0xC0000234");
  REQUIRE(reading.ok());
  CHECK(reading->observations.empty());
  CHECK(reading->leading_cause.empty());
  CHECK(reading->symptom == "credentials_rejected");
  CHECK_FALSE(reading->notes.empty());
}

}  // namespace
}  // namespace rdptriage
