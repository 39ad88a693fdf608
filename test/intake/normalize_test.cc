// The two views of pasted text, and the offsets back into what was pasted.
#include "intake/normalize.h"

#include <catch2/catch.hpp>

#include "intake/unicode_fold.h"

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

TEST_CASE("words view: NFKC compatibility forms, case folding and marks, from Unicode's data") {
  // U+FB01, the fi ligature PDF viewers paste.
  CHECK(normalize_message("The certi\xEF\xAC\x81"
                          "cate is invalid") == " the certificate is invalid ");
  // Full-width Latin letters and digits, as a CJK input method types them.
  CHECK(normalize_message("\xEF\xBC\xA5\xEF\xBD\x92\xEF\xBD\x92\xEF\xBD\x8F\xEF\xBD\x92 "
                          "\xEF\xBC\x90\xEF\xBD\x98\xEF\xBC\x99\xEF\xBC\x90\xEF\xBC\x94") ==
        " error 0x904 ");
  // Half-width katakana with half-width voicing marks: "ｴﾗｰ ｺｰﾄﾞ" is "エラー コード".
  CHECK(normalize_message("\xEF\xBD\xB4\xEF\xBE\x97\xEF\xBD\xB0 "
                          "\xEF\xBD\xBA\xEF\xBD\xB0\xEF\xBE\x84\xEF\xBE\x9E") ==
        normalize_message("\xE3\x82\xA8\xE3\x83\xA9\xE3\x83\xBC "
                          "\xE3\x82\xB3\xE3\x83\xBC\xE3\x83\x89"));
  // ... and a voiced kana keeps its voicing ("ド" is not "ト").
  CHECK(normalize_message("\xE3\x83\x89") != normalize_message("\xE3\x83\x88"));
  // Decomposed accents (e + U+0301) read as the precomposed ones, and both
  // as the base letter.
  CHECK(normalize_message("e\xCC\x81tendu") == " etendu ");
  CHECK(normalize_message("\xC3\xA9tendu") == " etendu ");
  // Latin Extended-A: Polish, Czech, Hungarian, Turkish letters.
  CHECK(normalize_message("B\xC5\x82\xC4\x85"
                          "d \xC5\x98"
                          "e\xC5\xA1"
                          "en\xC3\xAD "
                          "\xC5\x90rz\xC5\x91") == " blad reseni orzo ");
  // Turkish dotted capital I and dotless i both read as i.
  CHECK(normalize_message("\xC4\xB0"
                          "nternal") == " internal ");
  CHECK(normalize_message("\xC4\xB1nternal") == " internal ");
  CHECK(normalize_message("Stra\xC3\x9F"
                          "e STRASSE") == " strasse strasse ");
  CHECK(normalize_message("\xCE\x91\xCE\x92\xCE\x93") == " \xCE\xB1\xCE\xB2\xCE\xB3 ");  // Greek
  CHECK(normalize_message("\xD0\x9E\xD0\xA8\xD0\x98\xD0\x91\xD0\x9A\xD0\x90") ==
        " \xD0\xBE\xD1\x88\xD0\xB8\xD0\xB1\xD0\xBA\xD0\xB0 ");  // Cyrillic lower-cased
  CHECK(normalize_message("soft\xC2\xADhyphen") == " softhyphen ");
  CHECK(normalize_message("a\xE2\x80\x8E"
                          "b") == " ab ");                      // a left-to-right mark
  CHECK(normalize_message("\xE2\x91\xA0 step") == " 1 step ");  // circled digit
  CHECK(!unicode_fold_version().empty());
}

TEST_CASE("spacing view: whitespace collapsed, ASCII punctuation for typographic, case kept") {
  CHECK(normalize_spacing("  Error\tcode:\r\n 0x904 ").text == "Error code: 0x904");
  CHECK(normalize_spacing("\xE2\x80\x98it\xE2\x80\x99s\xE2\x80\x9D \xE2\x80\x93 x\xE2\x80\xA6")
            .text == "'it's\" - x...");
  CHECK(normalize_spacing("a\xE2\x80\x83\xE2\x80\x83"
                          "b")
            .text == "a b");  // em spaces
  // Compatibility forms fold here too, upper case kept; accents are kept.
  CHECK(normalize_spacing("\xEF\xBC\xA5rror code\xEF\xBC\x9A\xE3\x80\x80"
                          "\xEF\xBC\x90\xEF\xBD\x98\xEF\xBC\x99\xEF\xBC\x90\xEF\xBC\x94")
            .text == "Error code: 0x904");
  CHECK(normalize_spacing("Code d\xE2\x80\x99"
                          "erreur \xC3\xA9tendu")
            .text == "Code d'erreur \xC3\xA9tendu");
  CHECK(normalize_spacing("e\xCC\x81").text == "e\xCC\x81");
  CHECK(normalize_spacing("0x\xE2\x80\x8B"
                          "904")
            .text == "0x904");
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
