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
  kOther
};

struct Piece {
  Kind kind;
  std::size_t length;  // bytes in the original
};

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

Piece classify(std::string_view text, std::size_t i) {
  const unsigned char c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    if (std::isalnum(c)) return {Kind::kAlnum, 1};
    if (c == '\'') return {Kind::kApostrophe, 1};
    if (std::isspace(c) || c < 0x20 || c == 0x7F) return {Kind::kSpace, 1};
    return {Kind::kPunct, 1};
  }
  std::string_view rest = text.substr(i);
  for (const Sequence& s : kSequences)
    if (rest.starts_with(s.bytes)) return {s.kind, s.bytes.size()};
  // U+2000..U+200A: the typographic spaces.
  if (rest.size() >= 3 && c == 0xE2 && static_cast<unsigned char>(rest[1]) == 0x80 &&
      static_cast<unsigned char>(rest[2]) <= 0x8A)
    return {Kind::kSpace, 3};
  return {Kind::kOther, 1};
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
        b.put(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))), i);
        break;
      case Kind::kApostrophe:
      case Kind::kZeroWidth:
        break;
      case Kind::kOther:
        b.put(text[i], i);
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
