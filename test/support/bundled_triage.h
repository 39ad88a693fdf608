// Tests: the bundled rules loaded once per test program, and a world
// diagnosed through its own adapter.
#ifndef RDPTRIAGE_TEST_SUPPORT_BUNDLED_TRIAGE_H_
#define RDPTRIAGE_TEST_SUPPORT_BUNDLED_TRIAGE_H_

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "rdptriage/triage.h"
#include "rdptriage/world.h"

namespace rdptriage::testing {

inline const Triage& bundled_triage() {
  static const Triage triage = [] {
    TriageOptions o;
    o.rules.bundled_dir = std::string(RDPTRIAGE_TEST_SOURCE_DIR) + "/rules";
    StatusOr<Triage> t = Triage::create(o);
    if (!t.ok()) FAIL(t.status().to_string());
    return std::move(t).value();
  }();
  return triage;
}

inline Report diagnose_world(const World& w) {
  EvaluateRequest req;
  req.symptom = w.symptom();
  req.context = w.context();
  req.adapters.push_back(w.adapter());
  StatusOr<Report> r = bundled_triage().evaluate(req);
  if (!r.ok()) FAIL(r.status().to_string());
  return std::move(r).value();
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_BUNDLED_TRIAGE_H_
