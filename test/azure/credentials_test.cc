// The credential chain: service principal, managed identity (IMDS or an
// identity endpoint), the Azure CLI run without a shell; a source that is
// down is passed over with the reason named.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "fake_arm_fixture.h"

namespace rdptriage::testing {
namespace {

// A loopback port nothing listens on.
int closed_port() {
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

Context context() {
  return {
      {"subscription", subscription_of(0)}, {"resource_group", "myResourceGroup"}, {"vm", "myVm"}};
}

ProbeResult power_state(AzureAdapter& adapter, std::chrono::milliseconds budget,
                        std::uint64_t evaluation = 1, const std::atomic<bool>* cancel = nullptr) {
  static std::atomic<bool> never{false};
  Context c = context();
  // World 0 may use other names: read them from the facts.
  const auto& w = facts().at("worlds").as_array()[0].at("context");
  c["resource_group"] = std::string(w.at("resource_group").as_string());
  c["vm"] = std::string(w.at("vm").as_string());
  ProbeRequest req;
  req.probe_id = "azure.power_state";
  req.context = &c;
  req.deadline = std::chrono::steady_clock::now() + budget;
  req.cancelled = cancel != nullptr ? cancel : &never;
  req.evaluation_id = evaluation;
  return adapter.run(req);
}

// A stand-in for az: checks its arguments, records them, prints a token.
fs::path fake_az(const std::string& behaviour) {
  static int n = 0;
  fs::path script = scratch_dir() / ("az-" + std::to_string(++n));
  fs::path argv_log = scratch_dir() / ("az-argv-" + std::to_string(n));
  std::ofstream out(script);
  out << "#!/bin/sh\n"
      << "printf '%s\\n' \"$@\" > '" << argv_log.string() << "'\n";
  if (behaviour == "hang") {
    out << "exec sleep 30\n";
  } else if (behaviour == "not-logged-in") {
    out << "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n";
  } else {
    out << "[ \"$1 $2 $3\" = 'account get-access-token --resource' ] || exit 2\n"
        << "echo '{\"accessToken\": \"" << kCliToken
        << "\", \"expiresOn\": \"2099-12-31 23:59:59.000000\", \"expires_on\": 4102444799, "
           "\"subscription\": \"x\", \"tenant\": \"y\", \"tokenType\": \"Bearer\"}'\n";
  }
  out.close();
  fs::permissions(script, fs::perms::owner_all);
  return script;
}

TEST_CASE("a token endpoint that is down: the chain moves on to managed identity", "[azure]") {
  FakeArm fake;
  AzureOptions o = fake.options();
  const std::string down = "https://127.0.0.1:" + std::to_string(closed_port());
  o.credentials.authority_host = down;
  o.credentials.use_managed_identity = true;
  o.credentials.imds_endpoint = fake.endpoint();
  std::mutex m;
  std::vector<std::pair<LogLevel, std::string>> lines;
  o.log = [&](LogLevel level, std::string_view line) {
    std::lock_guard<std::mutex> lock(m);
    lines.emplace_back(level, std::string(line));
  };
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  ProbeResult r = power_state(**azure, std::chrono::seconds(10));
  REQUIRE(r.has_value());
  CHECK(fake.counter_value("imds_requests") == 1);
  CHECK(fake.counter_value("token_requests") == 0);
  // The chain said at once why it passed the service principal over ...
  bool logged = false;
  for (const auto& [level, line] : lines)
    if (line.find("credential environment (service principal) passed over: cannot reach " + down) !=
        std::string::npos)
      logged = level == LogLevel::kWarning;
  CHECK(logged);
  // ... and the evaluation's first answer carries it in its detail.
  CHECK_THAT(r.reason, Catch::Contains("credential: token from managed identity; passed over: "
                                       "environment (service principal): cannot reach " +
                                       down));
  CHECK_THAT(r.reason, !Catch::Contains(kClientSecret));
  // Only once per evaluation.
  ProbeResult again = power_state(**azure, std::chrono::seconds(10));
  CHECK_THAT(again.reason, !Catch::Contains("passed over"));
}

// A token source that takes its time (as IMDS or az can), for the cache.
class SlowSource : public AzureTokenSource {
 public:
  explicit SlowSource(std::chrono::milliseconds delay) : delay_(delay) {}
  StatusOr<AzureAccessToken> get_token(std::string_view, std::chrono::steady_clock::time_point,
                                       const std::atomic<bool>*) override {
    ++calls;
    std::this_thread::sleep_for(delay_);
    return AzureAccessToken{kCliToken, std::chrono::system_clock::now() + std::chrono::hours(1)};
  }
  std::string name() const override { return "slow"; }
  std::atomic<int> calls{0};

 private:
  std::chrono::milliseconds delay_;
};

TEST_CASE("probes waiting for another's token fetch keep their own deadline", "[azure]") {
  FakeArm fake;
  AzureOptions o = fake.options();
  auto slow = std::make_shared<SlowSource>(std::chrono::milliseconds(2500));
  o.token_source = slow;
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  auto first = std::async(std::launch::async,
                          [&] { return power_state(**azure, std::chrono::seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // A second probe (another evaluation, so it needs the token itself) with
  // a short deadline ends at it, not when the fetch ends.
  const auto start = std::chrono::steady_clock::now();
  ProbeResult waiting = power_state(**azure, std::chrono::milliseconds(500), 2);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK_FALSE(waiting.has_value());
  CHECK_THAT(waiting.reason, Catch::Contains("another probe"));
  CHECK(waited < 1.5);
  // Cancellation ends the wait at once too.
  std::atomic<bool> cancel{false};
  std::thread raise([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel = true;
  });
  const auto start2 = std::chrono::steady_clock::now();
  ProbeResult cancelled = power_state(**azure, std::chrono::seconds(30), 3, &cancel);
  raise.join();
  CHECK_FALSE(cancelled.has_value());
  CHECK(std::chrono::steady_clock::now() - start2 < std::chrono::milliseconds(1500));
  // The fetch itself completes, once, and serves the first probe.
  CHECK(first.get().has_value());
  CHECK(slow->calls == 1);
}

TEST_CASE("when every source fails, the probe is unavailable and each is named", "[azure]") {
  FakeArm fake;
  AzureOptions o = fake.options();
  const std::string down = "https://127.0.0.1:" + std::to_string(closed_port());
  o.credentials.authority_host = down;
  o.credentials.use_managed_identity = true;
  o.credentials.imds_endpoint = down;
  o.credentials.use_azure_cli = true;
  o.credentials.az_path = (scratch_dir() / "no-such-az").string();
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  ProbeResult r = power_state(**azure, std::chrono::seconds(10));
  CHECK(r.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(r.reason, Catch::Contains("no Azure credential worked"));
  CHECK_THAT(r.reason, Catch::Contains("environment (service principal): cannot reach " + down));
  CHECK_THAT(r.reason, Catch::Contains("managed identity: IMDS"));
  CHECK_THAT(r.reason, Catch::Contains("azure cli: cannot run"));
}

TEST_CASE("a wrong client secret is named by the authority's error, not echoed", "[azure]") {
  FakeArm fake;
  AzureOptions o = fake.options();
  o.credentials.client_secret = "wrong-secret-value-123456";
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  ProbeResult r = power_state(**azure, std::chrono::seconds(10));
  CHECK(r.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(r.reason, Catch::Contains("AADSTS7000215"));
  CHECK_THAT(r.reason, !Catch::Contains("wrong-secret-value-123456"));
}

TEST_CASE("Azure Arc's managed identity is named as not supported, not tried", "[azure]") {
  FakeArm fake;
  ::setenv("IDENTITY_ENDPOINT", (fake.endpoint() + "/metadata/identity/oauth2/token").c_str(), 1);
  ::setenv("IMDS_ENDPOINT", fake.endpoint().c_str(), 1);
  ::unsetenv("IDENTITY_HEADER");
  AzureCredentialOptions env = AzureCredentialOptions::from_environment();
  ::unsetenv("IDENTITY_ENDPOINT");
  ::unsetenv("IMDS_ENDPOINT");
  CHECK(env.azure_arc);
  AzureOptions o = fake.options();
  o.credentials.client_secret.clear();
  o.credentials.use_managed_identity = true;
  o.credentials.azure_arc = true;
  o.credentials.imds_endpoint = fake.endpoint();
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  ProbeResult r = power_state(**azure, std::chrono::seconds(10));
  CHECK(r.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(r.reason, Catch::Contains("Azure Arc"));
  CHECK(fake.counter_value("imds_requests") == 0);
}

TEST_CASE("managed identity through IDENTITY_ENDPOINT and its header", "[azure]") {
  FakeArm fake;
  AzureOptions o = fake.options();
  o.credentials.client_secret.clear();  // no service principal
  o.credentials.use_managed_identity = true;
  o.credentials.identity_endpoint = fake.endpoint() + "/msi/token";
  o.credentials.identity_header = kIdentityHeader;
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  CHECK(power_state(**azure, std::chrono::seconds(10)).has_value());
  CHECK(fake.counter_value("identity_endpoint_requests") == 1);

  o.credentials.identity_header = "a-different-header-value";
  auto wrong = AzureAdapter::create(o);
  REQUIRE(wrong.ok());
  ProbeResult r = power_state(**wrong, std::chrono::seconds(10));
  CHECK(r.kind == ProbeResult::Kind::kUnavailable);
  CHECK_THAT(r.reason, Catch::Contains("IDENTITY_ENDPOINT refused: HTTP 401"));
}

TEST_CASE("the Azure CLI runs without a shell and within its deadline", "[azure]") {
  FakeArm fake;
  AzureOptions o = fake.options();
  o.credentials.client_secret.clear();
  o.credentials.use_azure_cli = true;
  SECTION("a token from az") {
    o.credentials.az_path = fake_az("token").string();
    // Shell syntax in an argument stays one literal argument.
    o.token_resource =
        "https://management.azure.com/ $(touch " + (scratch_dir() / "pwned").string() + ")";
    auto azure = AzureAdapter::create(o);
    REQUIRE(azure.ok());
    CHECK(power_state(**azure, std::chrono::seconds(10)).has_value());
    CHECK_FALSE(fs::exists(scratch_dir() / "pwned"));
    std::ifstream args(scratch_dir() / "az-argv-1");
    std::string line;
    std::vector<std::string> argv;
    while (std::getline(args, line)) argv.push_back(line);
    REQUIRE(argv.size() == 6);
    CHECK(argv[3] == o.token_resource);
  }
  SECTION("az that is not logged in") {
    o.credentials.az_path = fake_az("not-logged-in").string();
    auto azure = AzureAdapter::create(o);
    REQUIRE(azure.ok());
    ProbeResult r = power_state(**azure, std::chrono::seconds(10));
    CHECK(r.kind == ProbeResult::Kind::kUnavailable);
    CHECK_THAT(r.reason, Catch::Contains("Please run 'az login'"));
  }
  SECTION("az that hangs is killed at its deadline") {
    o.credentials.az_path = fake_az("hang").string();
    o.credentials.azure_cli_timeout = std::chrono::milliseconds(500);
    auto azure = AzureAdapter::create(o);
    REQUIRE(azure.ok());
    const auto start = std::chrono::steady_clock::now();
    ProbeResult r = power_state(**azure, std::chrono::seconds(10));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
    CHECK(r.kind == ProbeResult::Kind::kUnavailable);
    CHECK_THAT(r.reason, Catch::Contains("did not finish before the deadline"));
  }
}

}  // namespace
}  // namespace rdptriage::testing
