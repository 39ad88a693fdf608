// Internal: asks the host's adapters for one probe, containing whatever they
// do: exceptions become failed probes, a probe past its deadline is
// abandoned (its thread finishes on its own, holding its adapter alive), and
// answers outside the probe's declared domain are rejected.
#ifndef RDPTRIAGE_LIB_ENGINE_PROBE_RUNNER_H_
#define RDPTRIAGE_LIB_ENGINE_PROBE_RUNNER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rdptriage/probe.h"
#include "rules/model.h"

namespace rdptriage::internal {

struct ProbeRun {
  ProbeResult result;
  std::string adapter;                        // name of the adapter that answered, empty if none
  const ProbeAdapter* answered_by = nullptr;  // that adapter, nullptr if none
  double elapsed_s = 0;
};

class ProbeRunner {
 public:
  ProbeRunner(const std::vector<std::shared_ptr<ProbeAdapter>>& adapters,
              std::shared_ptr<const Context> context, std::chrono::milliseconds deadline);
  // Tells every adapter the evaluation ended (end_evaluation).
  ~ProbeRunner();
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  // Never throws. Adapters are asked in order until one returns something
  // other than kUnavailable.
  ProbeRun run(const Probe& probe) const;

 private:
  ProbeResult run_one(const std::shared_ptr<ProbeAdapter>& adapter, const Probe& probe) const;

  const std::vector<std::shared_ptr<ProbeAdapter>>& adapters_;
  std::shared_ptr<const Context> context_;
  std::chrono::milliseconds deadline_;
  std::uint64_t evaluation_id_;
  // Shared with watchdog threads, which may outlive the runner.
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PROBE_RUNNER_H_
