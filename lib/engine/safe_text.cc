#include "engine/safe_text.h"

#include <cstdint>
#include <cstdio>

#include "rdptriage/terminal_text.h"

namespace rdptriage::internal {
namespace {

void hex_byte(unsigned char b, std::string& out) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", b);
  out += buf;
}

void code_point(std::uint32_t cp, std::string& out) {
  char buf[12];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
  out += buf;
}

bool inert_for_terminal(std::uint32_t cp) {
  if (cp >= 0x80 && cp <= 0x9f) return false;  // C1 controls (CSI, OSC, ...)
  if (cp == 0x061c || cp == 0x200e || cp == 0x200f) return false;
  if (cp >= 0x202a && cp <= 0x202e) return false;
  if (cp >= 0x2066 && cp <= 0x2069) return false;
  if (cp == 0x2028 || cp == 0x2029) return false;
  return true;
}

std::string escape(std::string_view text, const std::string_view* indent) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b == '\n' && indent != nullptr) {
        out += '\n';
        out += *indent;
      } else if (b == '\n') {
        out += "\\n";
      } else if (b == '\r') {
        out += "\\r";
      } else if (b == '\t') {
        out += indent != nullptr ? "\t" : "\\t";  // a tab is harmless, but not in a one-line field
      } else if (b < 0x20 || b == 0x7f) {
        hex_byte(b, out);
      } else {
        out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = utf8_sequence(text, i, &cp);
    if (n == 0) {
      hex_byte(b, out);
      ++i;
      continue;
    }
    if (inert_for_terminal(cp))
      out.append(text.substr(i, n));
    else
      code_point(cp, out);
    i += n;
  }
  return out;
}

}  // namespace

std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t* cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t min;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    n = 2;
    *cp = b0 & 0x1f;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    *cp = b0 & 0x0f;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    *cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    *cp = (*cp << 6) | (b & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return n;
}

std::string terminal_safe(std::string_view text) { return escape(text, nullptr); }

std::string terminal_safe_lines(std::string_view text, std::string_view indent) {
  return escape(text, &indent);
}

std::size_t find_terminal_control(std::string_view text, bool allow_lines, std::uint32_t* cp) {
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      const bool line = allow_lines && (b == '\n' || b == '\t');
      if ((b < 0x20 && !line) || b == 0x7f) {
        *cp = b;
        return i;
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(text, i, cp);
    if (n == 0) {
      *cp = kNotUtf8;
      return i;
    }
    if (!inert_for_terminal(*cp)) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string describe_terminal_control(std::uint32_t cp) {
  char buf[40];
  if (cp == kNotUtf8)
    std::snprintf(buf, sizeof buf, "a byte that is not UTF-8");
  else
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace rdptriage::internal

namespace rdptriage {

std::string terminal_text(std::string_view text) { return internal::terminal_safe(text); }

std::string terminal_text_lines(std::string_view text, std::string_view indent) {
  return internal::terminal_safe_lines(text, indent);
}

bool is_terminal_text(std::string_view text) {
  std::uint32_t cp = 0;
  return internal::find_terminal_control(text, false, &cp) == std::string_view::npos;
}

}  // namespace rdptriage
