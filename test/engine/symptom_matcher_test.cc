#include "engine/symptom_matcher.h"

#include <catch2/catch.hpp>

namespace rdptriage::internal {
namespace {

TEST_CASE("messages normalize case, whitespace, punctuation and curly quotes") {
  CHECK(normalize_message("Remote Desktop can\xE2\x80\x99t  find\nthe computer \"VM1\".") ==
        " remote desktop cant find the computer vm1 ");
  CHECK(normalize_message("can't") == normalize_message("CANT"));
  CHECK(normalize_message("") == " ");
}

}  // namespace
}  // namespace rdptriage::internal
