// The live lab's shared pieces: xrdp servers, nftables rules, a fake DNS
// server and the CLI, all inside the network namespace lab.sh created.
// Nothing here sends traffic anywhere but loopback.
#ifndef RDPTRIAGE_TEST_LIVE_LAB_SUPPORT_H_
#define RDPTRIAGE_TEST_LIVE_LAB_SUPPORT_H_

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
#include <string>
#include <thread>

#include "rdptriage/live_probes.h"

namespace rdptriage::lab {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

inline const fs::path& lab_dir() {
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

inline bool port_open(int port) {
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
  Xrdp(int port, const std::string& globals) {
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
  pid_t pid_ = -1;
};

inline std::string tls_globals(const std::string& security_layer, const std::string& extra = "") {
  return "security_layer=" + security_layer +
         "\ncrypt_level=high\ncertificate=" + (lab_dir() / "cert.pem").string() +
         "\nkey_file=" + (lab_dir() / "key.pem").string() + "\n" + extra;
}

inline LiveObservations look_at(const std::string& host, int port, double seconds) {
  LiveProbeOptions o;
  o.timeout = std::chrono::milliseconds(static_cast<int>(seconds * 1000));
  LiveProbeAdapter a(host, port, o);
  return a.collect();
}

inline LiveObservations look(int port, double seconds = 2) {
  return look_at("127.0.0.1", port, seconds);
}

inline LiveObservations look_host(const std::string& host, double seconds) {
  return look_at(host, 3389, seconds);
}

struct CliRun {
  int exit_code = -1;
  boost::json::value report;
};

// Runs a shell command; returns its exit status and what it printed
// (standard error too when the command redirects it).
struct Run {
  int exit_code = -1;
  std::string out;
};
inline Run run(const std::string& command) {
  Run r;
  if (FILE* p = popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return r;
}

// The rdptriage CLI with `args` (and --json): its exit status and report.
inline CliRun cli(const std::string& args) {
  const char* bin = std::getenv("RDPTRIAGE_CLI");
  REQUIRE(bin != nullptr);
  Run r = run(std::string(bin) + " " + args + " --json 2>/dev/null");
  CliRun out;
  out.exit_code = r.exit_code;
  boost::system::error_code ec;
  out.report = boost::json::parse(r.out, ec);
  INFO(r.out);
  REQUIRE_FALSE(ec);
  return out;
}

inline CliRun cli_probe(const std::string& target, double timeout) {
  return cli("probe " + target + " --timeout " + std::to_string(timeout) +
             " --context resource_group=lab-rg --context vm=lab-vm");
}

inline void nft(const std::string& rule) { REQUIRE(std::system(("nft " + rule).c_str()) == 0); }

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

}  // namespace rdptriage::lab

#endif  // RDPTRIAGE_TEST_LIVE_LAB_SUPPORT_H_
