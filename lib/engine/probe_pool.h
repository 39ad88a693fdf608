// Internal: the bounded thread pool behind ProbeThreadPool. Threads start on
// demand up to a maximum and hold the state alive themselves, so a thread
// stuck in a hung adapter never blocks anyone for long. A queued task whose
// deadline passed before a thread was free is never run: its `expired`
// callback answers it at once, so calls that waited too long neither occupy
// a thread nor hold up the calls queued behind them. Shutting down wakes
// every idle thread and joins those that exit within a short bound, so no
// thread outlives the pool's owner unless it is stuck in a call (those are
// detached and exit when their call returns).
#ifndef RDPTRIAGE_LIB_ENGINE_PROBE_POOL_H_
#define RDPTRIAGE_LIB_ENGINE_PROBE_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace rdptriage::internal {

class ProbePoolState : public std::enable_shared_from_this<ProbePoolState> {
 public:
  using Clock = std::chrono::steady_clock;

  // How long shut_down() waits at most for threads still in a call whose
  // deadline has not passed.
  static constexpr std::chrono::milliseconds kShutdownGrace{2000};

  explicit ProbePoolState(std::size_t max_threads) : max_threads_(max_threads ? max_threads : 1) {}
  // Detaches any thread object still joinable (shut_down() was not called,
  // or this runs on the last thread itself). Never blocks.
  ~ProbePoolState();

  // Queues `task` and starts a thread when none is idle and fewer than the
  // maximum exist. If no thread takes the task before `deadline`, the task
  // is dropped unrun and `expired` (may be empty) is called instead, on the
  // thread that finds it expired (a pool thread or a later submit()); it
  // must be quick and must not call into the pool. Returns false only when
  // no thread exists and none could be started, or after shut_down() (the
  // task is then dropped and neither function is called). Never blocks on a
  // task.
  bool submit(std::function<void()> task, Clock::time_point deadline = Clock::time_point::max(),
              std::function<void()> expired = {});
  // Further submit() calls fail; queued tasks are dropped (their `expired`
  // is called); idle threads exit now and are joined. Threads still in a
  // task are waited for until the latest deadline of their tasks, at most
  // kShutdownGrace, and joined if they exit by then; the rest are detached
  // and exit when their task returns. Call at most once.
  void shut_down();

  std::size_t max_threads() const { return max_threads_; }
  std::size_t threads_started() const;
  // Threads alive now (tests).
  std::size_t threads_alive() const;

 private:
  struct Task {
    std::function<void()> run;
    Clock::time_point deadline;
    std::function<void()> expired;
  };
  struct Worker {
    std::thread thread;
    bool exited = false;                                      // guarded by mutex_
    Clock::time_point busy_until = Clock::time_point::min();  // deadline of its task
  };

  void work(Worker* self);
  // Moves every queued task past its deadline to `out`. Needs mutex_.
  void take_expired(Clock::time_point now, std::deque<Task>* out);

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable exited_;
  std::deque<Task> queue_;
  std::list<Worker> workers_;  // stable addresses; guarded by mutex_
  std::size_t threads_ = 0;    // alive
  std::size_t started_ = 0;    // ever started
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_PROBE_POOL_H_
