#include "engine/probe_runner.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace rdptriage::internal {
namespace {

// The rendezvous between the engine and a watchdog-run adapter call. Shared
// so that an abandoned call can finish writing after the engine moved on.
struct PendingCall {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  ProbeResult result;
};

ProbeResult call_adapter(ProbeAdapter& adapter, const ProbeRequest& request) {
  try {
    return adapter.run(request);
  } catch (const std::exception& e) {
    return ProbeResult::failed(std::string("adapter threw: ") + e.what());
  } catch (...) {
    return ProbeResult::failed("adapter threw a non-standard exception");
  }
}

std::string describe_value(const ProbeValue& v) {
  std::string s = to_string(v);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

std::atomic<std::uint64_t> next_evaluation_id{1};

}  // namespace

ProbeRunner::ProbeRunner(const std::vector<std::shared_ptr<ProbeAdapter>>& adapters,
                         std::shared_ptr<const Context> context, std::chrono::milliseconds deadline)
    : adapters_(adapters),
      context_(std::move(context)),
      deadline_(deadline),
      evaluation_id_(next_evaluation_id.fetch_add(1, std::memory_order_relaxed)),
      cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

ProbeRunner::~ProbeRunner() {
  cancelled_->store(true);
  for (const auto& adapter : adapters_) {
    if (!adapter) continue;
    try {
      adapter->end_evaluation(evaluation_id_);
    } catch (...) {
      // An adapter's clean-up must not break the evaluation's result.
    }
  }
}

ProbeResult ProbeRunner::run_one(const std::shared_ptr<ProbeAdapter>& adapter,
                                 const Probe& probe) const {
  ProbeRequest request;
  request.probe_id = probe.info.id;
  request.channel = probe.info.channel;
  request.context = context_.get();
  request.deadline = std::chrono::steady_clock::now() + deadline_;
  request.evaluation_id = evaluation_id_;
  request.cancelled = cancelled_.get();

  if (!adapter->may_block()) return call_adapter(*adapter, request);

  auto pending = std::make_shared<PendingCall>();
  try {
    // The thread owns copies of everything it touches: the adapter, the
    // context and the rendezvous outlive this evaluation if it hangs.
    std::thread([adapter, pending, request, context = context_, cancelled = cancelled_]() mutable {
      request.context = context.get();
      request.cancelled = cancelled.get();
      ProbeResult r = call_adapter(*adapter, request);
      std::lock_guard<std::mutex> lock(pending->mutex);
      pending->result = std::move(r);
      pending->done = true;
      pending->done_cv.notify_all();
    }).detach();
  } catch (const std::exception& e) {
    return ProbeResult::failed(std::string("could not start the probe: ") + e.what());
  }
  std::unique_lock<std::mutex> lock(pending->mutex);
  if (!pending->done_cv.wait_until(lock, request.deadline, [&] { return pending->done; })) {
    return ProbeResult::failed("no answer within the probe deadline of " +
                               std::to_string(deadline_.count()) + " ms");
  }
  return std::move(pending->result);
}

ProbeRun ProbeRunner::run(const Probe& probe) const {
  ProbeRun run;
  std::string reasons;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& adapter : adapters_) {
    if (!adapter) continue;
    std::string name;
    try {
      name = adapter->name();
    } catch (...) {
      name = "adapter";
    }
    ProbeResult r = run_one(adapter, probe);
    if (r.kind == ProbeResult::Kind::kUnavailable) {
      if (!reasons.empty()) reasons += "; ";
      reasons += name + ": " + (r.reason.empty() ? "unavailable" : r.reason);
      continue;
    }
    if (r.kind == ProbeResult::Kind::kValue && !probe.domain.accepts(r.value)) {
      r = ProbeResult::failed("answer " + describe_value(r.value) +
                              " is outside the probe's domain " + probe.domain.describe());
    }
    run.result = std::move(r);
    run.adapter = std::move(name);
    run.answered_by = adapter.get();
    run.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
  }
  run.result = ProbeResult::unavailable(reasons.empty() ? "no adapter can run it" : reasons);
  run.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

}  // namespace rdptriage::internal
