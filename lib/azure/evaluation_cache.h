// Internal: what one evaluation has read from ARM, shared by its probes.
//
// Each resource is read once per evaluation: the first caller reads it, any
// concurrent caller for the same key waits for that read (up to its own
// deadline) and gets the same answer. A cancelled read is not kept, so a
// later probe can try again; every other answer, failures included, is kept
// until the evaluation ends, so a broken or throttled endpoint costs one
// wait, not one per probe.
//
// Thread safety: safe for concurrent use.
#ifndef RDPTRIAGE_LIB_AZURE_EVALUATION_CACHE_H_
#define RDPTRIAGE_LIB_AZURE_EVALUATION_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "azure/arm_client.h"

namespace rdptriage::internal::azure {

class EvaluationCache {
 public:
  // The answer for `key`, computing it with `read` if no one has yet.
  ArmResponse get(const std::string& key, const std::function<ArmResponse()>& read,
                  Clock::time_point deadline, const std::atomic<bool>* stop);
  // How many times `read` ran for `key` (for tests and the progress line).
  int reads(const std::string& key) const;

 private:
  struct Slot {
    bool done = false;
    ArmResponse answer;
  };
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::map<std::string, int> reads_;
};

// One EvaluationCache per evaluation id, dropped at end_evaluation().
class EvaluationCaches {
 public:
  std::shared_ptr<EvaluationCache> of(std::uint64_t evaluation_id);
  void drop(std::uint64_t evaluation_id);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, std::shared_ptr<EvaluationCache>> caches_;
};

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_EVALUATION_CACHE_H_
