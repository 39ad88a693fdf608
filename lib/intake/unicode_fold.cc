#include "intake/unicode_fold.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace rdptriage::internal {
namespace {

struct FoldRun {
  char32_t first;
  std::uint16_t count;
  std::uint16_t offset;  // into kFoldPool
  std::uint8_t length;   // bytes
  std::uint8_t flags;
};
constexpr std::uint8_t kCompat = 1, kUpper = 2, kStep = 4;

struct SeparatorRange {
  char32_t first, last;
  std::uint8_t kind;
};

struct KanaComposition {
  char32_t base, mark, composed;
};

#include "intake/unicode_fold_data.inc"

}  // namespace

char32_t decode_utf8(std::string_view text, std::size_t i, std::size_t* length) {
  const auto byte = [&](std::size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  const unsigned c = byte(0);
  *length = 1;
  if (c < 0x80) return c;
  std::size_t n;
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (byte(k) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are invalid.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0xFFFD;
  *length = n;
  return cp;
}

void append_utf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (cp >> 18));
    *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

CodePointFold fold_code_point(char32_t cp) {
  CodePointFold f;
  const auto* end = std::end(kFoldRuns);
  const auto* it = std::upper_bound(std::begin(kFoldRuns), end, cp,
                                    [](char32_t c, const FoldRun& r) { return c < r.first; });
  if (it == std::begin(kFoldRuns)) return f;
  const FoldRun& run = *(it - 1);
  if (cp >= run.first + run.count) return f;
  f.changed = true;
  f.compatibility = (run.flags & kCompat) != 0;
  f.upper = (run.flags & kUpper) != 0;
  const std::string_view bytes(kFoldPool + run.offset, run.length);
  for (std::size_t i = 0; i < bytes.size() && f.size < kMaxFold;) {
    std::size_t n = 0;
    f.out[f.size++] = decode_utf8(bytes, i, &n);
    i += n;
  }
  if ((run.flags & kStep) != 0 && f.size > 0) f.out[f.size - 1] += cp - run.first;
  return f;
}

int separator_kind(char32_t cp) {
  const auto* end = std::end(kSeparatorRanges);
  const auto* it =
      std::upper_bound(std::begin(kSeparatorRanges), end, cp,
                       [](char32_t c, const SeparatorRange& r) { return c < r.first; });
  if (it == std::begin(kSeparatorRanges)) return 0;
  const SeparatorRange& r = *(it - 1);
  return cp <= r.last ? r.kind : 0;
}

char32_t compose_kana(char32_t base, char32_t mark) {
  for (const KanaComposition& k : kKanaCompositions)
    if (k.base == base && k.mark == mark) return k.composed;
  return 0;
}

std::string_view unicode_fold_version() { return kUnicodeVersion; }

}  // namespace rdptriage::internal
