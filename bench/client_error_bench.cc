// How fast pasted client errors are read: loading (every pattern compiled
// once), short messages and codes, and whole logs with and without an
// error in them. Prints figures; asserts nothing.
// Usage: rdptriage_client_error_bench [seconds per figure]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
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
  std::printf(
      "load: %.1f ms for the bundled rules (%zu client code tables, %zu codes, %zu messages)\n",
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
  for (const auto& [name, text] :
       {std::pair<const char*, const std::string&>{"a 1 MB xfreerdp log, error at the end", log},
        {"1 MB of log lines with no error", quiet}}) {
    const std::string& body = text;  // clang before 16 cannot capture a structured binding
    double reads = rate(seconds, [&](std::size_t) {
      auto r = triage->read_client_error(body);
      if (!r.ok()) std::abort();
    });
    auto r = triage->read_client_error(text);
    std::printf("%s: %.1f MB/s (%.1f ms per read; symptom %s)\n", name,
                reads * static_cast<double>(text.size()) / 1e6, 1000 / reads, r->symptom.c_str());
  }
  // Paraphrases and typos: the tolerant matching on a short message.
  per_s = rate(seconds, [&](std::size_t) {
    auto r = triage->read_client_error("An internal error occured while connecting.");
    if (!r.ok()) std::abort();
  });
  std::printf("a paraphrase with a typo: %.0f readings/s (%.1f us each)\n", per_s, 1e6 / per_s);

  // One megabyte-long word (the hostile-input audit's reproducer): the
  // typo-tolerant matching must not cost its length squared.
  {
    const std::string word(1u << 20, 'a');
    double reads = rate(seconds, [&](std::size_t) {
      auto r = triage->read_client_error(word);
      if (!r.ok()) std::abort();
    });
    std::printf("one 1 MB word of 'a': %.1f MB/s (%.1f ms per read)\n",
                reads * static_cast<double>(word.size()) / 1e6, 1000 / reads);
  }

  // Issue 14: the total compiled size of the client patterns is bounded.
  // The bundled rules' size, found by bisecting the budget:
  std::size_t low = 1, high = 1u << 22;
  while (low < high) {
    rdptriage::LoadOptions o;
    o.bundled_dir = options.rules.bundled_dir;
    o.max_client_program_size = (low + high) / 2;
    if (rdptriage::RuleSet::load(o).ok())
      high = o.max_client_program_size;
    else
      low = o.max_client_program_size + 1;
  }
  std::printf(
      "bundled client patterns: %zu RE2 program instructions (max_client_program_size %zu)\n", low,
      rdptriage::LoadOptions{}.max_client_program_size);
  // ... and a file of 15,800 patterns of a thousand-character class fails fast.
  std::string huge = R"({"schema": "rdptriage.rules/1", "client_codes": [{"id": "h.codes",
    "title": "t", "source": "s", "codes": [{"code": 1, "meaning": "m"}], "patterns": [)";
  for (int i = 0; i < 15800; ++i)
    huge += std::string(i ? ", " : "") + "\"(?P<code>[a-z0-9]{1000}x" + std::to_string(i) + ")\"";
  huge += "]}]}";
  // The same bulk written without counts (\w five hundred times), as large
  // as one file may be: refused by the total budget instead.
  std::string unrolled = R"({"schema": "rdptriage.rules/1", "client_codes": [{"id": "u.codes",
    "title": "t", "source": "s", "codes": [{"code": 1, "meaning": "m"}], "patterns": [)";
  {
    std::string run;
    for (int k = 0; k < 500; ++k) run += "\\\\w";
    for (int i = 0; i < 2600; ++i)
      unrolled +=
          std::string(i ? ", " : "") + "\"(?P<code>" + run + "x" + std::to_string(i) + ")\"";
    unrolled += "]}]}";
  }
  start = Clock::now();
  auto refused = rdptriage::RuleSet::load_documents({{"huge.json", huge}});
  const double refuse_s = since(start);
  std::printf(
      "a %zu KB file of 15,800 patterns [a-z0-9]{1000}xN: refused in %.1f ms (%zu errors; first: "
      "%s)\n",
      huge.size() / 1024, refuse_s * 1000, refused.ok() ? 0 : refused.status().diagnostics().size(),
      refused.ok() ? "LOADED" : refused.status().diagnostics().front().to_string().c_str());
  start = Clock::now();
  refused = rdptriage::RuleSet::load_documents({{"unrolled.json", unrolled}});
  std::printf("2,600 patterns of \\w x500 written out (%zu MB): refused in %.1f ms (%s)\n",
              unrolled.size() >> 20, since(start) * 1000,
              refused.ok() ? "LOADED" : refused.status().diagnostics().front().to_string().c_str());

  // Issue 14: a pattern whose DFA explodes, over a megabyte of a and b.
  rdptriage::LoadOptions dfa_options;
  dfa_options.include_bundled = false;
  auto dfa_rules = rdptriage::RuleSet::load_documents(
      {{"dfa.json", R"J({"schema": "rdptriage.rules/1", "symptoms": [{"id": "s1", "title": "one"}],
        "client_codes": [{"id": "t.dfa", "title": "t", "source": "issue 14",
          "patterns": ["(?P<code>[ab]*a[ab]{12}c)"], "codes": [{"code": 1, "meaning": "m"}]}]})J"}},
      dfa_options);
  if (!dfa_rules.ok()) {
    std::cerr << dfa_rules.status().to_string() << "\n";
    return 1;
  }
  const rdptriage::Triage dfa = rdptriage::Triage::from_rules(std::move(dfa_rules).value());
  std::mt19937 rng(14);
  std::string ab;
  while (ab.size() < 1000000) ab += (rng() % 2) ? 'a' : 'b';
  double reads = rate(seconds, [&](std::size_t) {
    auto r = dfa.read_client_error(ab);
    if (!r.ok()) std::abort();
  });
  std::printf(
      "(?P<code>[ab]*a[ab]{12}c), at the repetition bound, over 1 MB of a and b: %.2f MB/s (%.0f "
      "ms per read; {24} is refused at load)\n",
      reads, 1000 / reads);
  return 0;
}
