// The corpus of client errors pasted in public threads: every case is
// well-formed and sourced, and on the development cases the reading never
// names a leading cause the thread disproved, nor narrows the symptom so far
// that the resolved cause is no longer a candidate, and is the one written
// down for the case. The held-out cases are not read here: they are only
// scored (rdptriage_client_error_corpus).
#include <catch2/catch.hpp>
#include <set>

#include "support/bundled_triage.h"
#include "support/corpus_score.h"

namespace rdptriage {
namespace {

const std::vector<testing::CorpusCase>& corpus() {
  static const auto cases = testing::load_corpus(std::string(RDPTRIAGE_TEST_SOURCE_DIR) +
                                                 "/test/data/client_error_corpus.json");
  return cases;
}

TEST_CASE("the corpus has at least 40 sourced, verbatim cases and a held-out part") {
  const auto& cases = corpus();
  CHECK(cases.size() >= 40);
  std::set<std::string> ids;
  int heldout = 0;
  const std::set<std::string> layers = {"network", "service", "auth", "guest", "boundary", "none"};
  for (const auto& c : cases) {
    INFO(c.id);
    CHECK(ids.insert(c.id).second);
    CHECK(c.source.rfind("https://github.com/", 0) == 0);
    CHECK_FALSE(c.paste.empty());
    CHECK(layers.count(c.layer) == 1);
    CHECK((c.split == "dev" || c.split == "heldout"));
    heldout += c.split == "heldout";
    if (!c.cause.empty()) {
      const CauseInfo* cause = testing::bundled_triage().rules().find_cause(c.cause);
      REQUIRE(cause != nullptr);
      CHECK(layer_name(cause->layer) == c.layer);
    }
  }
  CHECK(heldout >= 10);
}

TEST_CASE("on the development cases: never a confident wrong answer, never the cause excluded") {
  testing::CorpusTotals totals;
  for (const auto& c : corpus()) {
    if (c.split != "dev") continue;
    const testing::CaseScore s = testing::score_case(testing::bundled_triage(), c);
    INFO(c.id << ": symptom " << s.symptom << ", leading " << s.leading);
    CHECK_FALSE(s.confident_wrong);
    // A client that reported another failure than the real one (the thread
    // says so) cannot be read into the resolved cause.
    if (!c.cause.empty() && s.recognized && c.client_misreports.empty()) CHECK(s.cause_among);
    totals.add(c, s);
  }
  CHECK(totals.cases >= 25);
}

TEST_CASE("each development case reads as its expected symptom and leading cause") {
  int checked = 0;
  for (const auto& c : corpus()) {
    if (c.split != "dev") {
      CHECK_FALSE(c.has_expect);  // held-out cases are scored, never pinned
      continue;
    }
    INFO(c.id);
    REQUIRE(c.has_expect);
    auto reading = testing::bundled_triage().read_client_error(c.paste);
    REQUIRE(reading.ok());
    std::string notes;
    for (const auto& n : reading->notes) notes += n + "\n";
    INFO("notes: " << notes);
    CHECK(reading->symptom == c.expect_symptom);
    CHECK(reading->leading_cause == c.expect_leading);
    ++checked;
  }
  CHECK(checked >= 25);
}

}  // namespace
}  // namespace rdptriage
