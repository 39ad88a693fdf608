// Internal: tolerant matching of message phrases, for what people retype
// rather than paste ("An internal error occured", "Incorrect user name or
// password"). A phrase is found when enough of its words stand within a few
// words of each other in the text (in any order when the phrase is longer
// than kOrderedUpTo content words), content words allowed one typo. Runs on the words view
// (normalize.h) and reports a score, so a caller can keep what reaches its threshold and leave the
// rest unknown.
#ifndef RDPTRIAGE_LIB_INTAKE_PARAPHRASE_H_
#define RDPTRIAGE_LIB_INTAKE_PARAPHRASE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rdptriage::internal {

// Weights of the score: a content word found as written counts 1, one typo
// away (one letter added, dropped, changed or two swapped; words of five
// letters or more, in phrases of three content words or more, or of
// kLongTypoWord letters or more in a phrase of two) counts
// kTypoCredit, a filler word ("the", "has")
// kFillerWeight. Negations ("not", "cant") are content and never fuzzy.
inline constexpr double kTypoCredit = 0.8;
inline constexpr double kFillerWeight = 0.25;
// Phrases of this many content words or fewer must keep their word order;
// the two words of a two-content-word phrase must stand together (only
// filler words between them).
inline constexpr std::size_t kOrderedUpTo = 3;
// In a phrase of two content words, a typo is tolerated only in a word of
// this many letters or more.
inline constexpr std::size_t kLongTypoWord = 8;

class ParaphraseIndex {
 public:
  struct Found {
    int message = -1;
    double score = 0;
    std::size_t begin = 0, end = 0;  // the words matched, offsets in the words view
  };

  // Adds a phrase of message `message` as the rules write it ("*" stands for
  // up to eight words). Phrases with fewer than two content words are not
  // matched tolerantly (one word is too little to go on).
  void add(int message, std::string_view phrase);

  // For each message not in `skip` (indexed by message), its best match in
  // `words_view` (a normalize_words() text) whose score reaches `min_score`;
  // at equal score the latest. Work is bounded by kMaxHitsPerPhrase word
  // hits per phrase (the last ones count: a log ends with its error).
  std::vector<Found> find(std::string_view words_view, double min_score,
                          const std::vector<bool>& skip) const;

  std::size_t phrase_count() const { return phrases_.size(); }

  static constexpr std::size_t kMaxHitsPerPhrase = 20000;

 private:
  struct Phrase {
    int message = -1;
    std::vector<std::string> words;
    std::vector<double> weight;
    std::vector<bool> content;
    double total = 0;
    std::size_t span = 0;  // words a match may spread over
  };
  using Refs = std::vector<std::pair<int, int>>;  // phrase, word

  std::vector<Phrase> phrases_;
  std::unordered_map<std::string, Refs> exact_;  // content words
  std::unordered_map<std::string, Refs> near_;   // typo-able words and their one-letter deletions
  std::size_t longest_tolerant_ = 0;             // letters in the longest typo-able phrase word
};

// True for words that may match with one typo: five letters or more, letters
// only, not a negation.
bool typo_tolerant(std::string_view word);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_INTAKE_PARAPHRASE_H_
