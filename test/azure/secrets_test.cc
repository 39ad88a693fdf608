// No token, client secret, identity header or SAS signature reaches a
// report, a log line or an error, even when a server echoes them back.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>
#include <mutex>

#include "fake_arm_fixture.h"
#include "rdptriage/world.h"
#include "support/bundled_triage.h"

namespace rdptriage::testing {
namespace {

std::size_t index_of(const std::string& file) {
  for (std::size_t i = 0; i < world_files().size(); ++i)
    if (world_files()[i].filename() == file) return i;
  return 0;
}

TEST_CASE("no token or secret appears in any report, log line or error", "[azure]") {
  FakeArm fake;
  std::mutex m;
  std::vector<std::string> lines;
  auto collect = [&](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(m);
    lines.emplace_back(line);
  };
  AzureOptions o = fake.options();
  o.credentials.identity_header = kIdentityHeader;  // registered as a secret too
  o.log = collect;
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  std::string everything;
  // Whole evaluations, through the engine, with its log too.
  for (const char* file : {"healthy.json", "seed003.nsg_deny_shadows_allow.json",
                           "guest.disk_full.json", "seed003.runaway_process_black_screen.json"}) {
    auto world = World::load_file(source_dir() / "examples" / "worlds" / file);
    REQUIRE(world.ok());
    EvaluateRequest req;
    req.symptom = world->symptom();
    req.context = world->context();
    req.context["subscription"] = subscription_of(index_of(file));
    req.context["username"] = "azureadmin";
    req.adapters = {*azure, world->adapter()};
    req.options.log = collect;
    auto report = bundled_triage().evaluate(req);
    REQUIRE(report.ok());
    everything += report_to_json(*report);
  }
  // Boot diagnostics: SAS URIs come back from ARM.
  {
    std::atomic<bool> never{false};
    Context c = {{"subscription", subscription_of(index_of("healthy.json"))},
                 {"resource_group", "myResourceGroup"},
                 {"vm", "myVm"}};
    ProbeRequest req;
    req.probe_id = "bootdiag.screenshot";
    req.context = &c;
    req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    req.cancelled = &never;
    everything += (*azure)->run(req).reason + "\n";
  }
  // A server that puts the caller's Authorization header in its error.
  fake.fault(R"({"mode": "echo_token"})");
  auto echo = AzureAdapter::create(o);
  REQUIRE(echo.ok());
  std::atomic<bool> never{false};
  Context c = {{"subscription", subscription_of(index_of("healthy.json"))},
               {"resource_group", "myResourceGroup"},
               {"vm", "myVm"}};
  for (const char* probe : {"azure.power_state", "bootdiag.screenshot", "guest.c_free_mb"}) {
    ProbeRequest req;
    req.probe_id = probe;
    req.context = &c;
    req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    req.cancelled = &never;
    ProbeResult r = (*echo)->run(req);
    CHECK(r.kind != ProbeResult::Kind::kValue);
    everything += r.reason + "\n";
  }
  CHECK_THAT(everything, Catch::Contains("[redacted]"));  // the echo was there, and scrubbed
  for (const auto& l : lines) everything += l + "\n";
  CHECK(lines.size() > 10);
  // Nothing any server handed out, nor any secret we hold.
  auto state = fake.state();
  const auto& tokens = state.at("tokens").as_array();
  REQUIRE(tokens.size() >= 2);
  for (const auto& t : tokens)
    CHECK(everything.find(std::string(t.as_string())) == std::string::npos);
  CHECK(everything.find(kClientSecret) == std::string::npos);
  CHECK(everything.find(kIdentityHeader) == std::string::npos);
  CHECK(everything.find("FAKESASSIGNATURE") == std::string::npos);
  CHECK(everything.find("sig=") == std::string::npos);
  // But the evidence is there: request ids and the screenshot's blob.
  CHECK_THAT(everything, Catch::Contains("x-ms-request-id"));
  CHECK_THAT(everything, Catch::Contains("vm.screenshot.bmp"));
}

}  // namespace
}  // namespace rdptriage::testing
