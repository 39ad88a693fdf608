#include "azure/evaluation_cache.h"

namespace rdptriage::internal::azure {

ArmResponse EvaluationCache::get(const std::string& key, const std::function<ArmResponse()>& read,
                                 Clock::time_point deadline, const std::atomic<bool>* stop) {
  std::shared_ptr<Slot> slot;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      auto it = slots_.find(key);
      if (it == slots_.end()) break;  // nobody has it: read it ourselves
      slot = it->second;
      if (slot->done) return slot->answer;
      // Someone is reading it: wait for them, within our own limits.
      if ((stop != nullptr && stop->load()) || Clock::now() >= deadline) {
        ArmResponse out;
        out.kind = stop != nullptr && stop->load() ? ArmResponse::Kind::kCancelled
                                                   : ArmResponse::Kind::kTimeout;
        out.message = "still waiting for another probe's read of " + key;
        return out;
      }
      changed_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(50)));
      slot.reset();
    }
    slot = std::make_shared<Slot>();
    slots_[key] = slot;
    ++reads_[key];
  }
  ArmResponse answer;
  try {
    answer = read();
  } catch (const std::exception& e) {
    answer.kind = ArmResponse::Kind::kTransport;
    answer.message = std::string("internal error while reading ") + key + ": " + e.what();
  } catch (...) {
    answer.kind = ArmResponse::Kind::kTransport;
    answer.message = "internal error while reading " + key;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (answer.kind == ArmResponse::Kind::kCancelled) {
      slots_.erase(key);
    } else {
      slot->answer = answer;
      slot->done = true;
    }
  }
  changed_.notify_all();
  return answer;
}

int EvaluationCache::reads(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = reads_.find(key);
  return it == reads_.end() ? 0 : it->second;
}

std::shared_ptr<EvaluationCache> EvaluationCaches::of(std::uint64_t evaluation_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& c = caches_[evaluation_id];
  if (!c) c = std::make_shared<EvaluationCache>();
  return c;
}

void EvaluationCaches::drop(std::uint64_t evaluation_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  caches_.erase(evaluation_id);
}

std::size_t EvaluationCaches::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return caches_.size();
}

}  // namespace rdptriage::internal::azure
