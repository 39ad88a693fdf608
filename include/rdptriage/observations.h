// rdptriage: recorded observations, for offline triage.
//
// An observations file holds what someone already collected: probe results
// by probe id, optionally the symptom or client error, and the context. A
// result is a value, or {"value", "detail", "fields"} where fields are the
// named facts the probe declares (rules/probes.json), used in fix commands. The
// RecordedAdapter answers from it; probes not in the file are "unavailable"
// (not collected), so the engine ends inconclusive with the next test to run
// rather than guessing.
//
//   {"schema": "rdptriage.observations/1",
//    "client_error": "This computer can't connect to the remote computer",
//    "context": {"resource_group": "prod-rg", "vm": "web01"},
//    "results": {"azure.power_state": "running",
//                "netwatch.ip_flow_inbound": {"value": "deny",
//                    "detail": "nic NSG web01-nsg: DenyInternet (priority 200)",
//                    "fields": {"nsg": "web01-nsg", "priority": "200",
//                               "nsg_priorities_in_use": "200,300"}},
//                "guest.termservice_state": {"unavailable": "agent down"}}}
//
//   auto obs = rdptriage::Observations::load_file("case.json", triage->rules());
//   if (!obs.ok()) return fail(obs.status());
//   rdptriage::EvaluateRequest req = obs->to_request();
//
// Thread safety: immutable after load; the adapter is safe for concurrent use.
#ifndef RDPTRIAGE_OBSERVATIONS_H_
#define RDPTRIAGE_OBSERVATIONS_H_

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "rdptriage/probe.h"
#include "rdptriage/rules.h"
#include "rdptriage/status.h"
#include "rdptriage/triage.h"

namespace rdptriage {

namespace internal {
class JsonDocument;
}  // namespace internal

// Limits on what Observations::load_* accepts; exceeding one is
// kLimitExceeded naming the file.
struct ObservationsOptions {
  std::size_t max_file_bytes = 4u << 20;  // the file or string, in bytes
  std::size_t max_depth = 16;             // JSON nesting depth
};

class Observations {
 public:
  // Parses and checks against `rules`. Fails with
  //   kValidationError: unknown probe ids or symptom, values outside a
  //     probe's domain, unknown fields (including result fields the probe
  //     does not declare), bad context values; one Diagnostic each, naming
  //     the file, line, column and JSON path;
  //   kParseError: not JSON (line and column of the error);
  //   kLimitExceeded: over max_file_bytes or nested deeper than max_depth;
  //   kIoError (load_file only): the file cannot be read, or the path is
  //     not a regular file (a FIFO, a device, a directory), found before
  //     the file is opened, so nothing blocks or reads forever.
  // `name` names the string in diagnostics.
  static StatusOr<Observations> load_file(const std::filesystem::path& path, const RuleSet& rules,
                                          const ObservationsOptions& options = {});
  static StatusOr<Observations> load_string(std::string_view json, std::string_view name,
                                            const RuleSet& rules,
                                            const ObservationsOptions& options = {});

  const std::string& symptom() const { return symptom_; }
  const std::string& client_error() const { return client_error_; }
  const Context& context() const { return context_; }
  const std::map<std::string, ProbeResult, std::less<>>& results() const { return results_; }

  // An adapter answering from these results (shares them).
  std::shared_ptr<ProbeAdapter> adapter() const;
  // A request with symptom, client error, context and the adapter filled in.
  EvaluateRequest to_request() const;

 private:
  static StatusOr<Observations> from_document(const internal::JsonDocument& document,
                                              const RuleSet& rules);
  std::string symptom_;
  std::string client_error_;
  Context context_;
  std::map<std::string, ProbeResult, std::less<>> results_;
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_OBSERVATIONS_H_
