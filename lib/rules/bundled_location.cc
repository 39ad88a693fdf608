#include "rules/bundled_location.h"

#include <cstdlib>
#include <system_error>

// Defined (weakly) in programs configured with find_package(rdptriage): the
// package's config file generates it from its own location, so it follows
// the package wherever it was moved before the program was configured.
// Absent (null) elsewhere: in the build tree, and in programs that link the
// library without the package's CMake config.
extern "C" const char* rdptriage_package_rules_dir(void) __attribute__((weak));

namespace rdptriage::internal {
namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

void note(std::string* looked, const std::string& what) {
  if (!looked->empty()) *looked += "; ";
  *looked += what;
}

}  // namespace

BundledRulesSearch find_bundled_rules() {
  BundledRulesSearch out;
  if (const char* env = std::getenv("RDPTRIAGE_RULES_DIR"); env != nullptr && *env != '\0') {
    // An explicit setting is used as given: a wrong one must fail loudly
    // rather than quietly fall back to other rules.
    out.dir = fs::path(env);
    out.from_environment = true;
    return out;
  }
  note(&out.looked, "$RDPTRIAGE_RULES_DIR (not set)");
  if (rdptriage_package_rules_dir != nullptr) {
    const char* recorded = rdptriage_package_rules_dir();
    if (recorded != nullptr && *recorded != '\0') {
      if (is_dir(recorded)) {
        out.dir = fs::path(recorded);
        return out;
      }
      note(&out.looked, std::string("the package this program was configured with (") + recorded +
                            ": no such directory)");
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path beside = exe.parent_path().parent_path() / "share" / "rdptriage" / "rules";
    if (is_dir(beside)) {
      out.dir = beside;
      return out;
    }
    note(&out.looked, "beside the program (" + beside.string() + ": no such directory)");
  } else {
    note(&out.looked, "beside the program (its path is unknown: " + ec.message() + ")");
  }
  return out;
}

}  // namespace rdptriage::internal
