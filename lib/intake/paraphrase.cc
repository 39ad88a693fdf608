#include "intake/paraphrase.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "intake/normalize.h"

namespace rdptriage::internal {
namespace {

// Words that carry little: their absence ("An internal error occurred"
// for "... has occurred") costs a quarter of a word.
constexpr std::array<std::string_view, 40> kFillers = {
    "a",      "an",  "the",   "to",  "of",   "is",   "has",  "have", "had", "been",
    "be",     "was", "were",  "are", "your", "you",  "this", "that", "for", "on",
    "in",     "and", "or",    "it",  "its",  "with", "by",   "at",   "as",  "from",
    "please", "try", "again", "my",  "me",   "we",   "our",  "will", "any", "so"};

// Negations are content and never typo-tolerant: "can" is not "cant".
constexpr std::array<std::string_view, 16> kNegations = {
    "not",  "no",   "cant",  "cannot", "couldnt", "didnt", "doesnt",  "dont",
    "isnt", "wont", "wasnt", "arent",  "unable",  "never", "without", "nor"};

bool is_filler(std::string_view w) {
  return std::find(kFillers.begin(), kFillers.end(), w) != kFillers.end();
}

bool is_negation(std::string_view w) {
  return std::find(kNegations.begin(), kNegations.end(), w) != kNegations.end();
}

std::vector<std::string_view> split_words(std::string_view view,
                                          std::vector<std::size_t>* starts = nullptr) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < view.size()) {
    while (i < view.size() && view[i] == ' ') ++i;
    std::size_t j = i;
    while (j < view.size() && view[j] != ' ') ++j;
    if (j > i) {
      out.push_back(view.substr(i, j - i));
      if (starts != nullptr) starts->push_back(i);
    }
    i = j;
  }
  return out;
}

// The word and every form of it with one letter deleted: as many forms as
// letters, each as long as the word, so callers bound the word's length.
template <typename Fn>
void for_each_near_form(std::string_view word, Fn fn) {
  fn(std::string(word));
  std::string form;
  for (std::size_t i = 0; i < word.size(); ++i) {
    form.assign(word.substr(0, i));
    form.append(word.substr(i + 1));
    fn(form);
  }
}

}  // namespace

bool typo_tolerant(std::string_view word) {
  if (word.size() < 5 || is_negation(word)) return false;
  return std::all_of(word.begin(), word.end(),
                     [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; });
}

void ParaphraseIndex::add(int message, std::string_view phrase) {
  Phrase p;
  p.message = message;
  std::size_t stars = static_cast<std::size_t>(std::count(phrase.begin(), phrase.end(), '*'));
  std::string plain(phrase);
  std::replace(plain.begin(), plain.end(), '*', ' ');
  const std::string view = normalize_message(plain);
  std::size_t content = 0;
  for (std::string_view w : split_words(view)) {
    const bool filler = is_filler(w);
    p.words.emplace_back(w);
    p.content.push_back(!filler);
    p.weight.push_back(filler ? kFillerWeight : 1.0);
    p.total += p.weight.back();
    content += filler ? 0 : 1;
  }
  // Only words in Latin letters (accents folded) and digits: in scripts
  // written without spaces each character is a word, and a window of them
  // matches far too loosely.
  const bool latin = std::all_of(view.begin(), view.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (content < 2 || !latin) return;
  // Room for a few words added or reworded; a "*" stands for up to eight.
  p.span = p.words.size() + (stars > 0 ? 8 * stars : 3);
  const int index = static_cast<int>(phrases_.size());
  for (std::size_t w = 0; w < p.words.size(); ++w) {
    if (!p.content[w]) continue;
    exact_[p.words[w]].emplace_back(index, static_cast<int>(w));
    if (typo_tolerant(p.words[w])) {
      longest_tolerant_ = std::max(longest_tolerant_, p.words[w].size());
      for_each_near_form(p.words[w], [&](std::string form) {
        near_[std::move(form)].emplace_back(index, static_cast<int>(w));
      });
    }
  }
  phrases_.push_back(std::move(p));
}

std::vector<ParaphraseIndex::Found> ParaphraseIndex::find(std::string_view words_view,
                                                          double min_score,
                                                          const std::vector<bool>& skip) const {
  std::vector<Found> out;
  if (phrases_.empty() || min_score > 1.0) return out;
  std::vector<std::size_t> starts;
  const std::vector<std::string_view> words = split_words(words_view, &starts);

  struct Hit {
    std::size_t at;  // word index in the text
    int word;        // word index in the phrase
    double credit;
  };
  std::vector<std::vector<Hit>> hits(phrases_.size());
  auto wanted = [&](int phrase) {
    const int m = phrases_[static_cast<std::size_t>(phrase)].message;
    return m >= 0 &&
           (static_cast<std::size_t>(m) >= skip.size() || !skip[static_cast<std::size_t>(m)]);
  };
  // What each distinct word of the text matches, looked up once: a log
  // repeats its words.
  struct Reading {
    Refs exact, typo;
  };
  std::unordered_map<std::string_view, Reading> seen;
  for (std::size_t k = 0; k < words.size(); ++k) {
    const std::string_view w = words[k];
    auto it = seen.find(w);
    if (it == seen.end()) {
      Reading r;
      const std::string word(w);
      if (auto e = exact_.find(word); e != exact_.end()) r.exact = e->second;
      // A word one typo from a phrase word is at most one letter longer
      // than it: longer words have no near forms worth building (a pasted
      // megabyte-long "word" would otherwise cost its length squared).
      if (w.size() <= longest_tolerant_ + 1 && typo_tolerant(w)) {
        std::set<std::pair<int, int>> refs;
        for_each_near_form(w, [&](const std::string& form) {
          auto n = near_.find(form);
          if (n == near_.end()) return;
          for (const auto& ref : n->second)
            if (phrases_[static_cast<std::size_t>(ref.first)]
                    .words[static_cast<std::size_t>(ref.second)] != w)
              refs.insert(ref);
        });
        r.typo.assign(refs.begin(), refs.end());
      }
      it = seen.emplace(w, std::move(r)).first;
    }
    for (const auto& [phrase, word] : it->second.exact)
      if (wanted(phrase)) hits[static_cast<std::size_t>(phrase)].push_back({k, word, 1.0});
    for (const auto& [phrase, word] : it->second.typo)
      if (wanted(phrase)) hits[static_cast<std::size_t>(phrase)].push_back({k, word, kTypoCredit});
  }

  std::vector<Found> best_of_message;
  for (std::size_t p = 0; p < phrases_.size(); ++p) {
    std::vector<Hit>& h = hits[p];
    if (h.empty()) continue;
    if (h.size() > kMaxHitsPerPhrase) h.erase(h.begin(), h.end() - kMaxHitsPerPhrase);
    const Phrase& phrase = phrases_[p];
    std::vector<double> best(phrase.words.size());
    std::vector<std::size_t> where(phrase.words.size());
    const std::size_t content_words =
        static_cast<std::size_t>(std::count(phrase.content.begin(), phrase.content.end(), true));
    Found found;
    for (std::size_t i = 0; i < h.size(); ++i) {
      std::fill(best.begin(), best.end(), 0.0);
      std::size_t last = h[i].at;
      for (std::size_t j = i; j < h.size() && h[j].at < h[i].at + phrase.span; ++j) {
        const std::size_t w = static_cast<std::size_t>(h[j].word);
        if (h[j].credit > best[w]) {
          best[w] = h[j].credit;
          where[w] = h[j].at;
        }
        last = std::max(last, h[j].at);
      }
      // A short phrase keeps its word order: "refused connection" is not
      // "connection refused" once the rest of the sentence is gone.
      if (content_words <= kOrderedUpTo) {
        std::size_t previous = 0;
        bool ordered = true, first = true;
        for (std::size_t w = 0; w < best.size(); ++w) {
          if (!phrase.content[w] || best[w] <= 0) continue;
          if (!first && where[w] <= previous) ordered = false;
          previous = where[w];
          first = false;
        }
        if (!ordered) continue;
      }
      // Two content words stand together (filler words aside): with a word
      // between them they may say something else ("password certainly
      // expired" is FreeRDP's name for a failed CredSSP exchange).
      if (content_words == 2) {
        std::size_t lo = words.size(), hi = 0;
        for (std::size_t w = 0; w < best.size(); ++w) {
          if (!phrase.content[w] || best[w] <= 0) continue;
          lo = std::min(lo, where[w]);
          hi = std::max(hi, where[w]);
        }
        bool together = true;
        for (std::size_t k = lo + 1; k < hi; ++k) together = together && is_filler(words[k]);
        if (!together) continue;
      }
      double score = 0;
      std::size_t matched = 0, exact = 0;
      for (std::size_t w = 0; w < best.size(); ++w) {
        if (best[w] <= 0) continue;
        score += best[w] * phrase.weight[w];
        ++matched;
        exact += best[w] >= 1.0 ? 1 : 0;
      }
      // A typo is tolerated among three content words or more; in two, one
      // changed word is half the message ("connection reused"), so only in
      // a long word, where one edit leaves seven letters of eight or more
      // ("incorect password"), the other word as written.
      if (exact == 0 || matched < 2) continue;
      if (exact < matched && content_words < 3) {
        bool long_typo = content_words == 2 && matched == 2 && exact == 1;
        for (std::size_t w = 0; w < best.size(); ++w)
          if (best[w] > 0 && best[w] < 1.0 && phrase.words[w].size() < kLongTypoWord)
            long_typo = false;
        if (!long_typo) continue;
      }
      // Filler words count where they stand among the matched ones.
      const std::size_t from = h[i].at > 0 ? h[i].at - 1 : 0;
      const std::size_t to = std::min(words.size(), last + 2);
      for (std::size_t w = 0; w < phrase.words.size(); ++w) {
        if (phrase.content[w]) continue;
        for (std::size_t k = from; k < to; ++k)
          if (words[k] == phrase.words[w]) {
            score += phrase.weight[w];
            break;
          }
      }
      score /= phrase.total;
      if (score + 1e-9 < min_score || score + 1e-9 < found.score) continue;
      found.message = phrase.message;
      found.score = std::min(score, 1.0);
      found.begin = starts[h[i].at];
      found.end = starts[last] + words[last].size();
    }
    if (found.message < 0) continue;
    auto it = std::find_if(best_of_message.begin(), best_of_message.end(),
                           [&](const Found& f) { return f.message == found.message; });
    if (it == best_of_message.end())
      best_of_message.push_back(found);
    else if (found.score > it->score || (found.score == it->score && found.begin > it->begin))
      *it = found;
  }
  return best_of_message;
}

}  // namespace rdptriage::internal
