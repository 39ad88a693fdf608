// Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer:
// the corpus replay of ctest, with any compiler.
//
//   rdptriage_replay_rules fuzz/corpus/rules rules/      # directories, recursively
//   rdptriage_replay_rules crash-1a2b3c                  # or single files
//
// Exits 0 after every input ran; an input that breaks a check aborts (its
// path is printed first), as under libFuzzer. No input at all is an error:
// a replay that runs nothing proves nothing.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

char current_input[4096] = "";

extern "C" void on_fatal_signal(int sig) {
  const char prefix[] = "\nreplay: this input failed: ";
  [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, prefix, sizeof prefix - 1);
  w = ::write(STDERR_FILENO, current_input, std::strlen(current_input));
  w = ::write(STDERR_FILENO, "\n", 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) ::signal(sig, on_fatal_signal);
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    const fs::path arg = argv[i];
    if (fs::is_directory(arg, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(arg, ec))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s is neither a file nor a directory\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs (give corpus directories or files)\n");
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  std::size_t bytes = 0;
  for (const fs::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::snprintf(current_input, sizeof current_input, "%s", path.c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    bytes += data.size();
  }
  std::printf("replayed %zu inputs (%zu bytes) through %s\n", inputs.size(), bytes,
              fs::path(argv[0]).filename().c_str());
  if (std::string counts = rdptriage::fuzz::counts(); !counts.empty())
    std::printf("  %s\n", counts.c_str());
  return 0;
}
