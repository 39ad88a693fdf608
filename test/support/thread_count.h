// Tests: how many threads this process has, to check that pools and hung
// adapters do not grow it.
#ifndef RDPTRIAGE_TEST_SUPPORT_THREAD_COUNT_H_
#define RDPTRIAGE_TEST_SUPPORT_THREAD_COUNT_H_

#include <fstream>
#include <string>

namespace rdptriage::testing {

// Threads of this process, from /proc/self/status; -1 if it cannot be read.
inline int thread_count() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

}  // namespace rdptriage::testing

#endif  // RDPTRIAGE_TEST_SUPPORT_THREAD_COUNT_H_
