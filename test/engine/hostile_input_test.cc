// Issue 14's reproducers, items 1 and 2: values and adapters that broke the
// engine once. Each test is the reproducer from the issue, run to the end.
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "rdptriage/observations.h"
#include "rdptriage/report.h"
#include "rdptriage/triage.h"
#include "support/bundled_triage.h"
#include "support/fake_adapter.h"
#include "support/thread_count.h"

namespace rdptriage {
namespace {

using testing::bundled_triage;
using testing::FunctionAdapter;
using testing::thread_count;
using testing::V;
using Clock = std::chrono::steady_clock;

// The evidence entry for `probe` in a parsed JSON report; null when absent.
const boost::json::object* evidence_for(const boost::json::value& report, const char* probe) {
  for (const boost::json::value& e : report.at("evidence").as_array())
    if (e.at("probe").as_string() == probe) return &e.as_object();
  return nullptr;
}

// Item 1: a probe value of 2^63 or more was cast to long long (undefined
// behaviour) on its way into the JSON report. The reproducer is an
// observations file; the report must be valid JSON carrying the value.
TEST_CASE("an observed value of 1e19 reaches a valid JSON report") {
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("rdptriage-1e19-" + std::to_string(::getpid()) + ".json");
  for (const char* value : {"1e19", "9223372036854775808", "1.8446744073709552e19", "1e300",
                            "9007199254740993", "8999999999999999"}) {
    std::ofstream(file) << R"({"schema": "rdptriage.observations/1", "symptom": "black_screen",
       "context": {"resource_group": "prod-rg", "vm": "web01"},
       "results": {"metrics.available_memory_mb": )"
                        << value << R"(, "metrics.cpu_pct": 97}})";
    INFO(value);
    StatusOr<Observations> obs = Observations::load_file(file, bundled_triage().rules());
    REQUIRE(obs.ok());
    StatusOr<Report> report = bundled_triage().evaluate(obs->to_request());
    REQUIRE(report.ok());
    const std::string json = report_to_json(*report);
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(json, ec);
    REQUIRE_FALSE(ec);
    const boost::json::object* memory = evidence_for(parsed, "metrics.available_memory_mb");
    REQUIRE(memory != nullptr);
    const boost::json::value& result = memory->at("result");
    REQUIRE(result.is_number());
    const double expected = std::strtod(value, nullptr);
    CHECK(result.to_number<double>() == Approx(expected));
    // A whole number below 9e15 prints as an integer, larger ones as a double.
    CHECK(result.is_double() == (expected >= 9e15));
  }
  std::filesystem::remove(file);
}

TEST_CASE("non-finite values in a report print as null, never as NaN or Infinity") {
  Report report;
  Evidence e;
  e.probe = "metrics.available_memory_mb";
  e.result = ProbeResult::value_of(std::numeric_limits<double>::infinity());
  report.evidence.push_back(e);
  e.result = ProbeResult::value_of(-std::numeric_limits<double>::infinity());
  report.evidence.push_back(e);
  e.result = ProbeResult::value_of(std::numeric_limits<double>::quiet_NaN());
  report.evidence.push_back(e);
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(report_to_json(report), ec);
  REQUIRE_FALSE(ec);
  for (const boost::json::value& item : parsed.at("evidence").as_array())
    CHECK(item.at("result").is_null());
}

// Found by fuzz/client_error_fuzzer.cc: a code written in full-width forms
// ("０ｘ９０４") was matched on its normalized text and its excerpt cut
// inside the last character, so the JSON report held invalid UTF-8 and
// `diagnose --json` printed null.
TEST_CASE("an excerpt of a full-width code keeps whole characters") {
  const std::string text =
      "Error code\xEF\xBC\x9A\xEF\xBC\x90\xEF\xBD\x98\xEF\xBC\x99\xEF\xBC\x90"
      "\xEF\xBC\x94";  // Error code：０ｘ９０４
  StatusOr<ClientErrorReading> reading = bundled_triage().read_client_error(text);
  REQUIRE(reading.ok());
  REQUIRE(reading->recognized());
  CHECK(reading->matches.front().code == "0x904");
  CHECK(reading->matches.front().excerpt == "Error code:0x904");  // normalized, whole
  boost::system::error_code ec;
  (void)boost::json::parse(client_error_to_json(*reading), ec);
  CHECK_FALSE(ec);
}

// Found by fuzz/report_json_fuzzer.cc and client_error_fuzzer.cc: strings
// that are not UTF-8 (a log saved in Latin-1, an adapter's bytes) were
// copied into the JSON as they were, which no JSON parser accepts.
TEST_CASE("bytes that are not UTF-8 reach the JSON report as U+FFFD") {
  EvaluateRequest req;
  req.client_error =
      "Remote Desktop can't find the computer \"caf\xE9-vm\". This might mean that \"caf\xE9-vm\" "
      "does not belong to the specified network.";
  StatusOr<Report> report = bundled_triage().evaluate(req);
  REQUIRE(report.ok());
  Evidence e;
  e.probe = "guest.computer_name";
  e.result = ProbeResult::value_of(std::string("web\xC0\x80\xED\xA0\x80\xF4\x90\x80\x80\xFF"));
  report->evidence.push_back(e);
  report->title = "truncated \xE2\x82";
  const std::string json = report_to_json(*report);
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  REQUIRE_FALSE(ec);
  CHECK(parsed.at("title").as_string() == "truncated \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK_THAT(std::string(parsed.at("client_error").at("matches").at(0).at("excerpt").as_string()),
             Catch::Contains("\"caf\xEF\xBF\xBD-vm\""));
  // Valid text is left as it is.
  CHECK(report_to_json(Report{}).find("\xEF\xBF\xBD") == std::string::npos);
}

// Item 1: an adapter whose may_block() throws made evaluate() an internal
// error. It is treated as blocking, and its answers still count.
TEST_CASE("an adapter whose may_block() throws still gives a Report") {
  class ThrowingMayBlock : public ProbeAdapter {
   public:
    ProbeResult run(const ProbeRequest& r) override {
      if (r.probe_id == "metrics.available_memory_mb") return V(90);
      if (r.probe_id == "metrics.cpu_pct") return V(97);
      return ProbeResult::unavailable("not here");
    }
    bool may_block() const override { throw std::runtime_error("may_block exploded"); }
    std::string name() const override { throw std::logic_error("so did name"); }
  };
  EvaluateRequest req;
  req.symptom = "black_screen";
  req.adapters.push_back(std::make_shared<ThrowingMayBlock>());
  StatusOr<Report> report = bundled_triage().evaluate(req);
  INFO(report.status().to_string());
  REQUIRE(report.ok());
  bool memory_read = false;
  for (const Evidence& e : report->evidence)
    memory_read = memory_read || (e.probe == "metrics.available_memory_mb" && e.result.has_value());
  CHECK(memory_read);
}

// Item 2: 400 evaluations at a 1 ms deadline against a hung adapter leaked
// one detached thread per abandoned probe (14,401 threads). Now the hung
// adapter holds at most the Triage's pool.
TEST_CASE("400 evaluations against a hung adapter leave a bounded thread count") {
  StatusOr<Triage> triage = Triage::create({});
  REQUIRE(triage.ok());
  // Shared: abandoned calls still run after the test returns.
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto hung = std::make_shared<FunctionAdapter>([release](const ProbeRequest&) {
    while (!*release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return ProbeResult::failed("released");
  });
  const int before = thread_count();
  const std::size_t pool = triage->probe_pool()->size();
  int peak = before;
  for (int i = 0; i < 400; ++i) {
    EvaluateRequest req;
    req.symptom = "timeout";
    req.adapters.push_back(hung);
    req.options.probe_deadline = std::chrono::milliseconds(1);
    StatusOr<Report> r = triage->evaluate(req);
    REQUIRE(r.ok());
    CHECK(r->status == Verdict::kInconclusive);
    if (i % 20 == 0) peak = std::max(peak, thread_count());
  }
  peak = std::max(peak, thread_count());
  WARN("threads before " << before << ", peak " << peak << ", pool " << pool);
  CHECK(peak <= before + static_cast<int>(pool));
  CHECK(triage->probe_pool()->threads_started() <= pool);
  *release = true;
}

// Item 2: with the default deadlines (180 s per probe) one evaluation
// against a hung adapter took hours. evaluation_deadline bounds it.
TEST_CASE("a hung adapter with the default probe deadline ends at the evaluation deadline") {
  // Shared: abandoned calls still run after the test returns.
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto hung = std::make_shared<FunctionAdapter>([release](const ProbeRequest&) {
    while (!*release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return ProbeResult::failed("released");
  });
  for (const char* symptom : {"timeout", "unknown"}) {
    EvaluateRequest req;
    req.symptom = symptom;
    req.adapters.push_back(hung);
    REQUIRE(req.options.probe_deadline == std::chrono::seconds(180));  // the default
    req.options.evaluation_deadline = std::chrono::milliseconds(300);
    const auto start = Clock::now();
    StatusOr<Report> r = bundled_triage().evaluate(req);
    const double took = std::chrono::duration<double>(Clock::now() - start).count();
    INFO(symptom << " took " << took << " s");
    REQUIRE(r.ok());
    CHECK(took >= 0.3);
    CHECK(took < 5);  // about the deadline; 180 s or hours before the fix
    bool noted = false;
    for (const std::string& n : r->notes)
      noted = noted || n.find("ran out of time") != std::string::npos;
    CHECK(noted);
  }
  *release = true;
}

}  // namespace
}  // namespace rdptriage
