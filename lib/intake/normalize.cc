#include "intake/normalize.h"

#include <cctype>

#include "intake/unicode_fold.h"

namespace rdptriage::internal {
namespace {

enum class Kind {
  kAlnum,
  kApostrophe,
  kQuote,
  kDash,
  kSpace,
  kPunct,
  kIdeograph,  // CJK and kana: each one a word (those scripts put no spaces between words)
  kLetter      // any other letter, digit or mark: part of a word
};

// Typographic apostrophes, quotes and dashes people paste from dialogs,
// mail and chat (NFKC leaves them as they are).
Kind typographic(char32_t cp) {
  switch (cp) {
    case 0x2018:
    case 0x2019:
    case 0x201B:
    case 0x02BC:
      return Kind::kApostrophe;
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x00AB:
    case 0x00BB:
    case 0x2039:
    case 0x203A:
    case 0x300C:  // 「」『』: the quotes of a Japanese dialog
    case 0x300D:
    case 0x300E:
    case 0x300F:
      return Kind::kQuote;
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      return Kind::kDash;
    default:
      return Kind::kLetter;
  }
}

Kind ascii_kind(char32_t c) {
  if (std::isalnum(static_cast<int>(c))) return Kind::kAlnum;
  if (c == '\'') return Kind::kApostrophe;
  if (c == '"') return Kind::kQuote;
  if (c == '-') return Kind::kDash;
  if (std::isspace(static_cast<int>(c)) || c < 0x20 || c == 0x7F) return Kind::kSpace;
  return Kind::kPunct;
}

bool ideograph(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFF);
}

// A folded code point's kind.
Kind kind_of(char32_t cp) {
  if (cp < 0x80) return ascii_kind(cp);
  if (Kind k = typographic(cp); k != Kind::kLetter) return k;
  if (int s = separator_kind(cp); s != 0) return s == 1 ? Kind::kSpace : Kind::kPunct;
  if (ideograph(cp)) return Kind::kIdeograph;
  return Kind::kLetter;
}

// One code point of the paste, folded: what it reads as, and the bytes it
// came from.
struct Folded {
  CodePointFold fold;  // fold.changed false: the code point as pasted
  char32_t cp = 0;
  std::size_t length = 1;  // bytes in the paste (two code points for a composed kana)
  bool composed = false;   // a kana and the voicing mark after it, as one
};

// Reads the code point at text[i] and folds it; a half-width kana followed
// by a half-width voicing mark is composed ("ｶﾞ" -> "ガ").
Folded read_folded(std::string_view text, std::size_t i) {
  Folded f;
  f.cp = decode_utf8(text, i, &f.length);
  if (f.cp < 0x80) return f;
  f.fold = fold_code_point(f.cp);
  const char32_t last = f.fold.changed ? (f.fold.size > 0 ? f.fold.out[f.fold.size - 1] : 0) : f.cp;
  if (last >= 0x3040 && last <= 0x30FF && i + f.length < text.size()) {
    std::size_t n = 0;
    const char32_t next = decode_utf8(text, i + f.length, &n);
    CodePointFold mark = next >= 0x80 ? fold_code_point(next) : CodePointFold{};
    const char32_t m = mark.changed && mark.size == 1 ? mark.out[0] : next;
    if (m == 0x3099 || m == 0x309A) {
      if (char32_t composed = compose_kana(last, m); composed != 0) {
        if (!f.fold.changed) {
          f.fold.changed = true;
          f.fold.size = 1;
        }
        f.fold.compatibility = f.fold.compatibility || mark.compatibility;
        f.fold.out[f.fold.size - 1] = composed;
        f.length += n;
        f.composed = true;
      }
    }
  }
  return f;
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
  void put(std::string_view bytes, std::size_t from) {
    for (char c : bytes) put(c, from);
  }
  void put_utf8(char32_t cp, std::size_t from) {
    scratch_.clear();
    append_utf8(cp, &scratch_);
    put(scratch_, from);
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
  std::string scratch_;
};

// Words view: one folded code point.
void put_word_char(Builder& b, char32_t cp, std::size_t from, std::size_t to) {
  switch (kind_of(cp)) {
    case Kind::kAlnum:
      b.put(static_cast<char>(std::tolower(static_cast<int>(cp))), from);
      break;
    case Kind::kApostrophe:
      break;
    case Kind::kLetter:
      b.put_utf8(cp, from);
      break;
    case Kind::kIdeograph:
      b.space(from);
      b.put_utf8(cp, from);
      b.space(to);
      break;
    default:
      b.space(from);
      break;
  }
}

// Spacing view: one code point as the code patterns see it.
void put_spacing_char(Builder& b, char32_t cp, bool upper, std::size_t from) {
  switch (kind_of(cp)) {
    case Kind::kSpace:
      if (!b.empty()) b.space(from);
      break;
    case Kind::kApostrophe:
      b.put('\'', from);
      break;
    case Kind::kQuote:
      b.put('"', from);
      break;
    case Kind::kDash:
      b.put('-', from);
      break;
    case Kind::kPunct:
      // Ideographic punctuation ("。", "、") ends a sentence or a clause.
      if (cp >= 0x3001 && cp <= 0x3003)
        b.put('.', from);
      else
        b.put_utf8(cp, from);
      break;
    default:
      if (upper && cp < 0x80)
        b.put(static_cast<char>(std::toupper(static_cast<int>(cp))), from);
      else
        b.put_utf8(cp, from);
      break;
  }
}

}  // namespace

NormalizedText normalize_words(std::string_view text) {
  Builder b(text.size());
  b.put(' ', 0);
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      put_word_char(b, c, i, i + 1);
      ++i;
      continue;
    }
    const Folded f = read_folded(text, i);
    if (f.cp == 0xFFFD && f.length == 1) {
      b.put(text[i], i);  // not UTF-8: the byte as it is, part of a word
    } else if (typographic(f.cp) != Kind::kLetter || !f.fold.changed) {
      put_word_char(b, f.cp, i, i + f.length);
    } else {
      for (std::size_t k = 0; k < f.fold.size; ++k)
        put_word_char(b, f.fold.out[k], i, i + f.length);
    }
    i += f.length;
  }
  b.space(text.size());
  return b.finish(text.size());
}

NormalizedText normalize_spacing(std::string_view text) {
  Builder b(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // ASCII is kept as it is, its whitespace collapsed
      if (ascii_kind(c) == Kind::kSpace) {
        if (!b.empty()) b.space(i);
      } else {
        b.put(static_cast<char>(c), i);
      }
      ++i;
      continue;
    }
    const Folded f = read_folded(text, i);
    if (f.cp == 0xFFFD && f.length == 1) {
      b.put(text[i], i);
    } else if (f.fold.changed && (f.fold.compatibility || f.composed) &&
               typographic(f.cp) == Kind::kLetter) {
      // A compatibility form is read as what it stands for ("０ｘ９０４" is
      // 0x904, "：" a colon, a zero-width space nothing); accents and case
      // are kept as pasted.
      for (std::size_t k = 0; k < f.fold.size; ++k)
        put_spacing_char(b, f.fold.out[k], f.fold.upper, i);
    } else {
      put_spacing_char(b, f.cp, false, i);
    }
    i += f.length;
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
