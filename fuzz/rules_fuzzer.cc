// Fuzz target: a rule file on its own (RuleSet::load_documents), as a host
// passes its own rules without the bundled ones. A file that loads is then
// used: see exercise_rules().
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage;
  const std::string text(reinterpret_cast<const char*>(data), size);
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"fuzz.json", text}});
  if (!rules.ok()) {
    fuzz::check_load_failure(rules.status(), "fuzz.json");
    return 0;
  }
  fuzz::exercise_rules(*rules, text, fuzz::hash_bytes(data, size));
  return 0;
}
