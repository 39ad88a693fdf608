// Internal: the two views of pasted client-error text that matching runs on,
// each remembering where every byte came from in the original, so a match
// can be reported with its offset, line and the words the person pasted.
#ifndef RDPTRIAGE_LIB_INTAKE_NORMALIZE_H_
#define RDPTRIAGE_LIB_INTAKE_NORMALIZE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rdptriage::internal {

struct NormalizedText {
  std::string text;
  // origin[i] is the offset in the original of the byte that produced
  // text[i]; origin[text.size()] is the original's size.
  std::vector<std::uint32_t> origin;
};

// The words view, for message phrases and code names: every code point
// folded (unicode_fold.h: NFKC compatibility forms, full case folding,
// combining diacritical marks removed: "ﬁ" is "fi", "Ｅｒｒｏｒ" "error",
// "étendu" "etendu", half-width "ｶﾞ" "ガ"), apostrophes (typographic ones
// too) dropped, every run of punctuation, symbols or spaces one space,
// each CJK or kana character a word of its own, padded with a space at each
// end. "Can’t  find\n“VM1”." -> " cant find vm1 ". Bytes that are not
// UTF-8 are kept as they are.
NormalizedText normalize_words(std::string_view text);

// The spacing view, for code patterns: every run of whitespace (line
// breaks, tabs, no-break and ideographic spaces) one space, compatibility
// forms folded ("：" ":", "０ｘ９０４" "0x904", upper case kept), zero-width
// and other ignorable characters dropped, typographic quotes, apostrophes
// and dashes their ASCII forms, ideographic full stops and commas "."; case,
// accents and other punctuation kept.
NormalizedText normalize_spacing(std::string_view text);

// normalize_words(text).text.
std::string normalize_message(std::string_view text);

// `text` with ASCII letters lower-cased: how code names are compared.
std::string ascii_lower(std::string_view text);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_INTAKE_NORMALIZE_H_
