// The two views of pasted text, and the offsets back into what was pasted.
#include "intake/normalize.h"

#include <catch2/catch.hpp>

namespace rdptriage::internal {
namespace {

TEST_CASE("words view: case, apostrophes, punctuation and typographic characters") {
  CHECK(normalize_message("Remote Desktop can\xE2\x80\x99t  find\nthe computer \"VM1\".") ==
        " remote desktop cant find the computer vm1 ");
  CHECK(normalize_message("can't") == normalize_message("CANT"));
  CHECK(normalize_message("\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x80\x94 dash\xC2\xA0nbsp") ==
        " quoted dash nbsp ");
  CHECK(normalize_message("zero\xE2\x80\x8Bwidth\xEF\xBB\xBF") == " zerowidth ");
  CHECK(normalize_message("ERRCONNECT_DNS_NAME_NOT_FOUND [0x00020005]") ==
        " errconnect dns name not found 0x00020005 ");
  CHECK(normalize_message("caf\xC3\xA9 ok") == " cafe ok ");  // Latin-1 letters folded
  CHECK(normalize_message("\xE4\xB8\xAD\xE6\x96\x87") ==
        " \xE4\xB8\xAD \xE6\x96\x87 ");                                  // one word each
  CHECK(normalize_message("\xCE\xB1\xCE\xB2") == " \xCE\xB1\xCE\xB2 ");  // other UTF-8 kept
  CHECK(normalize_message("") == " ");
}

TEST_CASE("spacing view: whitespace collapsed, ASCII punctuation for typographic, case kept") {
  CHECK(normalize_spacing("  Error\tcode:\r\n 0x904 ").text == "Error code: 0x904");
  CHECK(normalize_spacing("\xE2\x80\x98it\xE2\x80\x99s\xE2\x80\x9D \xE2\x80\x93 x\xE2\x80\xA6")
            .text == "'it's\" - x...");
  CHECK(normalize_spacing("a\xE2\x80\x83\xE2\x80\x83"
                          "b")
            .text == "a b");  // em spaces
}

TEST_CASE("every normalized byte maps back to the byte it came from") {
  const std::string text = "Can\xE2\x80\x99t\n  FIND \xE2\x80\x9Cvm\xE2\x80\x9D";
  NormalizedText w = normalize_words(text);
  REQUIRE(w.origin.size() == w.text.size() + 1);
  CHECK(w.origin.back() == text.size());
  std::size_t find = w.text.find("find");
  CHECK(text.substr(w.origin[find], 4) == "FIND");
  NormalizedText s = normalize_spacing(text);
  REQUIRE(s.origin.size() == s.text.size() + 1);
  std::size_t vm = s.text.find("vm");
  CHECK(text.substr(s.origin[vm], 2) == "vm");
  for (std::size_t i = 1; i < s.origin.size(); ++i) CHECK(s.origin[i] >= s.origin[i - 1]);
}

}  // namespace
}  // namespace rdptriage::internal
