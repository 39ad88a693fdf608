// The credential chain: service principal, managed identity (IMDS or an
// identity endpoint), the Azure CLI run without a shell; a source that is
// down is passed over with the reason named.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

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

ProbeResult power_state(AzureAdapter& adapter, std::chrono::milliseconds budget) {
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
  req.cancelled = &never;
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
  o.credentials.authority_host = "https://127.0.0.1:" + std::to_string(closed_port());
  o.credentials.use_managed_identity = true;
  o.credentials.imds_endpoint = fake.endpoint();
  auto azure = AzureAdapter::create(o);
  REQUIRE(azure.ok());
  ProbeResult r = power_state(**azure, std::chrono::seconds(10));
  REQUIRE(r.has_value());
  CHECK(fake.counter_value("imds_requests") == 1);
  CHECK(fake.counter_value("token_requests") == 0);
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
