// rdptriage: text from outside a host made safe to show on a terminal.
//
// Much of what rdptriage hands a host quotes text it did not write: a
// client's error message, a probe's failure reason from an adapter, a file's
// path or contents, a host name from DNS, a certificate subject. A terminal
// acts on some characters instead of showing them: ESC starts a sequence that
// can set the window title (ESC ] 0 ; ... BEL), clear the screen (ESC [ 2 J)
// or move the cursor; a carriage return lets a later part of a line overwrite
// an earlier one, and a line feed lets a message forge a line of its own
// ("...\r\nCONFIRMED ..."); bidirectional overrides reorder what is seen.
// Pass any such text through terminal_text() before printing it:
//
//   std::fprintf(stderr, "rdptriage: %s\n",
//                rdptriage::terminal_text(status.message()).c_str());
//
// to_text() (report.h), Diagnostic::to_string() and Status::to_string()
// (status.h) already do this for what they render, and Status::message() is
// escaped when the Status is built; a host needs terminal_text() for text it
// prints from elsewhere (a Report field in its own layout, a ProbeResult
// reason, a path it was given).
//
// The escaping is visible and lossless enough to read: a control shows as
// \xNN or \uXXXX, never silently dropped, and text in any script is kept as
// it is. Escaped text is printable ASCII plus the kept characters, so
// escaping it again changes nothing.
//
// Thread safety: pure functions; safe from any thread. Never fail.
#ifndef RDPTRIAGE_TERMINAL_TEXT_H_
#define RDPTRIAGE_TERMINAL_TEXT_H_

#include <string>
#include <string_view>

namespace rdptriage {

// `text` as one line with everything a terminal would act on shown as a
// visible escape: C0 controls and DEL as \xNN (a line feed, carriage return
// and tab as \n, \r, \t), C1 controls (U+0080..U+009F), bidirectional marks,
// embeddings, overrides and isolates (U+061C, U+200E, U+200F,
// U+202A..U+202E, U+2066..U+2069) and the line and paragraph separators
// (U+2028, U+2029) as \uXXXX, and bytes that are not UTF-8 as \xNN.
// Everything else, other scripts and emoji included, is kept. The result
// never holds a byte below 0x20, 0x7f, or any of the code points above.
std::string terminal_text(std::string_view text);

// Like terminal_text(), but a line feed is kept as a line break followed by
// `indent` (and a tab as a tab), for multi-line text such as a command or a
// log excerpt: no line of it starts at the left margin, so it cannot pass for
// a line of the host's own output. `indent` is trusted (it is copied as is).
std::string terminal_text_lines(std::string_view text, std::string_view indent);

// True when terminal_text(text) == text: `text` holds nothing a terminal
// would act on and no byte that is not UTF-8.
bool is_terminal_text(std::string_view text);

}  // namespace rdptriage

#endif  // RDPTRIAGE_TERMINAL_TEXT_H_
