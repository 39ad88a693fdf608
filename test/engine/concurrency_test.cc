// One Triage, many threads: evaluate() keeps all per-call state in the call.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "rdptriage/triage.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using testing::MapAdapter;
using testing::V;

constexpr const char* kRules = R"({
  "probes": [
    {"id": "c.a", "title": "a", "channel": "client", "cost_s": 0.1, "result": {"type": "bool"}, "how": "a"},
    {"id": "c.b", "title": "b", "channel": "control_plane", "cost_s": 3, "result": {"type": "bool"}, "how": "b"},
    {"id": "c.c", "title": "c", "channel": "run_command", "cost_s": 45,
     "result": {"type": "number", "min": 0}, "how": "c"}
  ],
  "symptoms": [{"id": "s", "title": "s"}],
  "rules": [
    {"id": "network.a", "layer": "network", "stage": "client", "title": "a", "explanation": "a",
     "symptoms": ["s"], "confirm": {"probe": "c.a", "eq": true}, "confirm_text": "a",
     "fix": [{"text": "a"}], "sources": [{"seed": "x", "section": "x"}]},
    {"id": "network.b", "layer": "network", "stage": "network", "title": "b", "explanation": "b",
     "symptoms": ["s"], "confirm": {"probe": "c.b", "eq": true}, "confirm_text": "b",
     "fix": [{"text": "b"}], "sources": [{"seed": "x", "section": "x"}]},
    {"id": "guest.c", "layer": "guest", "stage": "session", "title": "c", "explanation": "c",
     "symptoms": ["s"], "confirm": {"probe": "c.c", "lt": 100}, "confirm_text": "c",
     "fix": [{"text": "c"}], "sources": [{"seed": "x", "section": "x"}]}
  ]
})";

TEST_CASE("eight threads evaluate one Triage concurrently") {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"concurrency.json", kRules}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  const Triage triage = Triage::from_rules(std::move(rules).value());

  // Three scripted estates, each with a known answer; threads interleave them.
  const std::vector<std::pair<std::map<std::string, ProbeResult>, std::string>> cases = {
      {{{"c.a", V(true)}, {"c.b", V(true)}, {"c.c", V(10)}}, "network.a"},
      {{{"c.a", V(false)}, {"c.b", V(true)}, {"c.c", V(10)}}, "network.b"},
      {{{"c.a", V(false)}, {"c.b", V(false)}, {"c.c", V(10)}}, "guest.c"},
  };
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const auto& [answers, expected] = cases[(t + i) % cases.size()];
        EvaluateRequest req;
        req.symptom = "s";
        // Every third call shares one blocking adapter across threads too.
        req.adapters.push_back(std::make_shared<MapAdapter>(answers, i % 3 == 0));
        StatusOr<Report> r = triage.evaluate(req);
        if (!r.ok() || r->cause != expected) ++wrong;
        ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(done == 8 * 300);
  CHECK(wrong == 0);
}

}  // namespace
}  // namespace rdptriage
