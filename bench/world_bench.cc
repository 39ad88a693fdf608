// Diagnoses per second over every bundled world, on one thread, and the
// probe cost of each diagnosis. Usage: rdptriage_bench [seconds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

#include "rdptriage/triage.h"
#include "rdptriage/world.h"

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const std::string source = RDPTRIAGE_SOURCE_DIR;
  rdptriage::TriageOptions options;
  options.rules.bundled_dir = source + "/rules";
  auto triage = rdptriage::Triage::create(options);
  if (!triage.ok()) {
    std::cerr << triage.status().to_string() << "\n";
    return 1;
  }
  std::vector<rdptriage::World> worlds;
  for (const auto& e : std::filesystem::directory_iterator(source + "/examples/worlds")) {
    if (e.path().extension() != ".json") continue;
    auto w = rdptriage::World::load_file(e.path());
    if (!w.ok()) {
      std::cerr << w.status().to_string() << "\n";
      return 1;
    }
    worlds.push_back(std::move(w).value());
  }
  std::vector<rdptriage::EvaluateRequest> requests;
  for (const auto& w : worlds) {
    rdptriage::EvaluateRequest r;
    r.symptom = w.symptom();
    r.context = w.context();
    r.adapters.push_back(w.adapter());
    requests.push_back(std::move(r));
  }
  // One pass for the cost figures (they do not depend on timing).
  double total_cost = 0, min_cost = 1e18, max_cost = 0;
  std::size_t probes = 0;
  for (const auto& r : requests) {
    auto report = triage->evaluate(r);
    if (!report.ok()) return 1;
    total_cost += report->cost_s;
    min_cost = std::min(min_cost, report->cost_s);
    max_cost = std::max(max_cost, report->cost_s);
    probes += report->evidence.size();
  }
  std::size_t done = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const auto& r : requests) {
      if (!triage->evaluate(r).ok()) return 1;
      ++done;
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::printf("worlds: %zu\n", requests.size());
  std::printf("diagnoses per second (one thread): %.0f\n", done / elapsed);
  std::printf("mean time per diagnosis: %.1f us\n", elapsed / done * 1e6);
  std::printf("probe cost per diagnosis: mean %.1f s, min %.1f s, max %.1f s\n",
              total_cost / requests.size(), min_cost, max_cost);
  std::printf("probes asked per diagnosis: mean %.1f\n",
              static_cast<double>(probes) / requests.size());
  return 0;
}
