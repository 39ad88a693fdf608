// Test support: asserts a load failed with a diagnostic about `fragment`.
#ifndef RDPTRIAGE_TEST_SUPPORT_EXPECT_PROBLEM_H_
#define RDPTRIAGE_TEST_SUPPORT_EXPECT_PROBLEM_H_

#include <catch2/catch.hpp>
#include <string>

#include "rdptriage/rules.h"

namespace rdptriage::testing {

// The first diagnostic whose message contains `fragment`; fails the test
// (listing every diagnostic) when the load succeeded or none does.
inline Diagnostic expect_problem(const StatusOr<RuleSet>& r, const std::string& fragment) {
  REQUIRE_FALSE(r.ok());
  for (const Diagnostic& d : r.status().diagnostics())
    if (d.message.find(fragment) != std::string::npos) return d;
  FAIL("no diagnostic contains \"" << fragment << "\"; got:\n" << r.status().to_string());
  return {};
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_EXPECT_PROBLEM_H_
