// The engine on a small synthetic rule graph: path order, cost order,
// laziness, fallbacks, and containment of misbehaving adapters.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>

#include "rdptriage/triage.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

using testing::FunctionAdapter;
using testing::MapAdapter;
using testing::V;

constexpr const char* kRules = R"({
  "schema": "rdptriage.rules/1",
  "probes": [
    {"id": "t.cheap", "title": "cheap", "channel": "client", "cost_s": 0.1,
     "result": {"type": "enum", "values": ["a", "b"]}, "how": "look"},
    {"id": "t.mid", "title": "mid", "channel": "control_plane", "cost_s": 3,
     "result": {"type": "bool"}, "how": "az vm show --resource-group {resource_group} --name {vm}"},
    {"id": "t.exp", "title": "expensive", "channel": "run_command", "cost_s": 45,
     "result": {"type": "bool"}, "how": "run command", "fallback": "t.serial"},
    {"id": "t.serial", "title": "serial", "channel": "serial_console", "cost_s": 120,
     "result": {"type": "bool"}, "how": "serial console"},
    {"id": "t.num", "title": "number", "channel": "metrics", "cost_s": 5,
     "result": {"type": "number", "min": 0, "max": 100}, "how": "metrics"}
  ],
  "symptoms": [
    {"id": "s1", "title": "symptom one", "messages": ["the thing broke"]},
    {"id": "s2", "title": "symptom two", "messages": ["the other thing broke badly"]},
    {"id": "ok", "title": "works"}
  ],
  "rules": [
    {"id": "network.first", "layer": "network", "stage": "client", "title": "first",
     "explanation": "first on the path", "symptoms": ["s1"], "confirm": {"probe": "t.cheap", "eq": "a"},
     "confirm_text": "cheap says a", "fix": [{"text": "fix first"}],
     "sources": [{"seed": "003", "section": "x"}]},
    {"id": "network.second", "layer": "network", "stage": "network", "title": "second",
     "explanation": "second", "symptoms": ["s1"], "confirm": {"probe": "t.mid", "eq": true},
     "confirm_text": "mid true",
     "fix": [{"text": "open it", "command": "az vm open-port --resource-group {resource_group} --name {vm} --port {port}", "shell": "bash"}],
     "warnings": ["scope the source"], "sources": [{"seed": "003", "section": "x"}]},
    {"id": "service.third", "layer": "service", "stage": "listener", "title": "third",
     "explanation": "third", "symptoms": ["s1", "s2"], "confirm": {"probe": "t.exp", "eq": true},
     "confirm_text": "exp true", "fix": [{"text": "fix third"}],
     "sources": [{"seed": "003", "section": "x"}], "likelihood": "common"},
    {"id": "guest.fourth", "layer": "guest", "stage": "session", "title": "fourth",
     "explanation": "fourth", "symptoms": ["s2"], "confirm": {"probe": "t.num", "ge": 95},
     "confirm_text": "num >= 95", "fix": [{"text": "fix fourth"}],
     "sources": [{"seed": "003", "section": "x"}]}
  ]
})";

Triage make_triage() {
  StatusOr<RuleSet> rules = RuleSet::load_documents({{"test.json", kRules}});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  return Triage::from_rules(std::move(rules).value());
}

EvaluateRequest request_with(std::shared_ptr<ProbeAdapter> adapter, std::string symptom = "s1") {
  EvaluateRequest r;
  r.symptom = std::move(symptom);
  r.context = {{"resource_group", "rg1"}, {"vm", "vm1"}};
  r.adapters.push_back(std::move(adapter));
  return r;
}

std::vector<std::string> probes_asked(const Report& r) {
  std::vector<std::string> out;
  for (const auto& e : r.evidence) out.push_back(e.probe);
  return out;
}

TEST_CASE("names the first confirmed cause and never asks probes that cannot matter") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(true)}, {"t.exp", V(true)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kConfirmed);
  CHECK(report->cause == "network.second");
  CHECK(report->layer == Layer::kNetwork);
  // t.exp could only matter for a cause after the confirmed one.
  CHECK(probes_asked(*report) == std::vector<std::string>{"t.cheap", "t.mid"});
  CHECK(report->cost_s == Approx(3.1));
  REQUIRE(report->fix.size() == 1);
  CHECK(report->fix[0].command == "az vm open-port --resource-group rg1 --name vm1 --port 3389");
  CHECK(report->warnings == std::vector<std::string>{"scope the source"});
  CHECK(report->evidence[0].ruled_out == std::vector<std::string>{"network.first"});
  CHECK(report->evidence[1].confirmed == std::vector<std::string>{"network.second"});
}

TEST_CASE("with several faults the first on the path wins") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("a")}, {"t.mid", V(true)}, {"t.exp", V(true)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->cause == "network.first");
  CHECK(probes_asked(*report) == std::vector<std::string>{"t.cheap"});
}

TEST_CASE("a confirmed cause is named with the earlier candidates that could not be excluded") {
  Triage triage = make_triage();
  // t.mid (3 s) confirms second; first (0.1 s) comes earlier on the path
  // but t.cheap cannot run, so first cannot be excluded: second is named,
  // and first is listed as not excluded, with its test.
  auto adapter =
      std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{{"t.mid", V(true)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kConfirmed);
  CHECK(report->cause == "network.second");
  REQUIRE(report->not_excluded.size() == 1);
  CHECK(report->not_excluded[0].cause == "network.first");
  CHECK(report->not_excluded[0].next_probe == "t.cheap");
  CHECK(report->not_excluded[0].next_test == "look");
  CHECK(report->candidates.empty());
}

TEST_CASE("cheap probes are asked before expensive ones") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(false)}, {"t.exp", V(false)}, {"t.num", V(10)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter, "unknown"));
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kHealthy);
  CHECK(probes_asked(*report) == std::vector<std::string>{"t.cheap", "t.mid", "t.num", "t.exp"});
}

TEST_CASE("every candidate ruled out for a failure symptom is inconclusive, not healthy") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(false)}, {"t.exp", V(false)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kInconclusive);
  CHECK(report->candidates.empty());
}

TEST_CASE("symptom ok has no candidates and asks nothing") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{});
  StatusOr<Report> report = triage.evaluate(request_with(adapter, "ok"));
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kHealthy);
  CHECK(report->evidence.empty());
}

TEST_CASE("an unavailable probe routes to its fallback") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(false)}, {"t.serial", V(true)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->cause == "service.third");
  CHECK(probes_asked(*report) == std::vector<std::string>{"t.cheap", "t.mid", "t.exp", "t.serial"});
  CHECK(report->evidence[2].result.kind == ProbeResult::Kind::kUnavailable);
  CHECK(report->evidence[2].cost_s == 0);
  CHECK(report->evidence[3].fallback);
  CHECK(report->cost_s == Approx(123.1));
}

TEST_CASE("a throwing adapter is recorded as failed and the engine ends inconclusive") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<FunctionAdapter>(
      [](const ProbeRequest& r) -> ProbeResult {
        if (r.probe_id == "t.cheap") return V("b");
        if (r.probe_id == "t.mid") return V(false);
        if (r.probe_id == "t.exp") throw std::runtime_error("agent exploded");
        throw 42;  // not even a std::exception
      },
      false);
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kInconclusive);
  REQUIRE(report->evidence.size() == 4);
  CHECK(report->evidence[2].result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(report->evidence[2].result.reason, Catch::Contains("agent exploded"));
  CHECK(report->evidence[3].result.kind == ProbeResult::Kind::kFailed);
  REQUIRE(report->candidates.size() == 1);
  CHECK(report->candidates[0].cause == "service.third");
  CHECK(report->candidates[0].next_probe == "t.exp");
  CHECK(report->layer == Layer::kService);
}

TEST_CASE("a hanging adapter is abandoned at the probe deadline") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<FunctionAdapter>([](const ProbeRequest& r) -> ProbeResult {
    if (r.probe_id == "t.cheap") return V("b");
    if (r.probe_id == "t.mid") return V(false);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // ignores its deadline
    return V(true);
  });
  EvaluateRequest req = request_with(adapter);
  req.options.probe_deadline = std::chrono::milliseconds(100);
  auto start = std::chrono::steady_clock::now();
  StatusOr<Report> report = triage.evaluate(req);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(report.ok());
  CHECK(report->status == Verdict::kInconclusive);
  CHECK(report->evidence[2].result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(report->evidence[2].result.reason, Catch::Contains("deadline"));
  // Two abandoned probes (t.exp and its fallback) cost about two deadlines,
  // far less than the 6 s the adapter would have taken.
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("answers outside the probe's domain are rejected") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("zebra")}, {"t.mid", V("yes")}, {"t.exp", V(false)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter));
  REQUIRE(report.ok());
  CHECK(report->evidence[0].result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(report->evidence[0].result.reason, Catch::Contains("outside the probe's domain"));
  CHECK(report->status == Verdict::kInconclusive);
}

TEST_CASE("numbers outside bounds are rejected") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(
      std::map<std::string, ProbeResult>{{"t.exp", V(false)}, {"t.num", V(250)}});
  StatusOr<Report> report = triage.evaluate(request_with(adapter, "s2"));
  REQUIRE(report.ok());
  auto num = std::find_if(report->evidence.begin(), report->evidence.end(),
                          [](const Evidence& e) { return e.probe == "t.num"; });
  REQUIRE(num != report->evidence.end());
  CHECK(num->result.kind == ProbeResult::Kind::kFailed);
}

TEST_CASE("each probe is asked at most once per evaluation") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(false)}, {"t.exp", V(false)}, {"t.num", V(10)}});
  REQUIRE(triage.evaluate(request_with(adapter, "unknown")).ok());
  auto calls = adapter->calls();
  std::sort(calls.begin(), calls.end());
  CHECK(std::adjacent_find(calls.begin(), calls.end()) == calls.end());
}

TEST_CASE("adapters are asked in order until one answers") {
  Triage triage = make_triage();
  auto first =
      std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{{"t.cheap", V("b")}});
  auto second =
      std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{{"t.mid", V(true)}});
  EvaluateRequest req = request_with(first);
  req.adapters.push_back(second);
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->cause == "network.second");
  CHECK(report->evidence[1].adapter == "map");
}

TEST_CASE("without adapters the symptom alone localizes and names the next test") {
  Triage triage = make_triage();
  EvaluateRequest req;
  req.client_error = "Oops:  THE other   thing broke BADLY (code 7)";
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->symptom == "s2");
  CHECK(report->status == Verdict::kInconclusive);
  REQUIRE(report->candidates.size() == 2);
  CHECK(report->candidates[0].cause == "service.third");  // common before occasional
  CHECK(report->candidates[0].next_test == "run command");
  CHECK(report->evidence.empty());
}

TEST_CASE("unknown symptom ids and hostile context values are rejected before probing") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{});
  EvaluateRequest req = request_with(adapter, "no_such_symptom");
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE_FALSE(report.ok());
  CHECK(report.status().code() == ErrorCode::kInvalidArgument);

  for (const char* hostile : {"rg'; rm -rf /", "rg$(id)", "rg`id`", "rg\nrm", "rg\"x", "a b"}) {
    EvaluateRequest bad = request_with(adapter);
    bad.context["resource_group"] = hostile;
    StatusOr<Report> r = triage.evaluate(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("context.resource_group"));
  }
  CHECK(adapter->calls().empty());
}

TEST_CASE("a throwing log callback does not break the evaluation") {
  Triage triage = make_triage();
  auto adapter =
      std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{{"t.cheap", V("a")}});
  EvaluateRequest req = request_with(adapter);
  int calls = 0;
  req.options.log = [&](LogLevel, std::string_view) {
    ++calls;
    throw std::runtime_error("log sink down");
  };
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->cause == "network.first");
  CHECK(calls > 0);
}

TEST_CASE("cost overrides change both the order and the total") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(false)}, {"t.exp", V(false)}, {"t.num", V(10)}});
  EvaluateRequest req = request_with(adapter, "unknown");
  req.options.cost_overrides["t.exp"] = 1;
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(probes_asked(*report) == std::vector<std::string>{"t.cheap", "t.exp", "t.mid", "t.num"});
  CHECK(report->cost_s == Approx(9.1));
}

TEST_CASE("max_probes bounds an evaluation") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<MapAdapter>(std::map<std::string, ProbeResult>{
      {"t.cheap", V("b")}, {"t.mid", V(false)}, {"t.exp", V(false)}, {"t.num", V(10)}});
  EvaluateRequest req = request_with(adapter, "unknown");
  req.options.max_probes = 2;
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  CHECK(report->evidence.size() == 2);
  CHECK(report->status == Verdict::kInconclusive);
  CHECK_FALSE(report->notes.empty());
}

// Records what an adapter learns about the evaluation it serves.
class ScopeRecordingAdapter : public ProbeAdapter {
 public:
  ProbeResult run(const ProbeRequest& r) override {
    std::lock_guard<std::mutex> lock(mutex);
    seen_ids.insert(r.evaluation_id);
    saw_cancel_flag = saw_cancel_flag && r.cancelled != nullptr && !r.cancelled->load();
    if (r.probe_id == "t.cheap") return V("b");
    if (r.probe_id == "t.mid") return V(false);
    return V(true);
  }
  void end_evaluation(std::uint64_t id) override {
    std::lock_guard<std::mutex> lock(mutex);
    ended.push_back(id);
  }
  bool may_block() const override { return false; }
  std::mutex mutex;
  std::set<std::uint64_t> seen_ids;
  std::vector<std::uint64_t> ended;
  bool saw_cancel_flag = true;
};

TEST_CASE("each evaluation has its own id, ended once for every adapter") {
  Triage triage = make_triage();
  auto adapter = std::make_shared<ScopeRecordingAdapter>();
  REQUIRE(triage.evaluate(request_with(adapter)).ok());
  REQUIRE(adapter->seen_ids.size() == 1);
  std::uint64_t first = *adapter->seen_ids.begin();
  CHECK(first != 0);
  CHECK(adapter->ended == std::vector<std::uint64_t>{first});
  REQUIRE(triage.evaluate(request_with(adapter)).ok());
  CHECK(adapter->seen_ids.size() == 2);
  REQUIRE(adapter->ended.size() == 2);
  CHECK(adapter->ended[1] != first);
  CHECK(adapter->saw_cancel_flag);
}

}  // namespace
}  // namespace rdptriage
