#include "engine/probe_pool.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "rdptriage/triage.h"

namespace rdptriage {
namespace internal {
namespace {

void call_quietly(const std::function<void()>& f) {
  if (!f) return;
  try {
    f();
  } catch (...) {
    // Nothing may escape a pool thread or submit().
  }
}

}  // namespace

ProbePoolState::~ProbePoolState() {
  for (Worker& w : workers_)
    if (w.thread.joinable()) w.thread.detach();
}

void ProbePoolState::take_expired(Clock::time_point now, std::deque<Task>* out) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (now >= it->deadline) {
      out->push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
}

bool ProbePoolState::submit(std::function<void()> task, Clock::time_point deadline,
                            std::function<void()> expired) {
  std::deque<Task> stale;
  bool ok = true;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return false;
    // Calls that waited past their deadline are answered now: they must not
    // count as work that needs a thread.
    take_expired(Clock::now(), &stale);
    queue_.push_back(Task{std::move(task), deadline, std::move(expired)});
    if (idle_ >= queue_.size() || threads_ >= max_threads_) {
      wake_.notify_one();
    } else {
      // Started under the lock so shut_down() always sees every thread.
      Worker& w = workers_.emplace_back();
      try {
        w.thread = std::thread([self = shared_from_this(), &w] { self->work(&w); });
        ++threads_;
        ++started_;
      } catch (const std::exception&) {
        workers_.pop_back();
        if (threads_ == 0) {
          queue_.pop_back();  // dropped: the caller is told
          ok = false;
        } else {
          wake_.notify_one();  // an existing thread will get to it
        }
      }
    }
  }
  for (const Task& t : stale) call_quietly(t.expired);
  return ok;
}

void ProbePoolState::work(Worker* self) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ++idle_;
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) break;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    const bool expired = Clock::now() >= task.deadline;
    self->busy_until = expired ? Clock::time_point::min() : task.deadline;
    lock.unlock();
    call_quietly(expired ? task.expired : task.run);
    task = Task{};  // release what the task holds before waiting again
    lock.lock();
    self->busy_until = Clock::time_point::min();
  }
  --threads_;
  self->exited = true;
  exited_.notify_all();
}

void ProbePoolState::shut_down() {
  std::deque<Task> dropped;
  std::vector<std::thread> join, detach;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    dropped.swap(queue_);
    wake_.notify_all();
    // Idle threads exit at once; a busy one after its task, which should
    // end by its deadline. Wait for those, within kShutdownGrace, unless
    // this runs on a pool thread (it cannot wait for itself).
    const auto me = std::this_thread::get_id();
    const bool on_pool_thread = std::any_of(
        workers_.begin(), workers_.end(), [&](const Worker& w) { return w.thread.get_id() == me; });
    Clock::time_point until = Clock::now();
    for (const Worker& w : workers_)
      if (!w.exited) until = std::max(until, w.busy_until);
    until = std::min(until, Clock::now() + kShutdownGrace);
    if (!on_pool_thread) {
      // Idle threads need no deadline: wait for them at least briefly.
      const Clock::time_point idle_until = Clock::now() + std::chrono::milliseconds(200);
      exited_.wait_until(lock, std::max(until, idle_until), [&] {
        return std::all_of(workers_.begin(), workers_.end(), [&](const Worker& w) {
          return w.exited || (w.busy_until != Clock::time_point::min() &&
                              Clock::now() >= std::min(w.busy_until, until));
        });
      });
    }
    for (Worker& w : workers_) {
      if (!w.thread.joinable()) continue;
      if (w.exited && w.thread.get_id() != me)
        join.push_back(std::move(w.thread));
      else
        detach.push_back(std::move(w.thread));
    }
  }
  for (std::thread& t : detach) t.detach();
  for (std::thread& t : join) t.join();  // it has left work(): returns at once
  for (const Task& t : dropped) call_quietly(t.expired);
}

std::size_t ProbePoolState::threads_started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return started_;
}

std::size_t ProbePoolState::threads_alive() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

}  // namespace internal

ProbeThreadPool::ProbeThreadPool(std::size_t threads)
    : state_(std::make_shared<internal::ProbePoolState>(threads)) {}

ProbeThreadPool::~ProbeThreadPool() { state_->shut_down(); }

std::shared_ptr<ProbeThreadPool> ProbeThreadPool::create(std::size_t threads) {
  return std::shared_ptr<ProbeThreadPool>(new ProbeThreadPool(threads));
}

std::size_t ProbeThreadPool::size() const { return state_->max_threads(); }
std::size_t ProbeThreadPool::threads_started() const { return state_->threads_started(); }

}  // namespace rdptriage
