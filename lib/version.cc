#include "rdptriage/version.h"

#define RDPTRIAGE_STR2(x) #x
#define RDPTRIAGE_STR(x) RDPTRIAGE_STR2(x)

namespace rdptriage {

const char* library_version() {
  return RDPTRIAGE_STR(RDPTRIAGE_VERSION_MAJOR) "." RDPTRIAGE_STR(
      RDPTRIAGE_VERSION_MINOR) "." RDPTRIAGE_STR(RDPTRIAGE_VERSION_PATCH);
}

int library_version_number() { return RDPTRIAGE_VERSION_NUMBER; }

}  // namespace rdptriage
