// Test and benchmark support: the bundled worlds, and seeded random worlds
// built from the one-field faults of test/world/random_worlds.h: one or two
// faults on top of harmless noise (metrics, extra NSG rules, hardened TLS,
// more local accounts).
#ifndef RDPTRIAGE_TEST_SUPPORT_WORLD_CORPUS_H_
#define RDPTRIAGE_TEST_SUPPORT_WORLD_CORPUS_H_

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "world/random_worlds.h"

namespace rdptriage::testing {

struct CorpusWorld {
  std::string name;
  std::string json;
  // The cause the diagnosis must name: a bundled world's expect; a random
  // world's injected cause (of two, the earlier on the path).
  std::string expect_cause;
  int faults = 0;  // 0 for the bundled healthy and special worlds
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

// `count` seeded random worlds from the one-field faults of
// random_faults() (test/world/random_worlds.h) on random harmless noise: two
// in three inject one fault, taking every fault in turn (so every cause one
// field can inject comes up); the others inject two faults of different
// causes, and expect the one earlier in `path_order` (cause ids in the
// rules' path order), which fails first.
inline std::vector<CorpusWorld> random_worlds(unsigned seed, int count,
                                              const std::vector<std::string>& path_order) {
  const std::vector<RandomFault>& faults = random_faults();
  auto position = [&](const std::string& cause) {
    return std::find(path_order.begin(), path_order.end(), cause) - path_order.begin();
  };
  std::vector<CorpusWorld> out;
  std::mt19937 rng(seed);
  std::size_t next_single = 0, next_pair = 0;
  for (int i = 0; i < count; ++i) {
    CorpusWorld w;
    if (i % 3 != 2) {
      const RandomFault& f = faults[next_single++ % faults.size()];
      w.json = random_fault_world(rng, {&f});
      w.name = "random" + std::to_string(i) + ":" + f.cause;
      w.expect_cause = f.cause;
      w.faults = 1;
    } else {
      const RandomFault& a = faults[next_pair++ % faults.size()];
      const RandomFault* b = nullptr;
      do {
        b = &faults[rng() % faults.size()];
      } while (std::string(b->cause) == a.cause);
      w.json = random_fault_world(rng, {&a, b});
      w.name = "random" + std::to_string(i) + ":" + a.cause + "+" + b->cause;
      w.expect_cause = position(a.cause) <= position(b->cause) ? a.cause : b->cause;
      w.faults = 2;
    }
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_WORLD_CORPUS_H_
