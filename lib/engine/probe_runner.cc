#include "engine/probe_runner.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>

#include "engine/probe_pool.h"

namespace rdptriage::internal {

// Completion signal shared by every call of one evaluation.
struct ProbeRunnerSync {
  std::mutex mutex;
  std::condition_variable done_cv;
};

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(50);

std::atomic<std::uint64_t> next_evaluation_id{1};

// One adapter call on a pool thread. Shared so that an abandoned call can
// still finish writing after the engine moved on.
struct Call {
  explicit Call(std::shared_ptr<ProbeRunnerSync> s) : sync(std::move(s)) {}
  std::shared_ptr<ProbeRunnerSync> sync;
  bool started = false;                // guarded by sync->mutex
  bool done = false;                   // guarded by sync->mutex
  bool expired = false;                // guarded by sync->mutex: never ran, queued too long
  ProbeResult result;                  // guarded by sync->mutex
  std::atomic<bool> cancelled{false};  // the adapter's ProbeRequest::cancelled
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

void add_reason(std::string* reasons, const std::string& name, const std::string& why) {
  if (!reasons->empty()) *reasons += "; ";
  *reasons += name + ": " + (why.empty() ? "unavailable" : why);
}

}  // namespace

Clock::time_point saturating_after(Clock::time_point now, std::chrono::milliseconds d) {
  if (d <= std::chrono::milliseconds::zero()) return now;
  const auto room = Clock::time_point::max() - now;
  if (std::chrono::duration_cast<std::chrono::milliseconds>(room) <= d)
    return Clock::time_point::max();
  return now + std::chrono::duration_cast<Clock::duration>(d);
}

struct ProbeRunner::Pending {
  const Probe* probe = nullptr;
  std::size_t next_adapter = 0;
  std::size_t asking = 0;  // adapter of the call in flight
  std::shared_ptr<Call> call;
  Clock::time_point start;
  Clock::time_point deadline;
  std::string reasons;
  bool done = false;
  ProbeRun run;
  std::shared_ptr<ProbeRunnerSync> sync;
};

ProbeRunner::ProbeRunner(const std::vector<std::shared_ptr<ProbeAdapter>>& adapters,
                         std::shared_ptr<const Context> context, RunLimits limits,
                         std::shared_ptr<ProbePoolState> pool)
    : adapters_(adapters),
      names_(adapters.size()),
      blocking_(adapters.size(), false),
      hung_(adapters.size(), false),
      context_(std::move(context)),
      limits_(limits),
      pool_(std::move(pool)),
      evaluation_id_(next_evaluation_id.fetch_add(1, std::memory_order_relaxed)),
      sync_(std::make_shared<ProbeRunnerSync>()) {
  for (std::size_t i = 0; i < adapters_.size(); ++i) {
    if (!adapters_[i]) continue;
    try {
      names_[i] = adapters_[i]->name();
    } catch (...) {
      names_[i] = "adapter";
    }
    try {
      blocking_[i] = adapters_[i]->may_block();
    } catch (...) {
      blocking_[i] = true;  // when in doubt, never block the evaluating thread
    }
    any_blocking_ = any_blocking_ || blocking_[i];
  }
}

ProbeRunner::~ProbeRunner() {
  for (const auto& adapter : adapters_) {
    if (!adapter) continue;
    try {
      adapter->end_evaluation(evaluation_id_);
    } catch (...) {
      // An adapter's clean-up must not break the evaluation's result.
    }
  }
}

std::string ProbeRunner::stop_reason() const {
  if (limits_.cancel != nullptr && limits_.cancel->load()) return "the evaluation was cancelled";
  if (Clock::now() >= limits_.evaluation_end)
    return "the evaluation ran out of time (evaluation_deadline)";
  return {};
}

void ProbeRunner::finish(Pending& p, ProbeResult result, std::size_t adapter) {
  if (result.kind == ProbeResult::Kind::kValue && !p.probe->domain.accepts(result.value))
    result = ProbeResult::failed("answer " + describe_value(result.value) +
                                 " is outside the probe's domain " + p.probe->domain.describe());
  p.run.result = std::move(result);
  p.run.adapter = names_[adapter];
  p.run.answered_by = adapters_[adapter].get();
  p.run.elapsed_s = std::chrono::duration<double>(Clock::now() - p.start).count();
  p.call.reset();
  p.done = true;
}

void ProbeRunner::start_next(Pending& p) {
  while (p.next_adapter < adapters_.size()) {
    const std::size_t i = p.next_adapter++;
    const std::shared_ptr<ProbeAdapter>& adapter = adapters_[i];
    if (!adapter) continue;
    if (hung_[i]) {
      add_reason(&p.reasons, names_[i],
                 "did not answer within the probe deadline earlier in this evaluation");
      continue;
    }
    ProbeRequest request;
    request.probe_id = p.probe->info.id;
    request.channel = p.probe->info.channel;
    request.context = context_.get();
    request.deadline = p.deadline;
    request.evaluation_id = evaluation_id_;
    request.session = p.probe->info.session;
    if (!blocking_[i]) {
      std::atomic<bool> never{false};
      request.cancelled = &never;
      ProbeResult r = call_adapter(*adapter, request);
      if (r.kind == ProbeResult::Kind::kUnavailable) {
        add_reason(&p.reasons, names_[i], r.reason);
        continue;
      }
      finish(p, std::move(r), i);
      return;
    }
    auto call = std::make_shared<Call>(p.sync);
    request.cancelled = &call->cancelled;
    auto task = [adapter, call, request, context = context_]() mutable {
      {
        std::lock_guard<std::mutex> lock(call->sync->mutex);
        if (call->cancelled.load()) {  // abandoned before a thread was free
          call->done = true;
          return;
        }
        call->started = true;
      }
      request.context = context.get();
      ProbeResult r = call_adapter(*adapter, request);
      std::lock_guard<std::mutex> lock(call->sync->mutex);
      call->result = std::move(r);
      call->done = true;
      call->sync->done_cv.notify_all();
    };
    // A call still queued at its deadline is never run: the pool answers it
    // as timed out at once (and the runner's own deadline check agrees).
    const std::string ms = std::to_string(limits_.probe_deadline.count());
    auto expired = [call, ms] {
      std::lock_guard<std::mutex> lock(call->sync->mutex);
      if (call->done) return;
      call->result =
          ProbeResult::failed("no probe thread became free within the probe deadline of " + ms +
                              " ms (the pool is busy with earlier calls)");
      call->expired = true;
      call->done = true;
      call->sync->done_cv.notify_all();
    };
    if (!pool_ || !pool_->submit(std::move(task), p.deadline, std::move(expired))) {
      finish(p, ProbeResult::failed("could not start a thread to run the probe"), i);
      return;
    }
    p.asking = i;
    p.call = std::move(call);
    return;
  }
  p.run.result = ProbeResult::unavailable(p.reasons.empty() ? "no adapter can run it" : p.reasons);
  p.run.elapsed_s = std::chrono::duration<double>(Clock::now() - p.start).count();
  p.done = true;
}

std::size_t ProbeRunner::start(const Probe* probe) {
  const std::size_t ticket = next_ticket_++;
  auto slot = std::make_unique<Pending>();
  Pending& p = *slot;
  pending_.emplace(ticket, std::move(slot));
  p.probe = probe;
  p.sync = sync_;
  p.start = Clock::now();
  p.deadline = std::min(saturating_after(p.start, limits_.probe_deadline), limits_.evaluation_end);
  start_next(p);
  return ticket;
}

std::vector<std::pair<std::size_t, ProbeRun>> ProbeRunner::wait_any() {
  std::vector<std::pair<std::size_t, ProbeRun>> out;
  auto collect = [&] {
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (!it->second->done) {
        ++it;
        continue;
      }
      out.emplace_back(it->first, std::move(it->second->run));
      it = pending_.erase(it);
    }
  };
  auto in_flight = [&](const Pending& p) { return !p.done && p.call != nullptr; };
  collect();
  while (out.empty() && !pending_.empty()) {
    if (std::string stop = stop_reason(); !stop.empty()) {
      for (auto& [ticket, slot] : pending_) {
        Pending& p = *slot;
        if (p.done) continue;
        p.call->cancelled.store(true);
        finish(p, ProbeResult::failed(stop + " while it ran"), p.asking);
      }
      collect();
      break;
    }
    std::vector<Pending*> ready;
    {
      std::unique_lock<std::mutex> lock(sync_->mutex);
      Clock::time_point wake = Clock::now() + kPollInterval;
      for (const auto& [ticket, p] : pending_)
        if (in_flight(*p)) wake = std::min(wake, p->deadline);
      sync_->done_cv.wait_until(lock, wake, [&] {
        return std::any_of(pending_.begin(), pending_.end(), [&](const auto& entry) {
          return in_flight(*entry.second) && entry.second->call->done;
        });
      });
      for (auto& [ticket, p] : pending_)
        if (in_flight(*p) && p->call->done) ready.push_back(p.get());
    }
    for (Pending* p : ready) {
      ProbeResult r = std::move(p->call->result);
      const std::size_t i = p->asking;
      p->call.reset();
      if (r.kind == ProbeResult::Kind::kUnavailable) {
        add_reason(&p->reasons, names_[i], r.reason);
        start_next(*p);
      } else {
        finish(*p, std::move(r), i);
      }
    }
    const Clock::time_point later = Clock::now();
    for (auto& [ticket, slot] : pending_) {
      Pending& p = *slot;
      if (!in_flight(p) || later < p.deadline) continue;
      bool started;
      {
        std::lock_guard<std::mutex> lock(sync_->mutex);
        if (p.call->done) continue;  // collected on the next round
        started = p.call->started;
      }
      p.call->cancelled.store(true);
      if (later >= limits_.evaluation_end) {
        finish(p, ProbeResult::failed("the evaluation ran out of time while it ran"), p.asking);
        continue;
      }
      hung_[p.asking] = true;
      const std::string ms = std::to_string(limits_.probe_deadline.count());
      finish(p,
             ProbeResult::failed(started ? "no answer within the probe deadline of " + ms + " ms"
                                         : "no probe thread became free within the probe "
                                           "deadline of " +
                                               ms + " ms (the pool is busy with earlier calls)"),
             p.asking);
    }
    collect();
  }
  return out;
}

void ProbeRunner::abandon(std::size_t ticket) {
  auto it = pending_.find(ticket);
  if (it == pending_.end()) return;
  if (it->second->call) it->second->call->cancelled.store(true);
  pending_.erase(it);  // the call, if still running, finishes on its own
}

std::vector<ProbeRun> ProbeRunner::run(const std::vector<const Probe*>& probes) {
  std::vector<std::size_t> tickets;
  for (const Probe* p : probes) tickets.push_back(start(p));
  std::map<std::size_t, ProbeRun> done;
  while (done.size() < tickets.size()) {
    auto runs = wait_any();
    if (runs.empty()) break;  // nothing pending: cannot happen while tickets are open
    for (auto& [ticket, run] : runs) done.emplace(ticket, std::move(run));
  }
  std::vector<ProbeRun> out;
  out.reserve(tickets.size());
  for (std::size_t t : tickets) {
    auto it = done.find(t);
    out.push_back(it != done.end() ? std::move(it->second) : ProbeRun{});
  }
  return out;
}

}  // namespace rdptriage::internal
