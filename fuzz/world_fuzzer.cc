// Fuzz target: a world file (rdptriage.world/1), as `diagnose --world` and
// `drill` read it. A world that loads is played out and diagnosed through
// its own adapter; the report must be valid JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "rdptriage/world.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<World> world = World::load_string(text, "fuzz.json");
  if (!world.ok()) {
    fuzz::check_load_failure(world.status(), "fuzz.json");
    return 0;
  }
  fuzz::count("loaded");
  const Triage& triage = fuzz::bundled_triage();
  // The symptom the world plays out is one the rules know.
  const std::string& symptom = world->symptom();
  RDPTRIAGE_FUZZ_CHECK(symptom == "unknown" || triage.rules().find_symptom(symptom) != nullptr,
                       symptom);
  // The drill prints the title: the loader refuses control characters.
  fuzz::check_terminal_safe(world->title(), "World::title()", false);
  EvaluateRequest req;
  req.symptom = symptom;
  req.context = world->context();
  req.adapters.push_back(world->adapter());
  StatusOr<Report> report = triage.evaluate(req);
  // A world that loads is one the engine can diagnose.
  RDPTRIAGE_FUZZ_CHECK(report.ok(), report.status().to_string());
  fuzz::count(report->cause.empty() ? "not confirmed" : "confirmed");
  fuzz::check_report_json(*report);
  return 0;
}
