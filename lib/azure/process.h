// Internal: runs a program without a shell, with a deadline.
//
// The program is started with posix_spawnp (argv as given: no shell, no
// word splitting, nothing to inject), its standard input is /dev/null, and
// its standard output and error are read through pipes, each bounded. At
// the deadline, or when the cancel flag rises, it is killed (SIGKILL) and
// reaped; no zombie or descriptor outlives the call.
//
// Thread safety: safe to call from several threads at once.
#ifndef RDPTRIAGE_LIB_AZURE_PROCESS_H_
#define RDPTRIAGE_LIB_AZURE_PROCESS_H_

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace rdptriage::internal::azure {

struct ProcessResult {
  enum class Outcome { kExited, kSignaled, kTimeout, kCancelled, kNotStarted };
  Outcome outcome = Outcome::kNotStarted;
  int exit_code = -1;
  std::string out;    // standard output, at most max_output bytes
  std::string err;    // standard error, at most max_output bytes
  std::string error;  // why it did not start or finish, in words
};

// `argv[0]` is looked up in PATH when it holds no '/'.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::steady_clock::time_point deadline,
                          const std::atomic<bool>* cancelled, std::size_t max_output = 1u << 20);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_PROCESS_H_
