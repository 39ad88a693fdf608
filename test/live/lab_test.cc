// The live-probe lab: real xrdp servers and nftables rules inside the network
// namespace lab.sh created. Nothing leaves loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "rdptriage/live_probes.h"

namespace rdptriage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path& lab_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("rdptriage-lab-" + std::to_string(getpid()));
    fs::create_directories(d);
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=rdptriage-lab -keyout " +
        (d / "key.pem").string() + " -out " + (d / "cert.pem").string() + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) FAIL("cannot create the lab certificate");
    return d;
  }();
  return dir;
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// One xrdp child per case, killed when the case ends.
class Xrdp {
 public:
  Xrdp(int port, const std::string& globals) : port_(port) {
    fs::path ini = lab_dir() / ("xrdp-" + std::to_string(port) + ".ini");
    std::ofstream(ini)
        << "[Globals]\nini_version=1\nfork=false\nport=tcp://127.0.0.1:" << port << "\n"
        << globals << "\n[Logging]\nLogFile=" << (lab_dir() / "xrdp.log").string()
        << "\nLogLevel=WARNING\nEnableSyslog=false\n"
           "[Xorg]\nname=Xorg\nlib=libxup.so\nusername=ask\npassword=ask\nip=127.0.0.1\nport=-1\n";
    pid_ = fork();
    if (pid_ == 0) {
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execl("/usr/sbin/xrdp", "xrdp", "--nodaemon", "--config", ini.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && !port_open(port); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(port_open(port));
  }
  ~Xrdp() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

std::string tls_globals(const std::string& security_layer, const std::string& extra = "") {
  return "security_layer=" + security_layer +
         "\ncrypt_level=high\ncertificate=" + (lab_dir() / "cert.pem").string() +
         "\nkey_file=" + (lab_dir() / "key.pem").string() + "\n" + extra;
}

LiveObservations look_at(const std::string& host, int port, double seconds) {
  LiveProbeOptions o;
  o.timeout = std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  LiveProbeAdapter a(host, port, o);
  return a.collect();
}

LiveObservations look(int port, double seconds = 2) { return look_at("127.0.0.1", port, seconds); }

LiveObservations look_host(const std::string& host, double seconds) {
  return look_at(host, 3389, seconds);
}

struct CliRun {
  int exit_code = -1;
  boost::json::value report;
};

CliRun cli_probe(const std::string& target, double timeout) {
  const char* cli = std::getenv("RDPTRIAGE_CLI");
  REQUIRE(cli != nullptr);
  std::string cmd = std::string(cli) + " probe " + target + " --json --timeout " +
                    std::to_string(timeout) +
                    " --context resource_group=lab-rg --context vm=lab-vm 2>/dev/null";
  CliRun r;
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  boost::system::error_code ec;
  r.report = boost::json::parse(out, ec);
  INFO(out);
  REQUIRE_FALSE(ec);
  return r;
}

void nft(const std::string& rule) { REQUIRE(std::system(("nft " + rule).c_str()) == 0); }

TEST_CASE("negotiate: the server selects TLS and shows its certificate") {
  Xrdp server(14001, tls_globals("negotiate"));
  LiveObservations s = look(14001);
  CHECK(s.tcp == "open");
  CHECK(s.negotiation == "response");
  CHECK(s.selected_protocol == "ssl");
  CHECK(s.nla == "not_required");
  CHECK(s.tls == "ok");
  CHECK_THAT(s.certificate_subject, Catch::Contains("rdptriage-lab"));
  CHECK(s.certificate_self_signed);
  CHECK(s.certificate_state == "valid");
  CHECK(s.certificate_key_type == "RSA");
  CHECK(s.certificate_key_bits == 2048);
  CHECK(std::find(s.tls_versions.begin(), s.tls_versions.end(), "1.2") != s.tls_versions.end());
}

TEST_CASE("tls: the server selects TLS") {
  Xrdp server(14002, tls_globals("tls"));
  LiveObservations s = look(14002);
  CHECK(s.negotiation == "response");
  CHECK(s.selected_protocol == "ssl");
  CHECK(s.tls == "ok");
}

TEST_CASE("rdp only: standard RDP security is selected even when TLS is asked for") {
  Xrdp server(14003, tls_globals("rdp"));
  LiveObservations s = look(14003);
  INFO(s.negotiation << " " << s.selected_protocol << " " << s.negotiation_failure);
  CHECK(s.negotiation == "response");
  CHECK(s.selected_protocol == "rdp");
  CHECK(s.tls == "not_attempted");
}

TEST_CASE("tls without its certificate answers SSL_CERT_NOT_ON_SERVER and is diagnosed") {
  Xrdp server(
      14004,
      "security_layer=tls\ncertificate=/nonexistent/cert.pem\nkey_file=/nonexistent/key.pem\n");
  LiveObservations s = look(14004);
  CHECK(s.negotiation == "failure");
  CHECK(s.negotiation_failure == "ssl_cert_not_on_server");
  CliRun r = cli_probe("127.0.0.1:14004", 2);
  CHECK(r.exit_code == 0);
  CHECK(r.report.at("status") == "confirmed");
  CHECK(r.report.at("cause") == "service.listener_certificate");
}

TEST_CASE("a listener restricted to one TLS version accepts only it") {
  Xrdp tls12(14005, tls_globals("tls", "ssl_protocols=TLSv1.2\n"));
  CHECK(look(14005).tls_versions == std::vector<std::string>{"1.2"});
  Xrdp tls13(14006, tls_globals("tls", "ssl_protocols=TLSv1.3\n"));
  LiveObservations s = look(14006);
  CHECK(s.tls_versions == std::vector<std::string>{"1.3"});
  CHECK(s.tls_version == "1.3");
}

TEST_CASE("an NSG-style silent drop times out in about one timeout and points at IP flow verify") {
  Xrdp server(14010, tls_globals("negotiate"));
  nft("add table inet rdpt_lab");
  nft("'add chain inet rdpt_lab input { type filter hook input priority 0; }'");
  nft("add rule inet rdpt_lab input tcp dport 14010 drop");
  const double timeout = 1.5;
  auto start = Clock::now();
  LiveObservations s = look(14010, timeout);
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(s.tcp == "timeout");
  WARN("silent drop: wall " << wall << " s for a " << timeout << " s timeout");
  CHECK(wall >= timeout * 0.9);
  CHECK(wall < timeout * 2);  // concurrent probes: one timeout, not several
  CliRun r = cli_probe("127.0.0.1:14010", timeout);
  CHECK(r.exit_code == 3);
  CHECK(r.report.at("symptom") == "timeout");
  bool ip_flow = false;
  for (const auto& c : r.report.at("candidates").as_array())
    if (c.at("cause") == "network.nsg_denies_rdp")
      ip_flow = std::string(c.at("next_test").as_string())
                    .find("az network watcher test-ip-flow --resource-group lab-rg --vm lab-vm") !=
                std::string::npos;
  CHECK(ip_flow);
  nft("delete table inet rdpt_lab");
}

TEST_CASE("a reset is refused; a closed port is refused") {
  Xrdp server(14011, tls_globals("negotiate"));
  nft("add table inet rdpt_lab2");
  nft("'add chain inet rdpt_lab2 input { type filter hook input priority 0; }'");
  nft("add rule inet rdpt_lab2 input tcp dport 14011 reject with tcp reset");
  CHECK(look(14011).tcp == "refused");
  nft("delete table inet rdpt_lab2");
  CHECK(look(14099).tcp == "refused");
  CliRun r = cli_probe("127.0.0.1:14099", 1);
  CHECK(r.report.at("symptom") == "refused");
  CHECK(r.report.at("layer") == "service");
}

TEST_CASE("a server that is not RDP is recognised") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(14020);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::listen(fd, 8);
  std::thread server([fd] {
    for (int i = 0; i < 6; ++i) {
      int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      ::send(c, "SSH-2.0-OpenSSH_9.2p1 Debian\r\n", 30, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ::close(c);
    }
  });
  LiveObservations s = look(14020, 1);
  CHECK(s.negotiation == "not_rdp");
  CHECK_THAT(s.negotiation_detail, Catch::Contains("SSH-2.0"));
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  server.join();
}

// A DNS server on 127.0.0.1:53 inside the namespace: answers NXDOMAIN for
// names starting with "missing", never answers names starting with "silent".
class FakeDns {
 public:
  FakeDns() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    thread_ = std::thread([this] {
      unsigned char q[512];
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n;
      while ((n = ::recvfrom(fd_, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &len)) > 12) {
        if (q[13] == 's') continue;  // first label starts with 's': stay silent
        q[2] = 0x81;                 // QR, RD
        q[3] = 0x83;                 // RA, rcode 3 (NXDOMAIN)
        ::sendto(fd_, q, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), len);
        len = sizeof from;
      }
    });
  }
  ~FakeDns() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }

 private:
  int fd_ = -1;
  std::thread thread_;
};

TEST_CASE("DNS: no such name is told apart from a resolver that does not answer") {
  FakeDns dns;
  LiveObservations missing = look_host("missing.rdptriage.test", 2);
  CHECK(missing.dns == "nxdomain");
  CHECK(missing.tcp.empty());
  auto start = Clock::now();
  LiveObservations silent = look_host("silent.rdptriage.test", 3);
  CHECK(silent.dns == "no_answer");
  CHECK(Clock::now() - start < std::chrono::seconds(5));
  CliRun r = cli_probe("missing.rdptriage.test", 2);
  CHECK(r.report.at("symptom") == "name_not_found");
  CHECK(r.report.at("cause") == "network.name_unresolvable");
}

TEST_CASE("no route is unreachable; a local firewall is a local error") {
  // The namespace has only loopback: no route anywhere else, so nothing is sent.
  CHECK(look_host("198.51.100.1", 1).tcp == "unreachable");
  // A local policy that refuses the destination (as a host firewall does)
  // fails the connect at once with EACCES; nothing is sent.
  REQUIRE(std::system("ip route add prohibit 198.51.100.2/32") == 0);
  LiveObservations s = look_host("198.51.100.2", 1);
  CHECK(s.tcp == "local_error");
  CHECK(s.tcp_errno == EACCES);
  CHECK(s.tcp_elapsed_s < 0.5);  // refused by the local stack, not a silent drop
  CliRun r = cli_probe("198.51.100.2", 1);
  CHECK(r.report.at("cause") == "network.client_local_block");
  std::system("ip route del prohibit 198.51.100.2/32");
}

}  // namespace
}  // namespace rdptriage
