// Internal: signing and verifying rule packs (rdptriage/rule_pack.h). The
// loader uses verify_pack() to read a pack's rule files exactly once: the
// bytes it hashes are the bytes it parses, so a file swapped after the check
// is never loaded.
#ifndef RDPTRIAGE_LIB_RULES_RULE_PACK_H_
#define RDPTRIAGE_LIB_RULES_RULE_PACK_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "rdptriage/rule_pack.h"

namespace rdptriage::internal {

struct VerifiedPack {
  PackInfo info;
  // (path, content) of every rule file, in name order.
  std::vector<std::pair<std::string, std::string>> files;
};

StatusOr<VerifiedPack> verify_pack(
    const std::filesystem::path& dir, const std::vector<std::string>& trusted_public_keys_pem,
    const std::map<std::string, std::uint64_t, std::less<>>& min_versions,
    std::size_t max_file_bytes);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_RULE_PACK_H_
