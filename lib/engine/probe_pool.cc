#include "engine/probe_pool.h"

#include <exception>
#include <thread>

#include "rdptriage/triage.h"

namespace rdptriage {
namespace internal {

bool ProbePoolState::submit(std::function<void()> task) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return false;
  queue_.push_back(std::move(task));
  if (idle_ >= queue_.size() || threads_ >= max_threads_) {
    wake_.notify_one();
    return true;
  }
  ++threads_;
  ++started_;
  lock.unlock();
  try {
    std::thread([self = shared_from_this()] { self->work(); }).detach();
  } catch (const std::exception&) {
    lock.lock();
    --threads_;
    --started_;
    if (threads_ == 0) {
      queue_.clear();
      return false;
    }
    wake_.notify_one();  // an existing thread will get to it
  }
  return true;
}

void ProbePoolState::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ++idle_;
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) break;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (...) {
      // Tasks contain their adapters' exceptions; nothing may escape a thread.
    }
    lock.lock();
  }
  --threads_;
}

void ProbePoolState::shut_down() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  queue_.clear();
  wake_.notify_all();
}

std::size_t ProbePoolState::threads_started() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return started_;
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
