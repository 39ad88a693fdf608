// Test support: one Triage over the bundled rules, loaded once per process.
#ifndef RDPTRIAGE_TEST_SUPPORT_BUNDLED_TRIAGE_H_
#define RDPTRIAGE_TEST_SUPPORT_BUNDLED_TRIAGE_H_

#include <catch2/catch.hpp>

#include "rdptriage/triage.h"

namespace rdptriage::testing {

inline const Triage& bundled_triage() {
  static const Triage triage = [] {
    auto t = Triage::create({});
    if (!t.ok()) FAIL(t.status().to_string());
    return std::move(t).value();
  }();
  return triage;
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_BUNDLED_TRIAGE_H_
