#include "engine/symptom_matcher.h"

#include <algorithm>
#include <cctype>

namespace rdptriage::internal {

std::string normalize_message(std::string_view text) {
  std::string out = " ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::string_view rest = text.substr(i);
    if (c == '\'' || rest.starts_with("\xE2\x80\x99") || rest.starts_with("\xE2\x80\x98")) {
      if (c != '\'') i += 2;  // skip the rest of the UTF-8 sequence
      continue;
    }
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (c >= 0x80) {
      out += static_cast<char>(c);  // keep other UTF-8 text as is
    } else if (out.back() != ' ') {
      out += ' ';
    }
  }
  if (out.back() != ' ') out += ' ';
  return out;
}

SymptomMatcher::SymptomMatcher(const CompiledRules& rules) {
  for (const Symptom& s : rules.symptoms) {
    for (const std::string& m : s.info.messages) {
      std::string n = normalize_message(m);
      if (n.size() > 2) patterns_.push_back({std::move(n), s.info.id});
    }
  }
  std::stable_sort(patterns_.begin(), patterns_.end(), [](const Pattern& a, const Pattern& b) {
    return a.normalized.size() > b.normalized.size();
  });
}

std::string SymptomMatcher::match(std::string_view text) const {
  std::string n = normalize_message(text);
  for (const Pattern& p : patterns_)
    if (n.find(p.normalized) != std::string::npos) return p.symptom;
  return "unknown";
}

}  // namespace rdptriage::internal
