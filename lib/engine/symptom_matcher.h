// Internal: maps what a client showed to a symptom id. Patterns come from the
// rules data (symptoms[].messages) and are normalized once at construction.
#ifndef RDPTRIAGE_LIB_ENGINE_SYMPTOM_MATCHER_H_
#define RDPTRIAGE_LIB_ENGINE_SYMPTOM_MATCHER_H_

#include <string>
#include <string_view>
#include <vector>

#include "rules/model.h"

namespace rdptriage::internal {

// Lower-cases, drops apostrophes (typographic ones too), and turns every
// other run of non-alphanumeric bytes into one space, padded with spaces:
// "Can’t  connect!" -> " cant connect ".
std::string normalize_message(std::string_view text);

class SymptomMatcher {
 public:
  explicit SymptomMatcher(const CompiledRules& rules);
  // The symptom whose longest pattern occurs in `text`; "unknown" if none.
  std::string match(std::string_view text) const;

 private:
  struct Pattern {
    std::string normalized;
    std::string symptom;
  };
  std::vector<Pattern> patterns_;  // longest first
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_SYMPTOM_MATCHER_H_
