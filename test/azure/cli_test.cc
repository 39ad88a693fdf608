// rdptriage diagnose --azure, as a person runs it, against the fake ARM:
// endpoint and CA from the environment, the live client probes against a
// loopback address, Ctrl-C ending it with the partial report.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "fake_arm_fixture.h"

namespace rdptriage::testing {
namespace {

struct CliRun {
  int exit_code = -1;
  std::string out, err;
  double seconds = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int closed_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The CLI's whole environment: the fake's endpoint and CA, a service
// principal it accepts.
std::vector<std::string> cli_environment(const FakeArm& fake) {
  return {"PATH=/usr/bin:/bin", "RDPTRIAGE_ARM_ENDPOINT=" + fake.endpoint(),
          "AZURE_AUTHORITY_HOST=" + fake.endpoint(), "RDPTRIAGE_CA_FILE=" + pki().ca.string(),
          "AZURE_TENANT_ID=72f988bf-86f1-41af-91ab-2d7cd011db47",
          "AZURE_CLIENT_ID=00000000-1111-2222-3333-444444444444",
          std::string("AZURE_CLIENT_SECRET=") + kClientSecret,
          // Should the chain ever reach managed identity, it stays on loopback.
          "AZURE_POD_IDENTITY_AUTHORITY_HOST=https://127.0.0.1:" +
              std::to_string(closed_loopback_port())};
}

// Runs the CLI with `env` as its whole environment; sends SIGINT after
// `interrupt_after` when given.
CliRun run_cli(const FakeArm& fake, std::vector<std::string> args,
               std::chrono::milliseconds interrupt_after = std::chrono::milliseconds(0)) {
  static int n = 0;
  const fs::path out = scratch_dir() / ("cli-out-" + std::to_string(++n));
  const fs::path err = scratch_dir() / ("cli-err-" + std::to_string(n));
  std::vector<std::string> env = cli_environment(fake);
  args.insert(args.begin(), RDPTRIAGE_CLI);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(posix_spawn(&pid, RDPTRIAGE_CLI, &actions, nullptr, argv.data(), envp.data()) == 0);
  posix_spawn_file_actions_destroy(&actions);
  bool signalled = false;
  int status = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (interrupt_after.count() > 0 && !signalled && elapsed >= interrupt_after) {
      ::kill(pid, SIGINT);
      signalled = true;
    }
    if (elapsed > std::chrono::seconds(120)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL("the CLI did not finish");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CliRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::size_t world_index(const std::string& file) {
  for (std::size_t i = 0; i < world_files().size(); ++i)
    if (world_files()[i].filename() == file) return i;
  return 0;
}

TEST_CASE("diagnose --azure names the NSG rule that denies RDP", "[azure][cli]") {
  FakeArm fake;
  CliRun r = run_cli(
      fake, {"diagnose", "--azure", "--subscription",
             subscription_of(world_index("seed003.nsg_deny_shadows_allow.json")),
             "--resource-group", "prod-rg", "--vm", "prod-web01", "--client-ip", "203.0.113.10",
             "--no-client-probes", "--symptom", "timeout", "--probe-timeout", "20", "--json"});
  INFO("stderr: " << r.err);
  INFO("stdout: " << r.out.substr(0, 4000));
  REQUIRE((r.exit_code == 0 || r.exit_code == 3));
  auto report = boost::json::parse(r.out);
  // Nothing from the client's side here, so earlier causes stay open; the
  // NSG cause is confirmed among the candidates.
  bool confirmed =
      report.at("cause").is_string() && report.at("cause").as_string() == "network.nsg_denies_rdp";
  for (const auto& c : report.at("candidates").as_array())
    if (c.at("cause").as_string() == "network.nsg_denies_rdp")
      confirmed = c.at("confirmed").as_bool();
  CHECK(confirmed);
  bool saw_flow = false;
  for (const auto& e : report.at("evidence").as_array()) {
    const std::string probe(e.at("probe").as_string());
    const std::string adapter(e.at("adapter").as_string());
    if (probe == "netwatch.ip_flow_inbound" && adapter == "azure") {
      saw_flow = true;
      CHECK(e.at("result").as_string() == "deny");
      CHECK(e.at("fields").at("rule").as_string() == "Deny-Internet-Inbound");
      CHECK(e.at("fields").at("nsg").as_string() == "prod-web01NSG");
      CHECK(e.at("fields").at("nsg_scope").as_string() == "nic");
    }
  }
  CHECK(saw_flow);
  CHECK(r.out.find(kClientSecret) == std::string::npos);
  CHECK(r.err.find(kClientSecret) == std::string::npos);
}

TEST_CASE("diagnose --azure checks its options", "[azure][cli]") {
  FakeArm fake;
  CliRun missing = run_cli(fake, {"diagnose", "--azure", "--subscription", subscription_of(0)});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("--resource-group"));
  CliRun bad = run_cli(fake, {"diagnose", "--azure", "--subscription", "not-a-guid",
                              "--resource-group", "rg", "--vm", "vm"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("subscription"));
  CliRun alone = run_cli(fake, {"diagnose", "--vm", "vm1", "--symptom", "timeout"});
  CHECK(alone.exit_code == 2);
  CHECK_THAT(alone.err, Catch::Contains("go with --azure"));
}

TEST_CASE("diagnose --azure probes the client's side too, on the address given", "[azure][cli]") {
  FakeArm fake;
  const int port = closed_loopback_port();
  const std::string dial = "127.0.0.1:" + std::to_string(port);
  CliRun r = run_cli(
      fake, {"diagnose", "--azure", "--subscription", subscription_of(world_index("healthy.json")),
             "--resource-group", "myResourceGroup", "--vm", "myVm", "--dial", dial, "--symptom",
             "refused", "--probe-timeout", "20", "--json"});
  INFO("stderr: " << r.err);
  INFO("stdout: " << r.out.substr(0, 3000));
  REQUIRE((r.exit_code == 0 || r.exit_code == 3));
  auto report = boost::json::parse(r.out);
  // The live probes answered the client's side, for the address given.
  bool live = false;
  for (const auto& e : report.at("evidence").as_array())
    if (e.at("probe").as_string() == "client.dial_port" && e.at("adapter").as_string() == "live")
      live = e.at("result").to_number<double>() == port;
  CHECK(live);
}

TEST_CASE("Ctrl-C ends diagnose --azure with the partial report", "[azure][cli]") {
  FakeArm fake;
  fake.fault(R"({"mode": "lro_never"})");
  const std::string dial = "127.0.0.1:" + std::to_string(closed_loopback_port());
  CliRun r = run_cli(
      fake,
      {"diagnose", "--azure", "--subscription", subscription_of(world_index("healthy.json")),
       "--resource-group", "myResourceGroup", "--vm", "myVm", "--client-ip", "203.0.113.10",
       "--dial", dial, "--symptom", "timeout", "--probe-timeout", "60", "--json"},
      std::chrono::milliseconds(2500));
  INFO("stderr: " << r.err);
  CHECK_THAT(r.err, Catch::Contains("interrupted"));
  CHECK(r.seconds < 15);
  REQUIRE((r.exit_code == 0 || r.exit_code == 3));
  auto report = boost::json::parse(r.out);
  CHECK(report.at("evidence").as_array().size() > 0);
  CHECK_THAT(r.out, Catch::Contains("cancelled"));
}

}  // namespace
}  // namespace rdptriage::testing

namespace rdptriage::testing {
namespace {

TEST_CASE("Ctrl-C while the public IP is read ends diagnose --azure with a report",
          "[azure][cli]") {
  FakeArm fake;
  // The VM read drips a byte every 250 ms: the pre-read of the public IP
  // (no --dial) would take seconds; Ctrl-C comes while it waits.
  fake.fault(R"({"mode": "drip"})");
  CliRun r = run_cli(
      fake,
      {"diagnose", "--azure", "--subscription", subscription_of(world_index("healthy.json")),
       "--resource-group", "myResourceGroup", "--vm", "myVm", "--client-ip", "203.0.113.10",
       "--symptom", "timeout", "--probe-timeout", "60", "--json"},
      std::chrono::milliseconds(1500));
  INFO("stderr: " << r.err);
  CHECK_THAT(r.err, Catch::Contains("interrupted"));
  CHECK(r.seconds < 6);
  REQUIRE((r.exit_code == 0 || r.exit_code == 3));
  auto report = boost::json::parse(r.out);
  CHECK(report.at("evidence").is_array());
  CHECK(r.out.find(kClientSecret) == std::string::npos);
}

TEST_CASE("diagnose --azure with --client-error: the text sets the symptom", "[azure][cli]") {
  FakeArm fake;
  CliRun r =
      run_cli(fake, {"diagnose", "--azure", "--subscription",
                     subscription_of(world_index("seed003.nsg_deny_shadows_allow.json")),
                     "--resource-group", "prod-rg", "--vm", "prod-web01", "--client-ip",
                     "203.0.113.10", "--no-client-probes", "--client-error",
                     "The connection attempt timed out.", "--probe-timeout", "20", "--json"});
  INFO("stderr: " << r.err);
  INFO("stdout: " << r.out.substr(0, 3000));
  REQUIRE((r.exit_code == 0 || r.exit_code == 3));
  auto report = boost::json::parse(r.out);
  CHECK(report.at("symptom").as_string() == "timeout");
  bool confirmed =
      report.at("cause").is_string() && report.at("cause").as_string() == "network.nsg_denies_rdp";
  bool azure_flow = false;
  for (const auto& c : report.at("candidates").as_array())
    if (c.at("cause").as_string() == "network.nsg_denies_rdp")
      confirmed = c.at("confirmed").as_bool();
  for (const auto& e : report.at("evidence").as_array())
    azure_flow |= e.at("probe").as_string() == "netwatch.ip_flow_inbound" &&
                  e.at("adapter").as_string() == "azure";
  CHECK(confirmed);
  CHECK(azure_flow);
}

TEST_CASE("diagnose --azure shows progress on a terminal", "[azure][cli]") {
  FakeArm fake;
  // script(1) gives the CLI a pseudo-terminal; its transcript is the output.
  const fs::path transcript = scratch_dir() / "pty-transcript";
  std::string command = std::string(RDPTRIAGE_CLI) + " diagnose --azure --subscription " +
                        subscription_of(world_index("healthy.json")) +
                        " --resource-group myResourceGroup --vm myVm --client-ip 203.0.113.10"
                        " --no-client-probes --symptom timeout --probe-timeout 20 --json"
                        " >/dev/null";
  std::vector<std::string> argv = {"/usr/bin/env", "-i"};
  for (const auto& e : cli_environment(fake)) argv.push_back(e);
  for (const char* a : {"script", "-q", "-e", "-c"}) argv.push_back(a);
  argv.push_back(command);
  argv.push_back(transcript.string());
  auto p = internal::azure::run_process(
      argv, std::chrono::steady_clock::now() + std::chrono::seconds(90), nullptr, 1u << 20);
  INFO("script: " << p.error << " " << p.err.substr(0, 2000));
  REQUIRE(p.outcome == internal::azure::ProcessResult::Outcome::kExited);
  const std::string shown = slurp(transcript);
  INFO("terminal: " << shown.substr(0, 4000));
  // "[   0.3s] azure.power_state ..." then "azure.power_state = running (0.1s)".
  CHECK(std::regex_search(shown, std::regex(R"(\[ *[0-9]+\.[0-9]s\] azure\.power_state \.\.\.)")));
  CHECK(std::regex_search(shown, std::regex(R"(azure\.power_state = running \([0-9.]+s\))")));
  // Each long-running wait is named (IP flow verify, Run Command, ...).
  CHECK_THAT(shown, Catch::Contains("waiting for"));
  CHECK(shown.find(kClientSecret) == std::string::npos);
}

}  // namespace
}  // namespace rdptriage::testing
