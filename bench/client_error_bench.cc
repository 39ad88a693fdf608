// How fast pasted client errors are read: loading (every pattern compiled
// once), short messages and codes, and whole logs with and without an
// error in them. Prints figures; asserts nothing.
// Usage: rdptriage_client_error_bench [seconds per figure]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "rdptriage/triage.h"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `fn` until `seconds` pass; returns calls per second.
template <typename Fn>
double rate(double seconds, Fn fn) {
  std::size_t n = 0;
  const auto start = Clock::now();
  while (since(start) < seconds) {
    fn(n);
    ++n;
  }
  return static_cast<double>(n) / since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const std::string source = RDPTRIAGE_SOURCE_DIR;
  rdptriage::TriageOptions options;
  options.rules.bundled_dir = source + "/rules";

  auto start = Clock::now();
  auto triage = rdptriage::Triage::create(options);
  const double load_s = since(start);
  if (!triage.ok()) {
    std::cerr << triage.status().to_string() << "\n";
    return 1;
  }
  std::size_t codes = 0;
  for (const auto& t : triage->rules().client_code_tables()) codes += t.codes.size();
  std::printf("load: %.1f ms for the bundled rules (%zu client code tables, %zu codes, %zu messages)\n",
              load_s * 1000, triage->rules().client_code_tables().size(), codes,
              triage->rules().client_messages().size());

  const std::vector<std::string> short_texts = {
      "Error code: 0x204 Extended error code: 0x7",
      "An authentication error has occurred. The Local Security Authority cannot be contacted.",
      "Remote Desktop can\xE2\x80\x99t find the computer \xE2\x80\x9Cvm1.contoso.com\xE2\x80\x9D.",
      "ERRCONNECT_DNS_NAME_NOT_FOUND [0x00020005]",
      "Status: 0xC000006D Sub Status: 0xC000006A",
      "the printer is out of paper"};
  double per_s = rate(seconds, [&](std::size_t i) {
    auto r = triage->read_client_error(short_texts[i % short_texts.size()]);
    if (!r.ok()) std::abort();
  });
  std::printf("short messages and codes: %.0f readings/s (%.1f us each)\n", per_s, 1e6 / per_s);

  std::ifstream in(source + "/test/data/xfreerdp/nocert.log");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string log_lines = ss.str();
  std::string log;
  const std::string noise =
      "[00:15:06:591] [4426:4427] [INFO][com.freerdp.channels.rdpsnd.client] - Loading Dynamic "
      "Virtual Channel rdpgfx and something else that happens while the session runs\n";
  while (log.size() + log_lines.size() < 1000000) log += noise;
  log += log_lines;
  std::string quiet;
  while (quiet.size() < log.size()) quiet += noise;
  for (const auto& [name, text] : {std::pair<const char*, const std::string&>{"a 1 MB xfreerdp log, error at the end", log},
                                   {"1 MB of log lines with no error", quiet}}) {
    double reads = rate(seconds, [&](std::size_t) {
      auto r = triage->read_client_error(text);
      if (!r.ok()) std::abort();
    });
    auto r = triage->read_client_error(text);
    std::printf("%s: %.1f MB/s (%.1f ms per read; symptom %s)\n", name,
                reads * static_cast<double>(text.size()) / 1e6, 1000 / reads, r->symptom.c_str());
  }
  return 0;
}
