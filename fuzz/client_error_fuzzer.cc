// Fuzz target: what a user pastes as the client's error (a message, codes,
// a whole log, any bytes), read with the bundled client tables as
// `--client-error` does, then diagnosed from it with a DomainAdapter.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage;
  const Triage& triage = fuzz::bundled_triage();
  const std::string text(reinterpret_cast<const char*>(data), size);
  StatusOr<ClientErrorReading> reading = triage.read_client_error(text);
  RDPTRIAGE_FUZZ_CHECK(reading.ok() || size > ClientErrorOptions().max_bytes,
                       reading.status().to_string());
  if (!reading.ok()) return 0;
  fuzz::count(reading->recognized() ? "recognized" : "unrecognised");
  fuzz::check_reading(triage.rules(), *reading, text);
  EvaluateRequest req;
  req.client_error = text;
  req.adapters.push_back(
      std::make_shared<fuzz::DomainAdapter>(triage.rules(), fuzz::hash_bytes(data, size)));
  StatusOr<Report> report = triage.evaluate(req);
  RDPTRIAGE_FUZZ_CHECK(report.ok(), report.status().to_string());
  RDPTRIAGE_FUZZ_CHECK(report->symptom == reading->symptom, report->symptom);
  fuzz::check_report_json(*report);
  return 0;
}
