// Shared pieces of the rdptriage CLI: exit codes, error printing, loading.
#ifndef RDPTRIAGE_EXAMPLES_CLI_COMMON_H_
#define RDPTRIAGE_EXAMPLES_CLI_COMMON_H_

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/status.h"
#include "rdptriage/terminal_text.h"
#include "rdptriage/triage.h"

namespace rdptriage::cli {

// Every string the CLI prints that it did not write itself (a message, a
// path, a name or reason from a file, an adapter or the network) goes
// through this: nothing a terminal would act on reaches it.
inline std::string safe(std::string_view text) { return terminal_text(text); }

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

// The drill's bundled worlds next to this executable
// (../share/rdptriage/worlds); empty when its path is unknown.
std::filesystem::path bundled_worlds();

// Registers --client-error TEXT and --client-error-file FILE on `app`.
void add_client_error_input(CLI::App* app, std::string* text, std::string* file);

// How much of an input without a size (a pipe, a terminal, a device on
// standard input) client_error_text() reads, in units of `max_bytes`,
// before refusing it as one that may never end.
inline constexpr std::size_t kMaxStreamFactor = 64;

// The client error from --client-error TEXT and/or --client-error-file
// FILE ("-" is standard input), joined by a line break. A file longer than
// `max_bytes` is read from its end, where a log's last error is (a note
// says so on stderr): a regular file by seeking there, standard input by
// keeping the last `max_bytes` of at most kMaxStreamFactor * max_bytes.
// kIoError names a file that cannot be read or is not a regular file (a
// FIFO or device is refused before it is opened, so nothing blocks);
// kLimitExceeded an input still going at that bound.
StatusOr<std::string> client_error_text(const std::string& text, const std::string& file,
                                        std::size_t max_bytes);

// Planner options shared by `diagnose` and `probe`.
struct PlanArgs {
  std::vector<std::string> disable;  // channel names or probe ids
  double exclusion_budget_s = -1;    // < 0: the library's default
  double deadline_s = 0;             // 0: the library's default
  std::string decision_id;           // empty: the library makes one
};
// Registers --disable, --exclusion-budget, --deadline and --decision-id on `app`.
void add_plan_options(CLI::App* app, PlanArgs* args);
// Applies `args` to `options`: kInvalidArgument names a value that is
// neither a channel nor a probe of `rules`, or a number out of range.
Status apply_plan_options(const PlanArgs& args, const RuleSet& rules, EvaluateOptions* options);

// While alive, Ctrl-C ends the evaluation with the report so far instead of
// killing the process (a second Ctrl-C exits at once, status 130).
class InterruptToCancel {
 public:
  InterruptToCancel();
  ~InterruptToCancel();
  InterruptToCancel(const InterruptToCancel&) = delete;
  InterruptToCancel& operator=(const InterruptToCancel&) = delete;
  // For EvaluateRequest::cancel.
  const std::atomic<bool>* flag() const;
};

// --rules and --json given before the subcommand (`rdptriage --rules X
// catalog`): load_triage() adds the rules, json_output() the flag.
void set_leading_options(std::vector<std::string> rules, bool json);
bool json_output(bool given_after);

// Signed-pack options shared by `diagnose`, `rules check` and `rules verify`.
struct PackArgs {
  std::vector<std::string> trusted_keys;  // PEM files of Ed25519 public keys
  std::vector<std::string> min_versions;  // NAME=VERSION
};
// Registers --min-version NAME=VERSION on `app` (the key option differs by command).
void add_min_version_option(CLI::App* app, PackArgs* args);
// --min-version values as LoadOptions::min_pack_versions; kInvalidArgument
// for one that is not NAME=VERSION.
Status parse_min_versions(const std::vector<std::string>& given,
                          std::map<std::string, std::uint64_t, std::less<>>* out);

// Loads the bundled rules plus the leading --rules and `extra` paths. With
// trusted keys, every extra path must be a rule pack signed by one of them,
// at least at the --min-version given for it.
StatusOr<Triage> load_triage(const std::vector<std::string>& extra, bool include_bundled = true,
                             const PackArgs& packs = {});

// Reads a small text file (a key): kIoError naming it.
StatusOr<std::string> read_small_file(const std::string& path);

}  // namespace rdptriage::cli

#endif  // RDPTRIAGE_EXAMPLES_CLI_COMMON_H_
