// The probe pool: calls that waited past their deadline are answered
// without a thread, and shutting down leaves no idle thread behind.
#include "engine/probe_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "support/thread_count.h"

namespace rdptriage::internal {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::thread_count;

// Waits until `done` holds, at most `limit`.
template <typename F>
bool eventually(F done, milliseconds limit = milliseconds(5000)) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

TEST_CASE("calls past their deadline in the queue are answered at once and never run") {
  auto pool = std::make_shared<ProbePoolState>(1);
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto ran = std::make_shared<std::atomic<int>>(0);
  auto expired = std::make_shared<std::atomic<int>>(0);
  auto fresh = std::make_shared<std::atomic<bool>>(false);
  auto running = std::make_shared<std::atomic<bool>>(false);
  // The only thread is busy.
  REQUIRE(pool->submit([running, release] {
    *running = true;
    while (!*release) std::this_thread::sleep_for(milliseconds(1));
  }));
  REQUIRE(eventually([&] { return running->load(); }));
  // 1,000 calls that will wait past their deadline.
  for (int i = 0; i < 1000; ++i)
    REQUIRE(pool->submit([ran] { ++*ran; }, Clock::now() + milliseconds(10),
                         [expired] { ++*expired; }));
  std::this_thread::sleep_for(milliseconds(30));
  // A later call: the stale ones are answered now, while the thread is
  // still busy, and none of them stands before it any more.
  REQUIRE(pool->submit([fresh] { *fresh = true; }, Clock::time_point::max()));
  CHECK(*expired == 1000);
  *release = true;
  CHECK(eventually([&] { return fresh->load(); }));
  CHECK(*ran == 0);  // not one stale call reached an adapter
  pool->shut_down();
}

TEST_CASE("a thread that finds its call expired answers it without running it") {
  auto pool = std::make_shared<ProbePoolState>(1);
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto ran = std::make_shared<std::atomic<int>>(0);
  auto expired = std::make_shared<std::atomic<int>>(0);
  auto running = std::make_shared<std::atomic<bool>>(false);
  REQUIRE(pool->submit([running, release] {
    *running = true;
    while (!*release) std::this_thread::sleep_for(milliseconds(1));
  }));
  REQUIRE(eventually([&] { return running->load(); }));
  for (int i = 0; i < 10; ++i)
    REQUIRE(
        pool->submit([ran] { ++*ran; }, Clock::now() + milliseconds(5), [expired] { ++*expired; }));
  std::this_thread::sleep_for(milliseconds(20));
  *release = true;  // no further submit(): the thread itself finds them stale
  CHECK(eventually([&] { return expired->load() == 10; }));
  CHECK(*ran == 0);
  pool->shut_down();
}

TEST_CASE("shutting the pool down joins its idle threads") {
  const int before = thread_count();
  auto pool = std::make_shared<ProbePoolState>(4);
  auto started = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 4; ++i)
    REQUIRE(pool->submit([started] {
      ++*started;
      // Hold the thread until all four run, so four are started.
      eventually([&] { return started->load() == 4; }, milliseconds(2000));
    }));
  REQUIRE(eventually([&] { return started->load() == 4; }));
  CHECK(pool->threads_started() == 4);
  pool->shut_down();
  // Joined, not left to exit some time later (at process exit, after
  // OpenSSL's clean-up, their thread-local state leaked).
  CHECK(pool->threads_alive() == 0);
  CHECK(thread_count() <= before);
}

TEST_CASE("shutting down waits for a call within its deadline, not for a hung one") {
  SECTION("a call that ends before its deadline is waited for") {
    auto pool = std::make_shared<ProbePoolState>(2);
    auto running = std::make_shared<std::atomic<bool>>(false);
    auto done = std::make_shared<std::atomic<bool>>(false);
    REQUIRE(pool->submit(
        [running, done] {
          *running = true;
          std::this_thread::sleep_for(milliseconds(100));
          *done = true;
        },
        Clock::now() + milliseconds(1000)));
    REQUIRE(eventually([&] { return running->load(); }));
    pool->shut_down();
    CHECK(*done);
    CHECK(pool->threads_alive() == 0);
  }
  SECTION("a call past its deadline is left to finish on its own") {
    auto pool = std::make_shared<ProbePoolState>(2);
    auto running = std::make_shared<std::atomic<bool>>(false);
    auto release = std::make_shared<std::atomic<bool>>(false);
    REQUIRE(pool->submit(
        [running, release] {
          *running = true;
          while (!*release) std::this_thread::sleep_for(milliseconds(1));
        },
        Clock::now() + milliseconds(10)));
    REQUIRE(eventually([&] { return running->load(); }));
    std::this_thread::sleep_for(milliseconds(20));
    const auto start = Clock::now();
    pool->shut_down();
    CHECK(Clock::now() - start < milliseconds(1000));
    CHECK(pool->threads_alive() == 1);  // detached
    *release = true;
    CHECK(eventually([&] { return pool->threads_alive() == 0; }));
  }
  SECTION("a call with no deadline is waited for at most the grace period") {
    auto pool = std::make_shared<ProbePoolState>(1);
    auto running = std::make_shared<std::atomic<bool>>(false);
    auto release = std::make_shared<std::atomic<bool>>(false);
    REQUIRE(pool->submit([running, release] {
      *running = true;
      while (!*release) std::this_thread::sleep_for(milliseconds(1));
    }));
    REQUIRE(eventually([&] { return running->load(); }));
    const auto start = Clock::now();
    pool->shut_down();
    const auto took = Clock::now() - start;
    CHECK(took >= ProbePoolState::kShutdownGrace - milliseconds(50));
    CHECK(took < ProbePoolState::kShutdownGrace + milliseconds(1000));
    *release = true;
    CHECK(eventually([&] { return pool->threads_alive() == 0; }));
  }
  SECTION("queued calls are answered as expired, and further calls refused") {
    auto pool = std::make_shared<ProbePoolState>(1);
    auto running = std::make_shared<std::atomic<bool>>(false);
    auto release = std::make_shared<std::atomic<bool>>(false);
    auto expired = std::make_shared<std::atomic<int>>(0);
    REQUIRE(pool->submit(
        [running, release] {
          *running = true;
          while (!*release) std::this_thread::sleep_for(milliseconds(1));
        },
        Clock::now() + milliseconds(10)));
    REQUIRE(eventually([&] { return running->load(); }));
    REQUIRE(pool->submit([] {}, Clock::time_point::max(), [expired] { ++*expired; }));
    std::this_thread::sleep_for(milliseconds(20));
    pool->shut_down();
    CHECK(*expired == 1);
    CHECK_FALSE(pool->submit([] {}));
    *release = true;
    CHECK(eventually([&] { return pool->threads_alive() == 0; }));
  }
}

}  // namespace
}  // namespace rdptriage::internal
