// Test and benchmark support: the bundled worlds, and seeded random worlds
// built from them. A random single-fault world is a bundled one-cause world
// with harmless noise (metrics, extra NSG rules, hardened TLS, more local
// accounts); a two-fault world merges two bundled one-cause worlds of
// different causes on top of the same noise.
#ifndef RDPTRIAGE_TEST_SUPPORT_WORLD_CORPUS_H_
#define RDPTRIAGE_TEST_SUPPORT_WORLD_CORPUS_H_

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "world/random_worlds.h"  // deep_merge

namespace rdptriage::testing {

struct CorpusWorld {
  std::string name;
  std::string json;
  std::string expect_cause;  // one-cause worlds: the injected cause; empty otherwise
  int faults = 0;            // 0 for the bundled healthy and special worlds
};

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every bundled world, sorted by name.
inline std::vector<CorpusWorld> bundled_worlds(const std::string& source_dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(source_dir + "/examples/worlds"))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<CorpusWorld> out;
  for (const auto& f : files) {
    CorpusWorld w;
    w.name = f.filename().string();
    w.json = read_text(f);
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(w.json, ec);
    if (!ec && v.is_object())
      if (const auto* expect = v.get_object().if_contains("expect"))
        if (const auto* cause = expect->get_object().if_contains("cause"))
          w.expect_cause = std::string(cause->get_string());
    const std::string stem = f.stem().string();
    w.faults = stem.rfind("two_faults.", 0) == 0 ? 2 : (w.expect_cause.empty() ? 0 : 1);
    out.push_back(std::move(w));
  }
  return out;
}

// `count` seeded random worlds: about two thirds single-fault (every cause
// with a bundled one-cause world in turn), the rest two-fault.
inline std::vector<CorpusWorld> random_worlds(const std::string& source_dir, unsigned seed,
                                              int count) {
  std::vector<CorpusWorld> singles;
  for (CorpusWorld& w : bundled_worlds(source_dir))
    if (w.faults == 1 && w.name.rfind(w.expect_cause + ".", 0) == 0)
      singles.push_back(std::move(w));
  std::vector<CorpusWorld> out;
  if (singles.empty()) return out;
  std::mt19937 rng(seed);
  auto parse_fault = [](const CorpusWorld& w) {
    boost::json::value v = boost::json::parse(w.json);
    v.get_object().erase("expect");
    v.get_object().erase("title");
    return v;
  };
  for (int i = 0; i < count; ++i) {
    const bool two = i % 3 == 2;
    const CorpusWorld& a = singles[static_cast<std::size_t>(i) % singles.size()];
    const CorpusWorld* b = nullptr;
    if (two) {
      do {
        b = &singles[rng() % singles.size()];
      } while (b->expect_cause == a.expect_cause);
    }
    const int cpu = 10 + static_cast<int>(rng() % 61);
    const int memory = 1024 + static_cast<int>(rng() % 7168);
    std::string noise = R"({"schema": "rdptriage.world/1", "vm": {"metrics": {"cpu_pct": )" +
                        std::to_string(cpu) + R"(, "available_memory_mb": )" +
                        std::to_string(memory) + "}";
    if (rng() % 2)
      noise += R"(, "nsg": {"nic": [
        {"name": "RDP", "priority": 300, "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationPortRange": "3389"},
        {"name": "WinRM", "priority": 310, "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationPortRanges": ["5985", "5986"]},
        {"name": "DenySsh", "priority": 320, "access": "Deny", "protocol": "*", "sourceAddressPrefix": "Internet", "destinationPortRange": "22"}]})";
    std::string guest;
    if (rng() % 2) guest += R"("schannel": {"tls1_0_server": false, "tls1_1_server": false})";
    if (rng() % 2)
      guest += std::string(guest.empty() ? "" : ", ") +
               R"("local_accounts": [{"name": "azureadmin"}, {"name": "ops"}])";
    noise += ", \"guest\": {" + guest + "}}}";
    boost::json::value doc = boost::json::parse(noise);
    deep_merge(doc, parse_fault(a));
    CorpusWorld w;
    if (b != nullptr) {
      deep_merge(doc, parse_fault(*b));
      w.name = "random" + std::to_string(i) + ":" + a.expect_cause + "+" + b->expect_cause;
      w.faults = 2;
    } else {
      w.name = "random" + std::to_string(i) + ":" + a.expect_cause;
      w.expect_cause = a.expect_cause;
      w.faults = 1;
    }
    w.json = boost::json::serialize(doc);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_WORLD_CORPUS_H_
