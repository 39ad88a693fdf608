#include "intake/normalize.h"

#include <array>
#include <cctype>

namespace rdptriage::internal {
namespace {

enum class Kind {
  kAlnum,
  kApostrophe,
  kQuote,
  kDash,
  kSpace,
  kZeroWidth,
  kEllipsis,
  kPunct,
  kIdeograph,  // CJK and kana: each one a word (those scripts put no spaces between words)
  kOther
};

struct Piece {
  Kind kind;
  std::size_t length;      // bytes in the original
  std::string_view ascii;  // kAlnum/kPunct/kApostrophe from a compatibility form: its ASCII
};

// Latin-1 letters U+00C0..U+00FF folded to their base letters (NFKD with the
// marks dropped): people type "securite" for "sécurité", and a dialog's
// "Fehlercode" is matched whatever the accents. "" marks the two signs.
constexpr std::array<std::string_view, 64> kLatin1Fold = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
    "d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// The printable ASCII characters, indexable by code point, for the
// full-width forms U+FF01..U+FF5E (NFKC maps each to ASCII).
constexpr std::string_view kPrintableAscii =
    "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
    "abcdefghijklmnopqrstuvwxyz{|}~";

struct Sequence {
  std::string_view bytes;
  Kind kind;
};

// Typographic characters people paste from dialogs, mail and chat.
constexpr std::array<Sequence, 30> kSequences = {{
    {"\xE2\x80\x98", Kind::kApostrophe}, {"\xE2\x80\x99", Kind::kApostrophe},
    {"\xE2\x80\x9B", Kind::kApostrophe}, {"\xCA\xBC", Kind::kApostrophe},
    {"\xE2\x80\x9C", Kind::kQuote},      {"\xE2\x80\x9D", Kind::kQuote},
    {"\xE2\x80\x9E", Kind::kQuote},      {"\xC2\xAB", Kind::kQuote},
    {"\xC2\xBB", Kind::kQuote},          {"\xE2\x80\xB9", Kind::kQuote},
    {"\xE2\x80\xBA", Kind::kQuote},      {"\xE2\x80\x90", Kind::kDash},
    {"\xE2\x80\x91", Kind::kDash},       {"\xE2\x80\x92", Kind::kDash},
    {"\xE2\x80\x93", Kind::kDash},       {"\xE2\x80\x94", Kind::kDash},
    {"\xE2\x80\x95", Kind::kDash},       {"\xE2\x88\x92", Kind::kDash},
    {"\xC2\xA0", Kind::kSpace},          {"\xE2\x80\xAF", Kind::kSpace},
    {"\xE2\x80\xA8", Kind::kSpace},      {"\xE2\x80\xA9", Kind::kSpace},
    {"\xE3\x80\x80", Kind::kSpace},      {"\xE2\x80\x8B", Kind::kZeroWidth},
    {"\xE2\x80\x8C", Kind::kZeroWidth},  {"\xE2\x80\x8D", Kind::kZeroWidth},
    {"\xE2\x81\xA0", Kind::kZeroWidth},  {"\xEF\xBB\xBF", Kind::kZeroWidth},
    {"\xE2\x80\xA6", Kind::kEllipsis},   {"\xE2\x80\xA2", Kind::kPunct},
}};

Piece ascii_piece(unsigned char c, std::size_t length, std::string_view ascii) {
  if (std::isalnum(c)) return {Kind::kAlnum, length, ascii};
  if (c == '\'') return {Kind::kApostrophe, length, ascii};
  if (c == '"') return {Kind::kQuote, length, ascii};
  if (c == '-') return {Kind::kDash, length, ascii};
  if (std::isspace(c) || c < 0x20 || c == 0x7F) return {Kind::kSpace, length, ascii};
  return {Kind::kPunct, length, ascii};
}

Piece classify(std::string_view text, std::size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    if (std::isalnum(c)) return {Kind::kAlnum, 1, {}};
    if (c == '\'') return {Kind::kApostrophe, 1, {}};
    if (std::isspace(c) || c < 0x20 || c == 0x7F) return {Kind::kSpace, 1, {}};
    return {Kind::kPunct, 1, {}};
  }
  std::string_view rest = text.substr(i);
  for (const Sequence& s : kSequences)
    if (rest.starts_with(s.bytes)) return {s.kind, s.bytes.size(), {}};
  const auto byte = [&](std::size_t k) {
    return k < rest.size() ? static_cast<unsigned char>(rest[k]) : 0u;
  };
  // U+2000..U+200A: the typographic spaces.
  if (c == 0xE2 && byte(1) == 0x80 && byte(2) >= 0x80 && byte(2) <= 0x8A)
    return {Kind::kSpace, 3, {}};
  // U+00C0..U+00FF: Latin-1 letters, folded; x and / signs are punctuation.
  if (c == 0xC3 && byte(1) >= 0x80 && byte(1) <= 0xBF) {
    std::string_view base = kLatin1Fold[byte(1) - 0x80];
    return base.empty() ? Piece{Kind::kPunct, 2, {}} : Piece{Kind::kAlnum, 2, base};
  }
  // U+0152/U+0153: the oe ligature.
  if (c == 0xC5 && (byte(1) == 0x92 || byte(1) == 0x93)) return {Kind::kAlnum, 2, "oe"};
  // U+FF01..U+FF5E: full-width ASCII (a localized dialog's "：" and "０ｘ９０４").
  if (c == 0xEF && (byte(1) == 0xBC || byte(1) == 0xBD) && byte(2) >= 0x80 && byte(2) <= 0xBF) {
    const unsigned cp = 0xF000u | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
    if (cp >= 0xFF01 && cp <= 0xFF5E) {
      const std::size_t k = cp - 0xFF01;
      return ascii_piece(static_cast<unsigned char>(kPrintableAscii[k]), 3,
                         kPrintableAscii.substr(k, 1));
    }
    if (cp == 0xFF61 || cp == 0xFF64) return {Kind::kPunct, 3, {}};  // half-width 。、
  }
  // U+3001..U+3003 and U+3008..U+3011: ideographic punctuation and brackets.
  if (c == 0xE3 && byte(1) == 0x80 &&
      ((byte(2) >= 0x81 && byte(2) <= 0x83) || (byte(2) >= 0x88 && byte(2) <= 0x91)))
    return {byte(2) >= 0x8C && byte(2) <= 0x8F ? Kind::kQuote : Kind::kPunct, 3, {}};
  // U+3040..U+9FFF (kana, CJK) and U+AC00..U+D7AF (Hangul): one word each.
  if (((c >= 0xE3 && c <= 0xE9) || (c >= 0xEA && c <= 0xED)) && (byte(1) & 0xC0) == 0x80 &&
      (byte(2) & 0xC0) == 0x80)
    return {Kind::kIdeograph, 3, {}};
  return {Kind::kOther, 1, {}};
}

class Builder {
 public:
  explicit Builder(std::size_t reserve) {
    out_.text.reserve(reserve + 2);
    out_.origin.reserve(reserve + 3);
  }
  void put(char c, std::size_t from) {
    out_.text += c;
    out_.origin.push_back(static_cast<std::uint32_t>(from));
  }
  void space(std::size_t from) {
    if (out_.text.empty() || out_.text.back() != ' ') put(' ', from);
  }
  bool empty() const { return out_.text.empty(); }
  NormalizedText finish(std::size_t end) {
    out_.origin.push_back(static_cast<std::uint32_t>(end));
    return std::move(out_);
  }
  NormalizedText& raw() { return out_; }

 private:
  NormalizedText out_;
};

}  // namespace

NormalizedText normalize_words(std::string_view text) {
  Builder b(text.size());
  b.put(' ', 0);
  for (std::size_t i = 0; i < text.size();) {
    Piece p = classify(text, i);
    switch (p.kind) {
      case Kind::kAlnum:
        if (p.ascii.empty())
          b.put(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))), i);
        else
          for (char a : p.ascii)
            b.put(static_cast<char>(std::tolower(static_cast<unsigned char>(a))), i);
        break;
      case Kind::kApostrophe:
      case Kind::kZeroWidth:
        break;
      case Kind::kOther:
        b.put(text[i], i);
        break;
      case Kind::kIdeograph:
        b.space(i);
        for (std::size_t k = 0; k < p.length; ++k) b.put(text[i + k], i + k);
        b.space(i + p.length);
        break;
      default:
        b.space(i);
        break;
    }
    i += p.length;
  }
  b.space(text.size());
  return b.finish(text.size());
}

NormalizedText normalize_spacing(std::string_view text) {
  Builder b(text.size());
  for (std::size_t i = 0; i < text.size();) {
    Piece p = classify(text, i);
    switch (p.kind) {
      case Kind::kSpace:
        if (!b.empty()) b.space(i);
        break;
      case Kind::kApostrophe:
        b.put('\'', i);
        break;
      case Kind::kQuote:
        b.put('"', i);
        break;
      case Kind::kDash:
        b.put('-', i);
        break;
      case Kind::kEllipsis:
        for (int k = 0; k < 3; ++k) b.put('.', i);
        break;
      case Kind::kZeroWidth:
        break;
      default:
        if (p.length == 3 && p.ascii.size() == 1)  // full-width ASCII: its ASCII
          b.put(p.ascii[0], i);
        else if (p.kind == Kind::kPunct && p.length == 3)  // ideographic punctuation
          b.put('.', i);
        else
          for (std::size_t k = 0; k < p.length; ++k) b.put(text[i + k], i + k);
        break;
    }
    i += p.length;
  }
  NormalizedText& raw = b.raw();
  if (!raw.text.empty() && raw.text.back() == ' ') {
    raw.text.pop_back();
    raw.origin.pop_back();
  }
  return b.finish(text.size());
}

std::string normalize_message(std::string_view text) { return normalize_words(text).text; }

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace rdptriage::internal
