// Test support: scripted probe adapters.
#ifndef RDPTRIAGE_TEST_SUPPORT_FAKE_ADAPTER_H_
#define RDPTRIAGE_TEST_SUPPORT_FAKE_ADAPTER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rdptriage/probe.h"

namespace rdptriage::testing {

// Answers from a map; probes not in it are unavailable. Counts calls.
class MapAdapter : public ProbeAdapter {
 public:
  explicit MapAdapter(std::map<std::string, ProbeResult> answers, bool blocking = false)
      : answers_(std::move(answers)), blocking_(blocking) {}
  ProbeResult run(const ProbeRequest& request) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.push_back(request.probe_id);
    }
    auto it = answers_.find(request.probe_id);
    if (it == answers_.end()) return ProbeResult::unavailable("not scripted");
    return it->second;
  }
  std::string name() const override { return "map"; }
  bool may_block() const override { return blocking_; }
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  std::map<std::string, ProbeResult> answers_;
  bool blocking_;
  mutable std::mutex mutex_;
  std::vector<std::string> calls_;
};

// Runs a function per probe: lets a test throw, sleep or answer nonsense.
class FunctionAdapter : public ProbeAdapter {
 public:
  explicit FunctionAdapter(std::function<ProbeResult(const ProbeRequest&)> fn, bool blocking = true)
      : fn_(std::move(fn)), blocking_(blocking) {}
  ProbeResult run(const ProbeRequest& request) override { return fn_(request); }
  std::string name() const override { return "function"; }
  bool may_block() const override { return blocking_; }

 private:
  std::function<ProbeResult(const ProbeRequest&)> fn_;
  bool blocking_;
};

inline ProbeResult V(bool b) { return ProbeResult::value_of(b); }
inline ProbeResult V(double d) { return ProbeResult::value_of(d); }
inline ProbeResult V(int i) { return ProbeResult::value_of(static_cast<double>(i)); }
inline ProbeResult V(const char* s) { return ProbeResult::value_of(std::string(s)); }

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_FAKE_ADAPTER_H_
