// Internal: text from outside the library made inert for a terminal.
#ifndef RDPTRIAGE_LIB_ENGINE_SAFE_TEXT_H_
#define RDPTRIAGE_LIB_ENGINE_SAFE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rdptriage::internal {

// The length (2..4) of the well-formed UTF-8 sequence of a non-ASCII lead
// byte at text[i], with its code point in *cp; 0 when there is none (RFC
// 3629: no overlongs, no surrogates, nothing above U+10FFFF, not cut off).
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t* cp);

// `text` with everything a terminal would act on shown as a visible escape:
// C0 controls and DEL as \xNN (\n, \r, \t as themselves escaped), C1
// controls (U+0080..U+009F), bidirectional marks, embeddings, overrides and
// isolates (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the
// line and paragraph separators (U+2028, U+2029) as \uXXXX, and bytes that
// are not UTF-8 as \xNN. Everything else, other scripts included, is kept.
std::string terminal_safe(std::string_view text);

// Like terminal_safe(), but a line feed is kept as a line break followed by
// `indent` (and a tab as a tab),
// so a multi-line command stays readable and no line of it starts
// at the left margin.
std::string terminal_safe_lines(std::string_view text, std::string_view indent);

// What find_terminal_control() reports for a byte that is not UTF-8.
inline constexpr std::uint32_t kNotUtf8 = 0xffffffff;

// The offset of the first character terminal_safe() would escape (with its
// code point, or kNotUtf8, in *cp), or npos. With `allow_lines`, a line feed
// and a tab are allowed (text that is multi-line by nature: a script).
std::size_t find_terminal_control(std::string_view text, bool allow_lines, std::uint32_t* cp);

// "U+001B" or "a byte that is not UTF-8", for messages.
std::string describe_terminal_control(std::uint32_t cp);

// The public names (rdptriage/terminal_text.h) are these functions.

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_SAFE_TEXT_H_
