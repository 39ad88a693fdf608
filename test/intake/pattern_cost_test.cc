// The cost of custom client-error patterns is measured, not read from their
// text: RE2's own program sizes (forward and reverse) count against
// max_client_program_size, and the DFA memory of all single patterns
// together is shared out of max_client_dfa_mem.
#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <string>

#include "intake/client_error_reader.h"
#include "rdptriage/rules.h"
#include "rdptriage/triage.h"

namespace rdptriage {
namespace {

StatusOr<RuleSet> load_pattern(const std::string& pattern, const LoadOptions& base = {}) {
  LoadOptions options = base;
  options.include_bundled = false;
  return RuleSet::load_documents({{"user.json", R"J({"schema": "rdptriage.rules/1",
        "symptoms": [{"id": "s1", "title": "one"}],
        "client_codes": [{"id": "t.user", "title": "t", "source": "a user",
          "patterns": ["c=(?P<code>\\d+)", ")J" + pattern +
                                                    R"J("],
          "codes": [{"code": 1, "meaning": "m"}]}]})J"}},
                                 options);
}

TEST_CASE("a pattern's reverse program counts against max_client_program_size") {
  // Measured the way the loader measures: RE2's program sizes.
  const std::string pattern = "(?P<code>[a-f0-9]+)-[a-z]+-[0-9]+ end";
  const RE2 first("c=(?P<code>\\d+)");
  const RE2 re(pattern);
  REQUIRE(re.ok());
  const int forward = first.ProgramSize() + first.ReverseProgramSize() + re.ProgramSize();
  const int both = forward + re.ReverseProgramSize();
  REQUIRE(both > forward);
  LoadOptions budget;
  budget.max_client_program_size = static_cast<std::size_t>(both);
  auto fits = load_pattern(pattern, budget);
  INFO(fits.status().to_string());
  CHECK(fits.ok());
  // The forward program alone would fit; with the reverse one it does not.
  budget.max_client_program_size = static_cast<std::size_t>(forward);
  auto over = load_pattern(pattern, budget);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == ErrorCode::kLimitExceeded);
  REQUIRE(over.status().diagnostics().size() == 1);
  const Diagnostic& d = over.status().diagnostics()[0];
  CHECK(d.file == "user.json");
  CHECK(d.path == "client_codes[0].patterns[1]");  // the pattern's index
  CHECK(d.message.find("max_client_program_size") != std::string::npos);
}

TEST_CASE("a pattern's count is whatever RE2 compiles it to, however it is written") {
  // The same bulk written without {n} counts: refused by size all the same.
  std::string run;
  for (int k = 0; k < 2000; ++k) run += "[a-z0-9]";
  LoadOptions budget;
  budget.max_client_program_size = 8000;
  auto r = load_pattern("(?P<code>" + run + ")", budget);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kLimitExceeded);
  CHECK(r.status().diagnostics()[0].path == "client_codes[0].patterns[1]");
}

TEST_CASE("single patterns share max_client_dfa_mem in proportion to their size") {
  using internal::ClientErrorReader;
  const std::size_t total = 256u << 20, per_set = 64u << 20;
  // 15,800 patterns of 40 instructions: shares add up to the budget, plus
  // the least each needs to compile; never 15,800 times 64 MB.
  const std::size_t n = 15800, units = 40;
  const std::size_t share = ClientErrorReader::pattern_share(units, n * units, per_set, total);
  CHECK(share * n <= total + n * (64 * units + (16u << 10)));
  CHECK(share < per_set);
  // One pattern alone may use up to the per-pattern limit.
  CHECK(ClientErrorReader::pattern_share(units, units, per_set, total) == per_set);
  // A pattern ten times larger gets ten times the share.
  const std::size_t big = ClientErrorReader::pattern_share(400, 100000, per_set, total);
  const std::size_t small = ClientErrorReader::pattern_share(40, 100000, per_set, total);
  CHECK(big >= 9 * small);
  // Never less than what compiling needs.
  CHECK(ClientErrorReader::pattern_share(1000, 1000000000, per_set, 1) >= 64 * 1000);
}

TEST_CASE("patterns whose DFAs outgrow their share are still read correctly") {
  // A tiny DFA budget for every single pattern: RE2 falls back to its NFA,
  // and the code is found all the same.
  LoadOptions tight;
  tight.max_client_dfa_mem = 1;
  auto rules = load_pattern("(?P<code>[ab]*a[ab][ab][ab][ab][ab][ab][ab][ab]c)", tight);
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  Triage t = Triage::from_rules(std::move(rules).value());
  auto reading = t.read_client_error("abababab xx aabababbac and c=1");
  REQUIRE(reading.ok());
  REQUIRE(reading->matches.size() >= 1);
  CHECK(reading->matches[0].source == "t.user");
}

}  // namespace
}  // namespace rdptriage
