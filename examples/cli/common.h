// Shared pieces of the rdptriage CLI: exit codes, error printing, loading.
#ifndef RDPTRIAGE_EXAMPLES_CLI_COMMON_H_
#define RDPTRIAGE_EXAMPLES_CLI_COMMON_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "rdptriage/status.h"
#include "rdptriage/triage.h"

namespace rdptriage::cli {

// Exit status, as documented in ../shared/spec/cli.md.
enum Exit : int { kDiagnosed = 0, kInternal = 1, kBadInput = 2, kInconclusive = 3 };

// Prints one clear line for a failed Status (the first diagnostic, with a
// count of the rest) to stderr and returns kBadInput, or kInternal for
// ErrorCode::kInternal.
int report_error(const Status& status);
// Every diagnostic, one per line (for `rules check`).
int report_all(const Status& status);
// Prints "rdptriage: <message>" to stderr and returns kBadInput.
int usage_error(const std::string& message);

// The bundled rules next to this executable (../share/rdptriage/rules),
// else the library's default.
std::filesystem::path bundled_rules();

// Loads the bundled rules plus `extra` paths.
StatusOr<Triage> load_triage(const std::vector<std::string>& extra, bool include_bundled = true);

}  // namespace rdptriage::cli

#endif  // RDPTRIAGE_EXAMPLES_CLI_COMMON_H_
