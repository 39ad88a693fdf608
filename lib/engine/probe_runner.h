// Internal: asks the host's adapters for probes, containing whatever they
// do. Several probes can run at once (each through its chain of adapters);
// blocking adapters run on the Triage's thread pool, others inline.
// Exceptions become failed probes; a call past its deadline is abandoned
// (its thread finishes on its own, holding its adapter alive) and that
// adapter is not asked again in this evaluation; answers outside a probe's
// domain are rejected; cancellation and the evaluation's deadline end every
// wait.
#ifndef RDPTRIAGE_LIB_ENGINE_PROBE_RUNNER_H_
#define RDPTRIAGE_LIB_ENGINE_PROBE_RUNNER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rdptriage/probe.h"
#include "rules/model.h"

namespace rdptriage::internal {

class ProbePoolState;
struct ProbeRunnerSync;

struct ProbeRun {
  ProbeResult result;
  std::string adapter;                        // name of the adapter that answered, empty if none
  const ProbeAdapter* answered_by = nullptr;  // that adapter, nullptr if none
  double elapsed_s = 0;
};

struct RunLimits {
  std::chrono::milliseconds probe_deadline{std::chrono::seconds(180)};
  std::chrono::steady_clock::time_point evaluation_end =
      std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;  // may be null
};

// `now + d`, saturating instead of overflowing.
std::chrono::steady_clock::time_point saturating_after(std::chrono::steady_clock::time_point now,
                                                       std::chrono::milliseconds d);

class ProbeRunner {
 public:
  ProbeRunner(const std::vector<std::shared_ptr<ProbeAdapter>>& adapters,
              std::shared_ptr<const Context> context, RunLimits limits,
              std::shared_ptr<ProbePoolState> pool);
  // Tells every adapter the evaluation ended (end_evaluation).
  ~ProbeRunner();
  ProbeRunner(const ProbeRunner&) = delete;
  ProbeRunner& operator=(const ProbeRunner&) = delete;

  // Runs `probes` at once and waits for all; returns one ProbeRun per
  // probe, in order. Never throws. Adapters are asked in order until one
  // returns something other than kUnavailable.
  std::vector<ProbeRun> run(const std::vector<const Probe*>& probes);

  // Starts one probe (a non-blocking adapter answers before this returns)
  // and returns its ticket; wait_any() hands its run back.
  std::size_t start(const Probe* probe);
  // Waits until at least one started probe is done (or the evaluation is
  // cancelled or out of time: then every one is, failed) and returns the
  // done ones with their tickets; empty when none was pending.
  std::vector<std::pair<std::size_t, ProbeRun>> wait_any();
  // Stops waiting for a started probe: it is told to stop (its
  // ProbeRequest::cancelled) and its answer, if it comes, is dropped.
  void abandon(std::size_t ticket);
  // Probes started and not yet handed back.
  std::size_t pending() const { return pending_.size(); }

  // Why the evaluation must stop asking ("cancelled", "out of time"), or
  // empty while it may go on.
  std::string stop_reason() const;
  // Whether any adapter may block (then probes can run concurrently).
  bool any_blocking() const { return any_blocking_; }

 private:
  struct Pending;
  void start_next(Pending& p);
  void finish(Pending& p, ProbeResult result, std::size_t adapter);

  const std::vector<std::shared_ptr<ProbeAdapter>>& adapters_;
  std::vector<std::string> names_;
  std::vector<bool> blocking_;
  std::vector<bool> hung_;  // missed a deadline in this evaluation
  bool any_blocking_ = false;
  std::shared_ptr<const Context> context_;
  RunLimits limits_;
  std::shared_ptr<ProbePoolState> pool_;
  std::uint64_t evaluation_id_;
  std::shared_ptr<ProbeRunnerSync> sync_;  // completion signal of this evaluation's calls
  std::map<std::size_t, std::unique_ptr<Pending>> pending_;  // by ticket
  std::size_t next_ticket_ = 0;
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PROBE_RUNNER_H_
