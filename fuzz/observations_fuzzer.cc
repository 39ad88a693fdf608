// Fuzz target: an observations file (rdptriage.observations/1) checked
// against the bundled rules, as `diagnose --observations` reads it. A file
// that loads is diagnosed from its recorded answers (the report must be
// valid JSON carrying each value: issue 14's 1e19 was one such file), then
// again with a DomainAdapter behind them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "rdptriage/observations.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage;
  const Triage& triage = fuzz::bundled_triage();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<Observations> obs = Observations::load_string(text, "fuzz.json", triage.rules());
  if (!obs.ok()) {
    fuzz::check_load_failure(obs.status(), "fuzz.json");
    return 0;
  }
  fuzz::count("loaded");
  for (const auto& [probe, result] : obs->results())
    RDPTRIAGE_FUZZ_CHECK(triage.rules().find_probe(probe) != nullptr, probe);
  EvaluateRequest req = obs->to_request();
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1)
      req.adapters.push_back(
          std::make_shared<fuzz::DomainAdapter>(triage.rules(), fuzz::hash_bytes(data, size)));
    StatusOr<Report> report = triage.evaluate(req);
    if (!report.ok()) {
      // A file that loads holds only values evaluate() accepts, except a
      // client error over its size limit.
      RDPTRIAGE_FUZZ_CHECK(report.status().code() == ErrorCode::kLimitExceeded,
                           report.status().to_string());
      return 0;
    }
    fuzz::count(report->cause.empty() ? "not confirmed" : "confirmed");
    fuzz::check_report_json(*report);
  }
  return 0;
}
