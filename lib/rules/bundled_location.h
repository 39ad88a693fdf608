// Internal: where the bundled rules are, found at run time relative to the
// package or the program, never from a path compiled into the library.
#ifndef RDPTRIAGE_LIB_RULES_BUNDLED_LOCATION_H_
#define RDPTRIAGE_LIB_RULES_BUNDLED_LOCATION_H_

#include <filesystem>
#include <string>

namespace rdptriage::internal {

struct BundledRulesSearch {
  std::filesystem::path dir;      // empty when nothing was found
  bool from_environment = false;  // dir is $RDPTRIAGE_RULES_DIR, used as given
  std::string looked;             // every place tried and why it did not do, for errors
};

// See bundled_rules_dir() in rdptriage/rules.h for the order.
BundledRulesSearch find_bundled_rules();

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_BUNDLED_LOCATION_H_
