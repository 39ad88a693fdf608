// rdptriage: the version of the headers, and of the library they link to.
//
//   #if RDPTRIAGE_VERSION_NUMBER < 200   // 0.2.0 is 200, 1.4.2 is 10402
//   #error "needs rdptriage 0.2 or later"
//   #endif
//   log("rdptriage " + std::string(rdptriage::library_version()));
//
// The macros are the version of the headers compiled against; the functions
// are the version of the library linked, so a host can tell the two apart
// when they disagree. Reports carry the library version
// (Report::library_version).
// This file is the one place the version is written: CMake reads it.
//
// Thread safety: constants.
#ifndef RDPTRIAGE_VERSION_H_
#define RDPTRIAGE_VERSION_H_

#define RDPTRIAGE_VERSION_MAJOR 0
#define RDPTRIAGE_VERSION_MINOR 2
#define RDPTRIAGE_VERSION_PATCH 0
// major * 10000 + minor * 100 + patch, for #if comparisons (minor and
// patch stay below 100).
#define RDPTRIAGE_VERSION_NUMBER \
  (RDPTRIAGE_VERSION_MAJOR * 10000 + RDPTRIAGE_VERSION_MINOR * 100 + RDPTRIAGE_VERSION_PATCH)

namespace rdptriage {

// "0.2.0": the version of the library linked. Never fails.
const char* library_version();
// RDPTRIAGE_VERSION_NUMBER of the library linked.
int library_version_number();

}  // namespace rdptriage

#endif  // RDPTRIAGE_VERSION_H_
