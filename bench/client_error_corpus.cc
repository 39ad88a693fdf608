// Scores the client-error intake on the corpus of errors pasted in public
// threads (test/data/client_error_corpus.json), development and held-out
// cases apart. Prints figures; asserts nothing.
// Usage: rdptriage_client_error_corpus [--cases | --cases-all]
//   --cases: one line per development case; --cases-all: held-out ones too.
#include <cstdio>
#include <cstring>
#include <string>

#include "rdptriage/triage.h"
#include "support/corpus_score.h"

namespace {

void print(const char* name, const rdptriage::testing::CorpusTotals& t) {
  std::printf(
      "%-8s %3d cases | layer right %2d/%-2d (single layer %2d) | cause among candidates "
      "%2d/%-2d | leading right %2d/%-2d | confident wrong %d | unrecognised %2d | cause "
      "excluded %d\n",
      name, t.cases, t.layer_right, t.with_layer, t.single_layer_right, t.cause_among, t.with_cause,
      t.leading_right, t.with_cause, t.confident_wrong, t.unrecognized, t.excluded);
}

}  // namespace

int main(int argc, char** argv) {
  const bool all_cases = argc > 1 && std::strcmp(argv[1], "--cases-all") == 0;
  const bool per_case = all_cases || (argc > 1 && std::strcmp(argv[1], "--cases") == 0);
  const std::string source = RDPTRIAGE_SOURCE_DIR;
  rdptriage::TriageOptions options;
  options.rules.bundled_dir = source + "/rules";
  auto triage = rdptriage::Triage::create(options);
  if (!triage.ok()) {
    std::fprintf(stderr, "%s\n", triage.status().to_string().c_str());
    return 1;
  }
  const auto cases =
      rdptriage::testing::load_corpus(source + "/test/data/client_error_corpus.json");
  if (cases.empty()) {
    std::fprintf(stderr, "cannot read test/data/client_error_corpus.json\n");
    return 1;
  }
  rdptriage::testing::CorpusTotals dev, heldout, all;
  for (const auto& c : cases) {
    const auto s = rdptriage::testing::score_case(*triage, c);
    (c.split == "heldout" ? heldout : dev).add(c, s);
    all.add(c, s);
    if (per_case && (all_cases || c.split == "dev")) {
      std::string layers;
      for (const auto& l : s.layers) layers += (layers.empty() ? "" : ",") + l;
      std::printf("%-8s %-22s %-8s %-34s | %-22s layers %-28s lead %s%s\n", c.split.c_str(),
                  c.id.c_str(), c.layer.c_str(), c.cause.empty() ? "-" : c.cause.c_str(),
                  s.symptom.c_str(), layers.c_str(), s.leading.empty() ? "-" : s.leading.c_str(),
                  s.confident_wrong ? "  CONFIDENT WRONG" : "");
    }
  }
  print("dev", dev);
  print("heldout", heldout);
  print("all", all);
  return 0;
}
