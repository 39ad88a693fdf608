// Fuzz target: a host's own client codes and messages (custom RE2 patterns
// and phrases in a rule file) and a text read with them. Issue 14 found
// patterns that took seconds per megabyte and a gigabyte to compile; the
// load must refuse those quickly or the read must stay fast (libFuzzer's
// -timeout and -rss_limit_mb catch what slips through).
//
// Input: lines of patterns, a NUL byte, then the text to read. A line
// "m:PHRASE" is a message phrase, "u:PHRASE" an underlying line's phrase,
// "x:REGEX" a code pattern read in hexadecimal, "l:REGEX" a last_wins
// pattern; any other line is a plain code pattern. The harness writes the
// rule file (so the patterns need no JSON escaping) beside a small base
// file declaring the symptoms and probe the codes refer to.
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"

namespace {

constexpr const char* kBase = R"({"schema": "rdptriage.rules/1",
 "probes": [{"id": "client.tcp_connect", "title": "TCP connect", "channel": "client",
   "cost_s": 1, "result": {"type": "enum", "values": ["open", "refused", "timeout"]},
   "how": "connect"}],
 "symptoms": [{"id": "no_connection", "title": "no connection"},
   {"id": "timeout", "title": "timed out", "within": ["no_connection"]},
   {"id": "refused", "title": "refused", "within": ["no_connection"]}]})";

std::string rule_file(std::string_view patterns) {
  boost::json::array code_patterns, messages;
  std::size_t line_no = 0;
  while (!patterns.empty()) {
    const std::size_t nl = patterns.find('\n');
    std::string_view line = patterns.substr(0, nl);
    patterns = nl == std::string_view::npos ? std::string_view() : patterns.substr(nl + 1);
    const std::string_view tag = line.substr(0, std::min<std::size_t>(2, line.size()));
    const std::string_view rest = line.substr(tag.size());
    static constexpr const char* kSymptoms[] = {"timeout", "refused", "no_connection"};
    const char* symptom = kSymptoms[line_no++ % 3];
    if (tag == "m:" || tag == "u:") {
      boost::json::object m{{"id", "fuzz.message" + std::to_string(line_no)},
                            {"phrases", boost::json::array{boost::json::string(rest)}},
                            {"meaning", "m"},
                            {"symptom", symptom}};
      if (tag == "u:") m["underlying"] = true;
      messages.push_back(std::move(m));
    } else if (tag == "x:") {
      code_patterns.push_back(boost::json::object{{"regex", rest}, {"radix", 16}});
    } else if (tag == "l:") {
      code_patterns.push_back(
          boost::json::object{{"regex", rest}, {"last_wins", true}, {"priority", 60}});
    } else {
      code_patterns.push_back(boost::json::string(line));
    }
  }
  boost::json::array codes = {
      boost::json::object{{"code", 4041},
                          {"name", "GW_BACKEND_UNREACHABLE"},
                          {"aliases", boost::json::array{"E_BACKEND"}},
                          {"meaning", "The gateway cannot reach the VM."},
                          {"symptom", "timeout"},
                          {"observe", boost::json::object{{"client.tcp_connect", "timeout"}}}},
      boost::json::object{{"code", "0x904"}, {"meaning", "no route"}, {"symptom", "no_connection"}},
      boost::json::object{
          {"code", 7}, {"name", "DENIED"}, {"meaning", "d"}, {"symptom", "refused"}},
      boost::json::object{{"code", 3}, {"meaning", "says nothing"}}};
  boost::json::object doc{{"schema", "rdptriage.rules/1"}};
  if (!code_patterns.empty())
    doc["client_codes"] = boost::json::array{boost::json::object{{"id", "fuzz.codes"},
                                                                 {"title", "t"},
                                                                 {"source", "s"},
                                                                 {"patterns", code_patterns},
                                                                 {"codes", codes}}};
  if (!messages.empty()) doc["client_messages"] = messages;
  return boost::json::serialize(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  if (nul == std::string_view::npos) {
    fuzz::count("no text");
    return 0;
  }
  const std::string_view text = input.substr(nul + 1);
  StatusOr<RuleSet> rules = RuleSet::load_documents(
      {{"base.json", kBase}, {"fuzz.json", rule_file(input.substr(0, nul))}});
  if (!rules.ok()) {
    RDPTRIAGE_FUZZ_CHECK(rules.status().code() != ErrorCode::kInternal, rules.status().to_string());
    fuzz::count("refused");
    for (const Diagnostic& d : rules.status().diagnostics())
      RDPTRIAGE_FUZZ_CHECK(d.file == "fuzz.json", rules.status().to_string());
    fuzz::check_status_text(rules.status());
    return 0;
  }
  const Triage triage = Triage::from_rules(*rules, ProbeThreadPool::create(1));
  ClientErrorOptions options;
  static constexpr double kScores[] = {0.85, 0.5, 1.01};
  options.min_paraphrase_score = kScores[fuzz::hash_bytes(data, size) % 3];
  StatusOr<ClientErrorReading> reading = triage.read_client_error(text, options);
  RDPTRIAGE_FUZZ_CHECK(reading.ok(), reading.status().to_string());
  fuzz::count(reading->recognized() ? "recognized" : "unrecognised");
  fuzz::check_reading(*rules, *reading, text);
  return 0;
}
