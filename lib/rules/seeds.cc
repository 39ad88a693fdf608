#include "rules/seeds.h"

#include <array>

namespace rdptriage::internal {
namespace {

constexpr std::array<std::string_view, 5> kSeeds = {
    "000_77a56c23aac288f2.txt", "001_9633cf995d9435a8.txt", "002_ba62d61311b9ef42.txt",
    "003_344dbb31c73e95e9.txt", "004_c9760b3d73679b81.txt",
};

}  // namespace

std::span<const std::string_view> known_seeds() { return kSeeds; }

std::string resolve_seed(std::string_view seed, std::string* name) {
  for (std::string_view s : kSeeds) {
    if (seed == s || (seed.size() == 3 && s.substr(0, 4) == std::string(seed) + "_")) {
      *name = std::string(s);
      return {};
    }
  }
  std::string list;
  for (std::string_view s : kSeeds) list += (list.empty() ? "" : ", ") + std::string(s);
  return "\"" + std::string(seed) + "\" is not a seed article (a seed is one of " + list +
         ", or its number such as 003); cite any other document as {\"url\": \"https://...\"}";
}

}  // namespace rdptriage::internal
