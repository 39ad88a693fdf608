// One Triage, many threads: evaluate() keeps all per-call state in the call.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rdptriage/triage.h"
#include "support/fake_adapter.h"
#include "support/thread_count.h"

namespace rdptriage {
namespace {

using testing::FunctionAdapter;
using testing::MapAdapter;
using testing::thread_count;
using testing::V;
using Clock = std::chrono::steady_clock;

constexpr const char* kRules = R"({
  "probes": [
    {"id": "c.a", "title": "a", "channel": "client", "cost_s": 0.1, "result": {"type": "bool"}, "how": "a"},
    {"id": "c.b", "title": "b", "channel": "control_plane", "cost_s": 3, "result": {"type": "bool"}, "how": "b"},
    {"id": "c.c", "title": "c", "channel": "run_command", "cost_s": 45,
     "result": {"type": "number", "min": 0}, "how": "c"}
  ],
  "symptoms": [{"id": "s", "title": "s"}],
  "rules": [
    {"id": "network.a", "layer": "network", "stage": "client", "title": "a", "explanation": "a",
     "symptoms": ["s"], "confirm": {"probe": "c.a", "eq": true}, "confirm_text": "a",
     "fix": [{"text": "a"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "network.b", "layer": "network", "stage": "network", "title": "b", "explanation": "b",
     "symptoms": ["s"], "confirm": {"probe": "c.b", "eq": true}, "confirm_text": "b",
     "fix": [{"text": "b"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "guest.c", "layer": "guest", "stage": "session", "title": "c", "explanation": "c",
     "symptoms": ["s"], "confirm": {"probe": "c.c", "lt": 100}, "confirm_text": "c",
     "fix": [{"text": "c"}], "sources": [{"seed": "003", "section": "x"}]}
  ]
})";

TEST_CASE("eight threads evaluate one Triage concurrently") {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"concurrency.json", kRules}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  const Triage triage = Triage::from_rules(std::move(rules).value());

  // Three scripted estates, each with a known answer; threads interleave them.
  const std::vector<std::pair<std::map<std::string, ProbeResult>, std::string>> cases = {
      {{{"c.a", V(true)}, {"c.b", V(true)}, {"c.c", V(10)}}, "network.a"},
      {{{"c.a", V(false)}, {"c.b", V(true)}, {"c.c", V(10)}}, "network.b"},
      {{{"c.a", V(false)}, {"c.b", V(false)}, {"c.c", V(10)}}, "guest.c"},
  };
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const auto& [answers, expected] = cases[(t + i) % cases.size()];
        EvaluateRequest req;
        req.symptom = "s";
        // Every third call shares one blocking adapter across threads too.
        req.adapters.push_back(std::make_shared<MapAdapter>(answers, i % 3 == 0));
        StatusOr<Report> r = triage.evaluate(req);
        if (!r.ok() || r->cause != expected) ++wrong;
        ++done;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(done == 8 * 300);
  CHECK(wrong == 0);
}

Triage make_triage(std::size_t pool_threads = 8) {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"concurrency.json", kRules}});
  REQUIRE(rules.ok());
  return Triage::from_rules(std::move(rules).value(), ProbeThreadPool::create(pool_threads));
}

TEST_CASE("blocking adapters run on the Triage's bounded pool: eight threads, no growth") {
  const Triage triage = make_triage(4);
  const int before = thread_count();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        EvaluateRequest req;
        req.symptom = "s";
        req.adapters.push_back(std::make_shared<FunctionAdapter>([](const ProbeRequest& r) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          if (r.probe_id == "c.c") return V(10);
          return V(false);
        }));
        StatusOr<Report> r = triage.evaluate(req);
        if (!r.ok() || r->cause != "guest.c") ++wrong;
      }
    });
  }
  // While they run, the process holds at most the 8 callers and the pool.
  int peak = 0;
  for (int k = 0; k < 20; ++k) {
    peak = std::max(peak, thread_count());
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(triage.probe_pool()->threads_started() <= 4);
  CHECK(peak <= before + 8 + 4);
  CHECK(thread_count() <= before + 4);
}

// Audit of issue 14: pool threads were detached and only told to stop, so
// they exited some time after the last handle went, at process exit after
// OpenSSL's clean-up (LeakSanitizer saw their thread-local ERR_STATE).
TEST_CASE("destroying the Triage joins its pool's threads before it returns") {
  const int before = thread_count();
  {
    const Triage triage = make_triage(4);
    for (int i = 0; i < 5; ++i) {
      EvaluateRequest req;
      req.symptom = "s";
      req.adapters.push_back(std::make_shared<FunctionAdapter>([](const ProbeRequest& r) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        return r.probe_id == "c.c" ? V(10) : V(false);
      }));
      StatusOr<Report> r = triage.evaluate(req);
      REQUIRE(r.ok());
    }
    REQUIRE(triage.probe_pool()->threads_started() >= 1);
    CHECK(thread_count() > before);
  }
  CHECK(thread_count() <= before);  // at once, not some time later
}

TEST_CASE("a hung adapter costs one deadline per evaluation and one pool thread, not more") {
  const Triage triage = make_triage(2);
  // Shared with the adapter, not on this stack: the pool thread still in
  // the adapter reads them after this test returns (ThreadSanitizer saw it
  // read the next test's stack).
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto hung = std::make_shared<FunctionAdapter>([release, calls](const ProbeRequest&) {
    ++*calls;
    while (!*release) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return V(true);
  });
  const int before = thread_count();
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    EvaluateRequest req;
    req.symptom = "s";
    req.adapters.push_back(hung);
    req.options.probe_deadline = std::chrono::milliseconds(20);
    StatusOr<Report> r = triage.evaluate(req);
    REQUIRE(r.ok());
    CHECK(r->status == Verdict::kInconclusive);
    // The adapter missed its deadline once; the other probes were not
    // waited on again in the same evaluation.
    int failed = 0;
    for (const Evidence& e : r->evidence)
      if (e.result.kind == ProbeResult::Kind::kFailed) ++failed;
    CHECK(failed == 1);
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  WARN("20 evaluations against a hung adapter took " << took << " s");
  CHECK(took < 20 * 3 * 0.02 + 2);      // about one deadline each, with slack for a busy machine
  CHECK(thread_count() <= before + 2);  // the pool's two threads, never one per probe
  CHECK(*calls <= 2);                   // the others waited for a thread and were abandoned
  *release = true;
}

// A later cause, likely and cheap to confirm on the metrics channel, and an
// earlier one on the control plane that must be excluded (or confirmed)
// whatever the metrics say: the control-plane read is wanted either way.
constexpr const char* kTwoChannels = R"({
  "probes": [
    {"id": "x.slow", "title": "x", "channel": "control_plane", "cost_s": 3, "result": {"type": "bool"}, "how": "x"},
    {"id": "y.fast", "title": "y", "channel": "metrics", "cost_s": 1, "result": {"type": "bool"}, "how": "y"}
  ],
  "symptoms": [{"id": "s", "title": "s"}],
  "rules": [
    {"id": "network.x", "layer": "network", "stage": "client", "title": "x", "explanation": "x",
     "likelihood": "rare", "symptoms": ["s"], "confirm": {"probe": "x.slow", "eq": true},
     "confirm_text": "x", "fix": [{"text": "x"}], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "guest.y", "layer": "guest", "stage": "session", "title": "y", "explanation": "y",
     "likelihood": "common", "symptoms": ["s"], "confirm": {"probe": "y.fast", "eq": true},
     "confirm_text": "y", "fix": [{"text": "y"}], "sources": [{"seed": "003", "section": "x"}]}
  ]
})";

// Blocks each probe until a second one is in flight too (then both go on
// at once), or until `alone` passes; records the most ever in flight.
struct Rendezvous {
  std::mutex mutex;
  std::condition_variable cv;
  int in_flight = 0;
  int most = 0;
  std::chrono::milliseconds alone{0};

  ProbeResult run(const ProbeRequest& r) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      most = std::max(most, ++in_flight);
      cv.notify_all();
      cv.wait_for(lock, alone, [&] { return in_flight >= 2; });
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      --in_flight;
    }
    return r.probe_id == "x.slow" ? V(false) : V(true);
  }
};

TEST_CASE("probes on different channels are in flight together, and never with one at a time") {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"two_channels.json", kTwoChannels}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  const Triage triage = Triage::from_rules(std::move(rules).value(), ProbeThreadPool::create(4));
  auto diagnose = [&](std::size_t parallel, Rendezvous& meet) {
    EvaluateRequest req;
    req.symptom = "s";
    req.options.max_parallel_probes = parallel;
    req.adapters.push_back(
        std::make_shared<FunctionAdapter>([&meet](const ProbeRequest& r) { return meet.run(r); }));
    StatusOr<Report> r = triage.evaluate(req);
    REQUIRE(r.ok());
    return std::move(r).value();
  };
  // Four at once: the metrics read is the best pick and the control-plane
  // read is wanted whatever it answers, so both start; each waits for the
  // other (a generous bound only keeps a broken engine from hanging).
  Rendezvous together;
  together.alone = std::chrono::seconds(20);
  Report both = diagnose(4, together);
  CHECK(both.cause == "guest.y");
  CHECK(both.evidence.size() == 2);
  CHECK(together.most == 2);
  // One at a time: each probe waits alone (briefly) and the next starts
  // only after it returned, whatever the timing.
  Rendezvous apart;
  apart.alone = std::chrono::milliseconds(20);
  Report one = diagnose(1, apart);
  CHECK(one.cause == "guest.y");
  CHECK(one.evidence.size() == 2);
  CHECK(apart.most == 1);
}

TEST_CASE("cancelling an evaluation returns the report so far") {
  const Triage triage = make_triage();
  std::atomic<bool> cancel{false};
  auto slow = std::make_shared<FunctionAdapter>([](const ProbeRequest& r) {
    if (r.probe_id == "c.a") return V(false);
    for (int i = 0; i < 500 && !r.cancelled->load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return ProbeResult::failed(r.cancelled->load() ? "told to stop" : "slow");
  });
  EvaluateRequest req;
  req.symptom = "s";
  req.adapters.push_back(slow);
  req.cancel = &cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel = true;
  });
  const auto start = Clock::now();
  StatusOr<Report> r = triage.evaluate(req);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  canceller.join();
  REQUIRE(r.ok());
  CHECK(took < 2);
  CHECK(r->status == Verdict::kInconclusive);
  bool noted = false;
  for (const std::string& n : r->notes) noted = noted || n.find("cancelled") != std::string::npos;
  CHECK(noted);
  REQUIRE_FALSE(r->evidence.empty());
  CHECK(r->evidence.front().probe == "c.a");  // what was learnt before stays
}

TEST_CASE("the evaluation deadline bounds the whole evaluation") {
  const Triage triage = make_triage();
  auto slow = std::make_shared<FunctionAdapter>([](const ProbeRequest& r) {
    for (int i = 0; i < 300 && !r.cancelled->load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return V(false);
  });
  EvaluateRequest req;
  req.symptom = "s";
  req.adapters.push_back(slow);
  req.options.probe_deadline = std::chrono::seconds(60);
  req.options.evaluation_deadline = std::chrono::milliseconds(150);
  const auto start = Clock::now();
  StatusOr<Report> r = triage.evaluate(req);
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  REQUIRE(r.ok());
  CHECK(took < 2);
  bool noted = false;
  for (const std::string& n : r->notes)
    noted = noted || n.find("ran out of time") != std::string::npos;
  CHECK(noted);
}

}  // namespace
}  // namespace rdptriage
