// ARM misbehaving: each fault ends as a failed or unavailable probe with a
// clear reason, within the deadline; never a crash, hang or guess.
#include <atomic>
#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "fake_arm_fixture.h"

namespace rdptriage::testing {
namespace {

std::size_t world_index(const std::string& file) {
  for (std::size_t i = 0; i < world_files().size(); ++i)
    if (world_files()[i].filename() == file) return i;
  FAIL("no world " << file);
  return 0;
}

Context healthy_context() {
  return {{"subscription", subscription_of(world_index("healthy.json"))},
          {"resource_group", "myResourceGroup"},
          {"vm", "myVm"},
          {"client_ip", "203.0.113.10"},
          {"port", "3389"},
          {"username", "azureadmin"}};
}

struct Asked {
  ProbeResult result;
  double seconds = 0;
};

Asked ask(AzureAdapter& adapter, const std::string& probe, std::chrono::milliseconds budget,
          std::uint64_t evaluation = 1, const std::atomic<bool>* cancel = nullptr,
          Context context = healthy_context()) {
  static std::atomic<bool> never{false};
  ProbeRequest req;
  req.probe_id = probe;
  req.context = &context;
  req.deadline = std::chrono::steady_clock::now() + budget;
  req.evaluation_id = evaluation;
  req.cancelled = cancel != nullptr ? cancel : &never;
  const auto start = std::chrono::steady_clock::now();
  Asked a;
  a.result = adapter.run(req);
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return a;
}

std::shared_ptr<AzureAdapter> adapter_for(const FakeArm&, AzureOptions o) {
  auto a = AzureAdapter::create(std::move(o));
  REQUIRE(a.ok());
  return *a;
}

TEST_CASE("a healthy VM answers with the request id in the detail", "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  Asked power = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  REQUIRE(power.result.has_value());
  CHECK(std::get<std::string>(power.result.value) == "running");
  CHECK_THAT(power.result.reason, Catch::Contains("x-ms-request-id req-"));
  Asked ip = ask(*azure, "azure.public_ip_address", std::chrono::seconds(10));
  REQUIRE(ip.result.has_value());
  CHECK(std::get<std::string>(ip.result.value) == "52.160.10.20");
  // Named as the world names them (az vm create's defaults).
  CHECK(ip.result.fields.at("public_ip_name") == "myVmPublicIP");
  CHECK(ip.result.fields.at("nic") == "myVmVMNic");
  CHECK(ip.result.fields.at("ip_config") == "ipconfigmyVm");
  Asked hop = ask(*azure, "netwatch.next_hop", std::chrono::seconds(10));
  REQUIRE(hop.result.has_value());
  CHECK(hop.result.fields.at("next_hop_type") == "Internet");
  // Azure's own route: no route table a fix could edit.
  CHECK(hop.result.fields.count("route_table") == 0);
  CHECK_THAT(hop.result.reason, Catch::Contains("via System Route"));
  // One read of the VM served all three probes of the evaluation.
  CHECK(fake.counter_value("request_id") > 0);
  // The boot screenshot stays evidence: its URI without the SAS signature,
  // and how the serial log ends.
  Asked shot = ask(*azure, "bootdiag.screenshot", std::chrono::seconds(10));
  CHECK(shot.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(shot.result.reason, Catch::Contains("vm.screenshot.bmp"));
  CHECK_THAT(shot.result.reason, Catch::Contains("The CMD command is now available"));
  CHECK_THAT(shot.result.reason, !Catch::Contains("FAKESASSIGNATURE"));
}

TEST_CASE("one Run Command per evaluation, shared by concurrent guest probes", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "none", "run_command_delay": 0.5})");
  auto azure = adapter_for(fake, fake.options());
  const std::vector<std::string> probes = {"guest.termservice_state", "guest.c_free_mb",
                                           "guest.firewall_enabled", "guest.rdp_port",
                                           "guest.account_state"};
  std::vector<std::future<Asked>> running;
  for (const auto& p : probes)
    running.push_back(std::async(std::launch::async,
                                 [&, p] { return ask(*azure, p, std::chrono::seconds(20), 7); }));
  std::map<std::string, ProbeResult> got;
  for (std::size_t i = 0; i < probes.size(); ++i) got[probes[i]] = running[i].get().result;
  CHECK(fake.counter_value("run_command_posts") == 1);
  CHECK(std::get<std::string>(got["guest.termservice_state"].value) == "running");
  CHECK(std::get<double>(got["guest.c_free_mb"].value) == 40960);
  CHECK(std::get<bool>(got["guest.firewall_enabled"].value) == true);
  CHECK(std::get<double>(got["guest.rdp_port"].value) == 3389);
  CHECK(std::get<std::string>(got["guest.account_state"].value) == "ok");
  // Later probes of the same evaluation reuse it; a new evaluation runs it
  // again, and end_evaluation() drops the old output.
  CHECK(ask(*azure, "guest.rdp_deny_connections", std::chrono::seconds(10), 7).result.has_value());
  CHECK(fake.counter_value("run_command_posts") == 1);
  azure->end_evaluation(7);
  CHECK(ask(*azure, "guest.rdp_deny_connections", std::chrono::seconds(10), 8).result.has_value());
  CHECK(fake.counter_value("run_command_posts") == 2);
  // A probe the script does not read stays unavailable.
  CHECK(
      ask(*azure, "guest.security_software_blocks_rdp", std::chrono::seconds(10), 8).result.kind ==
      ProbeResult::Kind::kUnavailable);
}

TEST_CASE("Run Command is unavailable when the agent is not ready, so the serial console applies",
          "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  Context c = healthy_context();
  c["subscription"] = subscription_of(world_index("serial_console_fallback.json"));
  Asked a = ask(*azure, "guest.termservice_state", std::chrono::seconds(10), 1, nullptr, c);
  CHECK(a.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(a.result.reason, Catch::Contains("Not Ready"));
  CHECK(fake.counter_value("run_command_posts") == 0);
}

TEST_CASE("a 429 storm ends at the deadline with the throttling named", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "throttle", "retry_after": 1})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::milliseconds(3500));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("429"));
  CHECK_THAT(a.result.reason, Catch::Contains("throttled"));
  CHECK(a.seconds < 5.0);
  // Retry-After was honoured: about one attempt a second, not a flood.
  long attempts = fake.counter_value("throttled");
  CHECK(attempts >= 2);
  CHECK(attempts <= 5);
}

TEST_CASE("throttling that passes is retried after Retry-After", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "throttle_then_ok", "count": 2, "retry_after": 0.2})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  REQUIRE(a.result.has_value());
  CHECK(std::get<std::string>(a.result.value) == "running");
  CHECK(a.seconds >= 0.4);
}

TEST_CASE("a 503 is retried after its Retry-After", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "unavailable_then_ok", "count": 2, "retry_after": 0.2})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  REQUIRE(a.result.has_value());
  CHECK(std::get<std::string>(a.result.value) == "running");
  CHECK(fake.counter_value("unavailable") == 3);  // two 503s, then the answer
  CHECK(a.seconds >= 0.4);
}

TEST_CASE("429 without Retry-After backs off and gives up after max_attempts", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "throttle"})");  // no Retry-After header
  AzureOptions o = fake.options();
  o.max_attempts = 4;
  o.initial_backoff = std::chrono::milliseconds(50);
  o.max_backoff = std::chrono::milliseconds(400);
  auto azure = adapter_for(fake, o);
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("gave up after 4 attempts"));
  CHECK_THAT(a.result.reason, Catch::Contains("429"));
  CHECK(fake.counter_value("throttled") == 4);
  // Three jittered waits of at most 50, 100 and 200 ms.
  CHECK(a.seconds < 3.0);
}

TEST_CASE("a Run Command POST whose connection breaks is not sent again", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "reset_run_command"})");
  auto azure = adapter_for(fake, fake.options());
  // The VM is read first (a GET, over a connection the POST must not reuse).
  REQUIRE(ask(*azure, "azure.power_state", std::chrono::seconds(10)).result.has_value());
  Asked a = ask(*azure, "guest.termservice_state", std::chrono::seconds(10));
  CHECK_FALSE(a.result.has_value());
  CHECK_THAT(a.result.reason, Catch::Contains("not sent again"));
  CHECK(fake.counter_value("run_command_posts") == 1);
  // Later guest probes of the evaluation share that outcome: still one POST.
  CHECK_FALSE(ask(*azure, "guest.rdp_port", std::chrono::seconds(10)).result.has_value());
  CHECK(fake.counter_value("run_command_posts") == 1);
}

TEST_CASE("power states in transition", "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  std::uint64_t evaluation = 100;
  auto with_power = [&](const std::string& state) {
    fake.fault(R"({"mode": "none", "power_state": ")" + state + R"("})");
    ++evaluation;
    return std::make_pair(
        ask(*azure, "azure.power_state", std::chrono::seconds(10), evaluation),
        ask(*azure, "guest.termservice_state", std::chrono::seconds(10), evaluation));
  };
  auto [starting, guest_starting] = with_power("starting");
  CHECK(starting.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(starting.result.reason, Catch::Contains("PowerState/starting"));
  CHECK(guest_starting.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(guest_starting.result.reason, Catch::Contains("starting"));
  auto [stopping, guest_stopping] = with_power("stopping");
  REQUIRE(stopping.result.has_value());
  CHECK(std::get<std::string>(stopping.result.value) == "stopped");
  CHECK_THAT(stopping.result.reason, Catch::Contains("PowerState/stopping"));
  CHECK(guest_stopping.result.kind == ProbeResult::Kind::kUnavailable);
  auto [deallocating, guest_deallocating] = with_power("deallocating");
  REQUIRE(deallocating.result.has_value());
  CHECK(std::get<std::string>(deallocating.result.value) == "deallocated");
  CHECK(guest_deallocating.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK(fake.counter_value("run_command_posts") == 0);
}

TEST_CASE("a Location-only operation that never completes ends at the deadline", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "lro_never_location"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "netwatch.next_hop", std::chrono::milliseconds(2500));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("did not finish before the deadline"));
  CHECK_THAT(a.result.reason, Catch::Contains("in progress"));
  CHECK(a.seconds < 4.0);
  // Polled at its Retry-After (1 s), not in a tight loop.
  long polls = 0;
  const auto state = fake.state();
  for (const auto& p : state.at("paths").as_array())
    if (std::string(p.as_string()).find("/operations/") != std::string::npos) ++polls;
  CHECK(polls >= 1);
  CHECK(polls <= 4);
}

TEST_CASE("a token close to its expiry is refreshed before it is used", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "none", "token_expires_in": 5})");
  AzureOptions o = fake.options();
  o.token_refresh_margin = std::chrono::seconds(2);
  auto azure = adapter_for(fake, o);
  REQUIRE(ask(*azure, "azure.power_state", std::chrono::seconds(10), 1).result.has_value());
  CHECK(fake.counter_value("token_requests") == 1);
  // Still more than the margin away from expiry: the cached token is used.
  REQUIRE(ask(*azure, "azure.power_state", std::chrono::seconds(10), 2).result.has_value());
  CHECK(fake.counter_value("token_requests") == 1);
  // Within the margin: a new token is fetched before the request.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  REQUIRE(ask(*azure, "azure.power_state", std::chrono::seconds(10), 3).result.has_value());
  CHECK(fake.counter_value("token_requests") == 2);
}

TEST_CASE("token lifetimes that are not numbers, or absurd, are bounded", "[azure]") {
  FakeArm fake;
  for (const char* lifetime : {R"("1e300")", R"("nan")", R"("-inf")", "1e300", R"("-5")"}) {
    INFO("expires_in " << lifetime);
    fake.fault(std::string(R"({"mode": "none", "token_expires_in": )") + lifetime + "}");
    auto azure = adapter_for(fake, fake.options());
    CHECK(ask(*azure, "azure.power_state", std::chrono::seconds(10)).result.has_value());
    CHECK(fake.counter_value("token_requests") == 1);
  }
}

TEST_CASE("the Entra ID sign-in role is read from Azure RBAC", "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  const std::size_t index = world_index("auth.entra_login_role_missing.json");
  const auto& world = facts().at("worlds").as_array()[index];
  Context c = healthy_context();
  c["subscription"] = subscription_of(index);
  c["resource_group"] = std::string(world.at("context").at("resource_group").as_string());
  c["vm"] = std::string(world.at("context").at("vm").as_string());
  c["username"] = "jdoe";
  c["user_domain"] = "contoso.com";
  // Without the object id, a domain account may or may not be Entra ID's.
  Asked unknown = ask(*azure, "azure.entra_vm_login_role", std::chrono::seconds(10), 1, nullptr, c);
  CHECK(unknown.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(unknown.result.reason, Catch::Contains("user_object_id"));
  // With it: neither sign-in role at the VM or above.
  c["user_object_id"] = std::string(world.at("estate").at("entra_object_id").as_string());
  Asked none = ask(*azure, "azure.entra_vm_login_role", std::chrono::seconds(10), 2, nullptr, c);
  REQUIRE(none.result.has_value());
  CHECK(std::get<std::string>(none.result.value) == "none");
  CHECK_THAT(none.result.reason, Catch::Contains("x-ms-request-id"));
  // Another principal's id finds no assignment either; a malformed one is refused.
  c["user_object_id"] = "not-a-guid";
  CHECK(ask(*azure, "azure.entra_vm_login_role", std::chrono::seconds(10), 3, nullptr, c)
            .result.kind == ProbeResult::Kind::kFailed);
  // A local account, and any account on a VM without AADLoginForWindows,
  // is no Entra ID sign-in.
  c.erase("user_object_id");
  c.erase("user_domain");
  Asked local = ask(*azure, "azure.entra_vm_login_role", std::chrono::seconds(10), 4, nullptr, c);
  REQUIRE(local.result.has_value());
  CHECK(std::get<std::string>(local.result.value) == "not_entra");
  Asked healthy = ask(*azure, "azure.entra_vm_login_role", std::chrono::seconds(10), 5);
  REQUIRE(healthy.result.has_value());
  CHECK(std::get<std::string>(healthy.result.value) == "not_entra");
  CHECK_THAT(healthy.result.reason, Catch::Contains("AADLoginForWindows"));
}

Context world_context(const std::string& file) {
  const std::size_t index = world_index(file);
  const auto& world = facts().at("worlds").as_array()[index];
  Context c = healthy_context();
  c["subscription"] = subscription_of(index);
  c["resource_group"] = std::string(world.at("context").at("resource_group").as_string());
  c["vm"] = std::string(world.at("context").at("vm").as_string());
  c["client_ip"] = std::string(world.at("estate").at("client_ip").as_string());
  return c;
}

TEST_CASE("next hop: a user route's table and its resource group; HyperNetGateway", "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  Context c = world_context("network.appliance_drops.json");
  Asked hop = ask(*azure, "netwatch.next_hop", std::chrono::seconds(10), 1, nullptr, c);
  REQUIRE(hop.result.has_value());
  CHECK(std::get<std::string>(hop.result.value) == "VirtualAppliance");
  CHECK(hop.result.fields.at("route_table").size() > 0);
  CHECK(hop.result.fields.at("route_table_resource_group") == c.at("resource_group"));
  CHECK(hop.result.fields.at("next_hop_ip") == "10.0.100.4");
  // The request named the NIC (the fake refuses a next hop without it).
  // A gateway of the HyperNet kind is a gateway: not a failed probe.
  fake.fault(R"({"mode": "none", "next_hop_type": "HyperNetGateway"})");
  Asked hyper = ask(*azure, "netwatch.next_hop", std::chrono::seconds(10), 2);
  REQUIRE(hyper.result.has_value());
  CHECK(std::get<std::string>(hyper.result.value) == "VirtualNetworkGateway");
  CHECK(hyper.result.fields.at("next_hop_type") == "HyperNetGateway");
}

TEST_CASE("a JIT policy covers RDP only through a port entry for the RDP port", "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  Context c = world_context("network.jit_closed.json");
  Asked covered = ask(*azure, "azure.jit_enabled", std::chrono::seconds(10), 1, nullptr, c);
  REQUIRE(covered.result.has_value());
  CHECK(std::get<bool>(covered.result.value));
  fake.fault(R"({"mode": "none", "jit_port": 22})");
  Asked ssh_only = ask(*azure, "azure.jit_enabled", std::chrono::seconds(10), 2, nullptr, c);
  REQUIRE(ssh_only.result.has_value());
  CHECK_FALSE(std::get<bool>(ssh_only.result.value));
  CHECK_THAT(ssh_only.result.reason, Catch::Contains("port 3389"));
}

TEST_CASE("a serial log URI that is not https is not read", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "serial_http"})");
  auto azure = adapter_for(fake, fake.options());
  Asked shot = ask(*azure, "bootdiag.screenshot", std::chrono::seconds(10));
  CHECK(shot.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(shot.result.reason, Catch::Contains("not https"));
  CHECK_THAT(shot.result.reason, !Catch::Contains("FAKESASSIGNATURE"));
  const auto state = fake.state();
  for (const auto& p : state.at("paths").as_array())
    CHECK(std::string(p.as_string()).find("serialconsole") == std::string::npos);
}

TEST_CASE("a long-running operation that never completes ends at the deadline", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "lro_never"})");
  auto azure = adapter_for(fake, fake.options());
  std::vector<std::string> waits;
  std::mutex m;
  AzureOptions o = fake.options();
  o.log = [&](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(m);
    waits.emplace_back(line);
  };
  azure = adapter_for(fake, o);
  Asked a = ask(*azure, "netwatch.ip_flow_inbound", std::chrono::milliseconds(3000));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("did not finish before the deadline"));
  CHECK_THAT(a.result.reason, Catch::Contains("InProgress"));
  CHECK(a.seconds < 4.5);
  bool reported = false;
  for (const auto& w : waits) reported |= w.find("waiting for IP flow verify") != std::string::npos;
  CHECK(reported);
}

TEST_CASE("a 401 refreshes the token once and succeeds", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "unauthorized_once"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  REQUIRE(a.result.has_value());
  CHECK(fake.counter_value("token_requests") == 2);
  // The fresh token is cached: more probes fetch no more tokens.
  ask(*azure, "azure.computer_name", std::chrono::seconds(10), 2);
  CHECK(fake.counter_value("token_requests") == 2);
}

TEST_CASE("a 403 names the missing permission", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "forbidden"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(a.result.reason, Catch::Contains("Microsoft.Compute/virtualMachines/read"));
  CHECK_THAT(a.result.reason, Catch::Contains("403"));
  CHECK_THAT(a.result.reason, Catch::Contains("x-ms-request-id"));
}

TEST_CASE("a 404 says the VM does not exist", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "not_found"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason,
             Catch::Contains("no VM named myVm in resource group myResourceGroup"));
  Asked model = ask(*azure, "azure.deployment_model", std::chrono::seconds(10));
  CHECK(model.result.kind == ProbeResult::Kind::kFailed);
}

TEST_CASE("a body that is not JSON fails the probe", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "malformed"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("not JSON"));
}

TEST_CASE("a 10 MB body passes the size limit and is cut off", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "huge"})");
  AzureOptions o = fake.options();
  o.max_response_bytes = 1u << 20;
  auto azure = adapter_for(fake, o);
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("limit of 1048576 bytes"));
}

TEST_CASE("a drip-fed body ends at the deadline", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "drip"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.power_state", std::chrono::milliseconds(1500));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("deadline"));
  CHECK(a.seconds < 3.5);
}

TEST_CASE("a reset connection is retried, then named", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "reset"})");
  AzureOptions o = fake.options();
  o.max_attempts = 3;
  auto azure = adapter_for(fake, o);
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("gave up after 3 attempts"));
}

TEST_CASE("a nextLink to another host is not followed with the token", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "foreign_next_link"})");
  auto azure = adapter_for(fake, fake.options());
  Asked a = ask(*azure, "azure.jit_enabled", std::chrono::seconds(10));
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("not the ARM endpoint"));
  const auto state = fake.state();
  for (const auto& p : state.at("paths").as_array())
    CHECK(std::string(p.as_string()).find("page=2") == std::string::npos);
}

TEST_CASE("cancellation ends waits at once", "[azure]") {
  FakeArm fake;
  fake.fault(R"({"mode": "lro_never"})");
  auto azure = adapter_for(fake, fake.options());
  SECTION("the request's flag") {
    std::atomic<bool> cancel{false};
    std::thread raise([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      cancel = true;
    });
    Asked a = ask(*azure, "netwatch.ip_flow_inbound", std::chrono::seconds(30), 1, &cancel);
    raise.join();
    CHECK(a.result.kind == ProbeResult::Kind::kFailed);
    CHECK_THAT(a.result.reason, Catch::Contains("cancelled"));
    CHECK(a.seconds < 3);
  }
  SECTION("the adapter's cancel()") {
    std::thread raise([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      azure->cancel();
    });
    Asked a = ask(*azure, "netwatch.ip_flow_inbound", std::chrono::seconds(30));
    raise.join();
    CHECK(a.result.kind == ProbeResult::Kind::kFailed);
    CHECK(a.seconds < 3);
    CHECK(ask(*azure, "azure.power_state", std::chrono::seconds(30), 2).result.reason ==
          "cancelled");
  }
}

TEST_CASE("the context must name the VM, in names Azure accepts", "[azure]") {
  FakeArm fake;
  auto azure = adapter_for(fake, fake.options());
  Context c = healthy_context();
  c.erase("vm");
  CHECK(ask(*azure, "azure.power_state", std::chrono::seconds(5), 1, nullptr, c).result.kind ==
        ProbeResult::Kind::kUnavailable);
  c = healthy_context();
  c["resource_group"] = "bad/../rg";
  Asked a = ask(*azure, "azure.power_state", std::chrono::seconds(5), 1, nullptr, c);
  CHECK(a.result.kind == ProbeResult::Kind::kFailed);
  CHECK_THAT(a.result.reason, Catch::Contains("resource group"));
  CHECK(ask(*azure, "client.tcp_connect", std::chrono::seconds(5)).result.kind ==
        ProbeResult::Kind::kUnavailable);
}

TEST_CASE("options are checked before anything is sent", "[azure]") {
  AzureOptions o;
  o.arm_endpoint = "http://management.azure.com";
  CHECK(AzureAdapter::create(o).status().code() == ErrorCode::kInvalidArgument);
  o = AzureOptions();
  o.credentials.authority_host = "http://login.example";
  CHECK(AzureAdapter::create(o).status().code() == ErrorCode::kInvalidArgument);
  o = AzureOptions();
  o.max_response_bytes = 10;
  CHECK(AzureAdapter::create(o).status().code() == ErrorCode::kInvalidArgument);
  o = AzureOptions();
  o.run_command_script = "/nonexistent/guest_facts.ps1";
  auto missing = AzureAdapter::create(o);
  CHECK(missing.status().code() == ErrorCode::kIoError);
  CHECK_THAT(missing.status().message(), Catch::Contains("/nonexistent/guest_facts.ps1"));
}

}  // namespace
}  // namespace rdptriage::testing
