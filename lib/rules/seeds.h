// Internal: the articles the bundled rules encode (../shared/seeds when
// this library was written), named by their file names. A rule's source
// {"seed": name, "section": ...} cites one of them, by file name or by its
// three-digit number ("003"); anything else is cited by its https address.
#ifndef RDPTRIAGE_LIB_RULES_SEEDS_H_
#define RDPTRIAGE_LIB_RULES_SEEDS_H_

#include <span>
#include <string>
#include <string_view>

namespace rdptriage::internal {

// The known seed file names, in order ("000_77a56c23aac288f2.txt", ...).
std::span<const std::string_view> known_seeds();

// Resolves `seed` (a file name or its number) to the seed's file name in
// *name. Returns an empty string, or the problem naming the known seeds.
std::string resolve_seed(std::string_view seed, std::string* name);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_SEEDS_H_
