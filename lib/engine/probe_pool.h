// Internal: the bounded thread pool behind ProbeThreadPool. Threads start on
// demand up to a maximum, are detached, and hold the state alive themselves,
// so a thread stuck in a hung adapter never blocks anyone's destructor.
#ifndef RDPTRIAGE_LIB_ENGINE_PROBE_POOL_H_
#define RDPTRIAGE_LIB_ENGINE_PROBE_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace rdptriage::internal {

class ProbePoolState : public std::enable_shared_from_this<ProbePoolState> {
 public:
  explicit ProbePoolState(std::size_t max_threads) : max_threads_(max_threads ? max_threads : 1) {}

  // Queues `task` and starts a thread when none is idle and fewer than the
  // maximum exist. Returns false only when no thread exists and none could
  // be started (the task is then dropped). Never blocks on a task.
  bool submit(std::function<void()> task);
  // Idle threads exit now, busy ones after their task; queued tasks are
  // dropped. Further submit() calls fail.
  void shut_down();

  std::size_t max_threads() const { return max_threads_; }
  std::size_t threads_started() const;

 private:
  void work();

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t threads_ = 0;  // alive
  std::size_t started_ = 0;  // ever started
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PROBE_POOL_H_
