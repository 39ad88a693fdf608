// Test support: a CA and server certificate made with the openssl CLI, the
// facts of every bundled world (rdptriage_world_facts), and the fake ARM
// server (fake_arm.py) started on 127.0.0.1 with them.
#ifndef RDPTRIAGE_TEST_AZURE_FAKE_ARM_FIXTURE_H_
#define RDPTRIAGE_TEST_AZURE_FAKE_ARM_FIXTURE_H_

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "azure/http.h"
#include "azure/process.h"
#include "rdptriage/azure.h"

extern char** environ;

namespace rdptriage::testing {

namespace fs = std::filesystem;

inline const fs::path& source_dir() {
  static const fs::path dir = RDPTRIAGE_TEST_SOURCE_DIR;
  return dir;
}

// A directory of this test process, removed at exit.
inline const fs::path& scratch_dir() {
  static const struct Dir {
    fs::path path;
    Dir() {
      std::random_device rd;
      path = fs::temp_directory_path() /
             ("rdptriage-azure-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
      fs::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}

inline std::string run_or_fail(const std::vector<std::string>& argv) {
  auto r = internal::azure::run_process(
      argv, std::chrono::steady_clock::now() + std::chrono::seconds(60), nullptr, 64u << 20);
  if (r.outcome != internal::azure::ProcessResult::Outcome::kExited || r.exit_code != 0)
    FAIL(argv[0] << " failed: " << r.error << " " << r.err.substr(0, 2000));
  return r.out;
}

struct Pki {
  fs::path ca, cert, key;
};

// A CA and a certificate for 127.0.0.1 signed by it (EC P-256, two days).
inline const Pki& pki() {
  static const Pki made = [] {
    Pki p;
    fs::path d = scratch_dir();
    p.ca = d / "ca.pem";
    p.cert = d / "server.pem";
    p.key = d / "server.key";
    const std::string ec = "ec_paramgen_curve:prime256v1";
    run_or_fail({"openssl", "req",
                 "-x509",   "-newkey",
                 "ec",      "-pkeyopt",
                 ec,        "-nodes",
                 "-keyout", (d / "ca.key").string(),
                 "-out",    p.ca.string(),
                 "-days",   "2",
                 "-subj",   "/CN=rdptriage test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
    run_or_fail({"openssl", "req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout",
                 p.key.string(), "-out", (d / "server.csr").string(), "-subj", "/CN=127.0.0.1"});
    std::ofstream(d / "ext.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                    "basicConstraints=CA:FALSE\n"
                                    "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n";
    run_or_fail({"openssl", "x509", "-req", "-in", (d / "server.csr").string(), "-CA",
                 p.ca.string(), "-CAkey", (d / "ca.key").string(), "-CAcreateserial", "-out",
                 p.cert.string(), "-days", "2", "-extfile", (d / "ext.cnf").string()});
    return p;
  }();
  return made;
}

// Every bundled world, in file-name order; world N is subscription
// 00000000-0000-0000-0000-00000000000N at the fake.
inline const std::vector<fs::path>& world_files() {
  static const std::vector<fs::path> files = [] {
    std::vector<fs::path> f;
    for (const auto& e : fs::directory_iterator(source_dir() / "examples" / "worlds"))
      if (e.path().extension() == ".json") f.push_back(e.path());
    std::sort(f.begin(), f.end());
    return f;
  }();
  return files;
}

inline std::string subscription_of(std::size_t index) {
  std::string n = std::to_string(index);
  return "00000000-0000-0000-0000-" + std::string(12 - n.size(), '0') + n;
}

inline const fs::path& facts_file() {
  static const fs::path path = [] {
    std::vector<std::string> argv = {RDPTRIAGE_WORLD_FACTS};
    for (const auto& f : world_files()) argv.push_back(f.string());
    fs::path out = scratch_dir() / "facts.json";
    std::ofstream(out) << run_or_fail(argv);
    return out;
  }();
  return path;
}

inline const boost::json::value& facts() {
  static const boost::json::value v = [] {
    std::ifstream in(facts_file());
    std::stringstream s;
    s << in.rdbuf();
    return boost::json::parse(s.str());
  }();
  return v;
}

inline const char* kClientSecret = "s3cret-Client-Value~0123456789";
inline const char* kIdentityHeader = "identity-header-0123456789abcdef";
// What the fake az prints; the fake ARM accepts it.
inline const char* kCliToken = "cli.token.0123456789abcdefABCDEF";

// The fake ARM + token server, for the lifetime of the object.
class FakeArm {
 public:
  FakeArm() {
    const Pki& p = pki();
    port_file_ = scratch_dir() / ("port-" + std::to_string(++counter()));
    std::vector<std::string> args = {
        "python3",
        (source_dir() / "test" / "azure" / "fake_arm.py").string(),
        "--facts",
        facts_file().string(),
        "--script",
        (source_dir() / "rules" / "run_command" / "guest_facts.ps1").string(),
        "--cert",
        p.cert.string(),
        "--key",
        p.key.string(),
        "--port-file",
        port_file_.string(),
        "--client-secret",
        kClientSecret,
        "--identity-header",
        kIdentityHeader,
        "--accept-token",
        kCliToken,
        "--max-seconds",
        "300"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "python3", nullptr, nullptr, argv.data(), environ) != 0)
      FAIL("cannot start python3");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      std::ifstream in(port_file_);
      if (in >> port_ && port_ > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (port_ <= 0) FAIL("the fake ARM server did not start");
    http_ = std::make_unique<internal::azure::HttpClient>(
        internal::azure::HttpOptions{p.ca.string(), 16u << 20, std::chrono::seconds(5)});
  }
  ~FakeArm() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  FakeArm(const FakeArm&) = delete;
  FakeArm& operator=(const FakeArm&) = delete;

  std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  boost::json::value call(const std::string& method, const std::string& path,
                          const std::string& body = "") const {
    internal::azure::HttpRequest req;
    req.method = method;
    req.url = endpoint() + path;
    req.body = body;
    req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto r = http_->send(req);
    INFO("fake control call: " << r.error);
    REQUIRE(r.transported());
    return r.body.empty() ? boost::json::value() : boost::json::parse(r.body);
  }
  void fault(const std::string& json) const { call("POST", "/_fake/fault", json); }
  boost::json::value state() const { return call("GET", "/_fake/state"); }
  long counter_value(const std::string& name) const {
    auto s = state();
    auto& c = s.at("counters").as_object();
    auto it = c.find(name);
    return it == c.end() ? 0 : it->value().as_int64();
  }

  // Options for an adapter talking to this fake with a service principal;
  // waits shortened so the tests stay fast.
  AzureOptions options() const {
    AzureOptions o;
    o.arm_endpoint = endpoint();
    o.ca_file = pki().ca.string();
    o.credentials.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    o.credentials.client_id = "00000000-1111-2222-3333-444444444444";
    o.credentials.client_secret = kClientSecret;
    o.credentials.authority_host = endpoint();
    o.credentials.use_managed_identity = false;
    o.credentials.use_azure_cli = false;
    o.lro_poll_interval = std::chrono::milliseconds(10);
    o.min_lro_poll_interval = std::chrono::milliseconds(0);
    o.initial_backoff = std::chrono::milliseconds(10);
    o.max_backoff = std::chrono::milliseconds(200);
    o.run_command_script = source_dir() / "rules" / "run_command" / "guest_facts.ps1";
    return o;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  pid_t pid_ = -1;
  int port_ = 0;
  fs::path port_file_;
  std::unique_ptr<internal::azure::HttpClient> http_;
};

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_AZURE_FAKE_ARM_FIXTURE_H_
