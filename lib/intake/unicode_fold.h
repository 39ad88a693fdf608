// Internal: how one Unicode code point is folded before pasted text is
// matched: NFKC compatibility folding, full case folding and the removal of
// combining diacritical marks, from a table generated out of the Unicode
// Character Database (scripts/gen_unicode_fold.py, version in
// unicode_fold_version()). What the folds are is documented in the script.
#ifndef RDPTRIAGE_LIB_INTAKE_UNICODE_FOLD_H_
#define RDPTRIAGE_LIB_INTAKE_UNICODE_FOLD_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace rdptriage::internal {

// The longest fold of one code point, in code points.
inline constexpr std::size_t kMaxFold = 18;

struct CodePointFold {
  bool changed = false;  // false: the code point folds to itself
  // It is a compatibility form (NFKC changes it: full-width, ligature,
  // circled...), as opposed to a letter that is only cased or accented.
  bool compatibility = false;
  bool upper = false;    // its NFKC form is upper-case ASCII ("Ａ" -> "A")
  std::size_t size = 0;  // code points in `out` (0: it folds to nothing)
  char32_t out[kMaxFold] = {};
};

// The fold of `cp` (U+0080 and up; ASCII is folded by the caller).
CodePointFold fold_code_point(char32_t cp);

// How a (folded) code point of U+0080 and up separates words: 0 it does
// not (a letter, a digit, a mark), 1 a space (general category Z* or Cc),
// 2 punctuation or a symbol (P*, S*).
int separator_kind(char32_t cp);

// The kana `base` with the voicing mark `mark` (U+3099 or U+309A) as one
// code point ("カ" + U+3099 -> "ガ"), or 0 when they do not compose.
char32_t compose_kana(char32_t base, char32_t mark);

// Decodes the UTF-8 code point at text[i]; sets `length` to its bytes.
// Returns U+FFFD with length 1 for an invalid or truncated sequence.
char32_t decode_utf8(std::string_view text, std::size_t i, std::size_t* length);

// Appends the UTF-8 encoding of `cp`.
void append_utf8(char32_t cp, std::string* out);

// The Unicode version the table was generated from ("14.0.0").
std::string_view unicode_fold_version();

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_INTAKE_UNICODE_FOLD_H_
