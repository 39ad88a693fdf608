// Fuzz target: a rule file loaded beside the bundled rules, as
// `--rules my-rules/` does: its ids may collide with the bundled ones, and
// it may refer to bundled probes, symptoms, causes and sessions, add
// client codes and messages, gates and `within` links. A set that loads is
// used as in rules_fuzzer.cc.
//
// Loading compiles every bundled RE2 pattern set again (tens of
// milliseconds), so two shortcuts keep the rate up: text that is not JSON
// at all fails the same way alone (rules_fuzzer covers it), and a file
// that names no client codes or messages is loaded beside the bundled
// rules without the bundled client tables (client_*.json), which only
// patterns and phrases refer to.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage;
  const std::string text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  (void)boost::json::parse(text, ec);
  if (ec) {
    fuzz::count("not JSON");
    return 0;
  }
  const bool client = text.find("client_") != std::string::npos;
  std::vector<std::pair<std::string, std::string>> documents;
  for (const auto& doc : fuzz::bundled_documents())
    if (client || doc.first.rfind("client_", 0) != 0) documents.push_back(doc);
  documents.emplace_back("zz-fuzz.json", text);
  StatusOr<RuleSet> rules = RuleSet::load_documents(documents);
  if (!rules.ok()) {
    RDPTRIAGE_FUZZ_CHECK(rules.status().code() != ErrorCode::kInternal, rules.status().to_string());
    fuzz::count("refused");
    fuzz::check_status_text(rules.status());
    return 0;
  }
  fuzz::exercise_rules(*rules, text, fuzz::hash_bytes(data, size));
  return 0;
}
