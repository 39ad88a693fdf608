#include "intake/client_error_reader.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <tuple>

#include "intake/normalize.h"

namespace rdptriage::internal {
namespace {

constexpr std::size_t kMaxOccurrencesPerPattern = 100000;
constexpr std::size_t kExcerptBytes = 160;
constexpr const char* kWildcard = "(?: [^ ]+){0,8}";

std::string hex_of(std::uint64_t v) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  do {
    out.insert(out.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  return "0x" + out;
}

// The pasted words of [begin, end), whitespace collapsed, cut at a UTF-8
// boundary.
std::string excerpt_of(std::string_view text, std::size_t begin, std::size_t end) {
  end = std::min(end, text.size());
  // A match read on the normalized text ends on the first byte of a
  // character that was wider in the paste (a full-width digit): take the
  // whole character.
  auto continuation = [&](std::size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  while (continuation(end)) ++end;
  while (begin > 0 && begin < end && continuation(begin)) --begin;
  std::string out = normalize_spacing(text.substr(begin, end - begin)).text;
  if (out.size() > kExcerptBytes) {
    std::size_t cut = kExcerptBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

}  // namespace

bool parse_code_number(std::string_view s, int radix, std::uint64_t* out) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    radix = 16;
  }
  if (s.empty() || s.size() > (radix == 16 ? 16u : 19u)) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (radix == 16 && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (radix == 16 && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    v = v * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(d);
  }
  *out = v;
  return true;
}

RE2::Options intake_re2_options(std::size_t max_mem, bool case_sensitive) {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_max_mem(static_cast<int64_t>(max_mem));
  o.set_case_sensitive(case_sensitive);
  return o;
}

std::string phrase_regex(std::string_view phrase) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (true) {
    std::size_t star = phrase.find('*', start);
    std::string_view seg = phrase.substr(
        start, star == std::string_view::npos ? std::string_view::npos : star - start);
    segments.push_back(normalize_message(seg));
    if (star == std::string_view::npos) break;
    start = star + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    std::string& s = segments[i];
    if (s.size() < 3) return "";                // " " only: no words (or "*" at an end, or "* *")
    if (i + 1 < segments.size()) s.pop_back();  // the wildcard brings its own spaces
    if (i > 0) out += kWildcard;
    out += RE2::QuoteMeta(s);
  }
  return out;
}

struct ClientErrorReader::Hit {
  int table = -1;                            // code table (also set for a listed code)
  int code = -1;                             // code index in the table; -1 unlisted
  int message = -1;                          // message index
  std::string unlisted;                      // the code as written, when unlisted
  std::size_t start = 0, end = 0;            // the whole match, original offsets
  std::size_t code_start = 0, code_end = 0;  // the code itself (code patterns)
  int priority = 0;
  bool last_wins = false;
  double score = 1.0;  // below 1: a paraphrase of the message
};

struct ClientErrorReader::Item {
  Hit hit;  // the occurrence that counts: highest priority, latest
  int occurrences = 0;
};

ClientErrorReader::ClientErrorReader(IntakeRules rules, IntakeContext context, std::size_t max_mem,
                                     std::size_t max_dfa_mem)
    : rules_(std::move(rules)),
      context_(std::move(context)),
      max_mem_(max_mem),
      max_dfa_mem_(max_dfa_mem) {}

namespace {

// A phrase or a code name compiles to about one instruction per character
// of its regex (they are quoted literals and word gaps).
std::size_t literal_units(std::size_t regex_chars) { return regex_chars + 8; }

}  // namespace

std::size_t ClientErrorReader::pattern_share(std::size_t units, std::size_t total_units,
                                             std::size_t max_mem, std::size_t max_dfa_mem) {
  // What RE2 needs to compile `units` instructions, forward and reverse,
  // with room for a few DFA states (its budget: 2/3 forward, 1/3 reverse,
  // 16 bytes an instruction with its bookkeeping).
  const std::size_t need = 64 * units + (16u << 10);
  const double part =
      total_units == 0 ? 1.0 : static_cast<double>(units) / static_cast<double>(total_units);
  std::size_t share = static_cast<std::size_t>(part * static_cast<double>(max_dfa_mem));
  share = std::max(share, need);
  return max_mem == 0 ? share : std::min(share, max_mem);
}

std::size_t ClientErrorReader::total_units() const {
  std::size_t total = 0;
  for (const MessageEntry& m : rules_.messages)
    for (const std::string& p : m.info.phrases) total += literal_units(phrase_regex(p).size());
  for (const CodeTable& t : rules_.tables) {
    for (const ClientCodeInfo& code : t.info.codes) {
      if (!code.name.empty()) total += literal_units(code.name.size() + 40);
      for (const std::string& a : code.aliases) total += literal_units(a.size() + 40);
    }
    for (const CodePattern& p : t.patterns)
      total += p.program_size > 0 ? p.program_size : literal_units(p.regex.size());
  }
  return total;
}

StatusOr<std::shared_ptr<const ClientErrorReader>> ClientErrorReader::build(
    IntakeRules rules, IntakeContext context, std::size_t max_mem, std::size_t max_dfa_mem) {
  std::shared_ptr<ClientErrorReader> r(
      new ClientErrorReader(std::move(rules), std::move(context), max_mem, max_dfa_mem));
  r->total_units_ = r->total_units();
  Status s = r->compile();
  if (!s.ok()) return s;
  return std::shared_ptr<const ClientErrorReader>(std::move(r));
}

Status ClientErrorReader::compile() {
  const RE2::Options words = intake_re2_options(max_mem_, true);
  const RE2::Options spacing = intake_re2_options(max_mem_, false);
  phrase_set_ = std::make_unique<RE2::Set>(words, RE2::UNANCHORED);
  code_set_ = std::make_unique<RE2::Set>(spacing, RE2::UNANCHORED);
  auto add_phrase = [&](const std::string& regex, int message, const std::string& what) -> Status {
    std::string error;
    auto re =
        std::make_unique<RE2>(regex, intake_re2_options(share(literal_units(regex.size())), true));
    if (regex.empty() || !re->ok() || phrase_set_->Add(regex, &error) < 0)
      return Status(ErrorCode::kValidationError, "cannot compile " + what + ": " + error);
    phrases_.push_back(std::move(re));
    phrase_owners_.push_back(message);
    return Status();
  };
  for (std::size_t m = 0; m < rules_.messages.size(); ++m) {
    for (const std::string& p : rules_.messages[m].info.phrases) {
      Status s = add_phrase(phrase_regex(p), static_cast<int>(m),
                            "phrase \"" + p + "\" of " + rules_.messages[m].info.id);
      if (!s.ok()) return s;
      paraphrases_.add(static_cast<int>(m), p);
    }
  }
  for (std::size_t t = 0; t < rules_.tables.size(); ++t) {
    const CodeTable& table = rules_.tables[t];
    for (std::size_t c = 0; c < table.info.codes.size(); ++c) {
      const ClientCodeInfo& code = table.info.codes[c];
      std::vector<std::string> names = code.aliases;
      if (!code.name.empty()) names.insert(names.begin(), code.name);
      for (const std::string& name : names) {
        names_.emplace(ascii_lower(name), std::make_pair(static_cast<int>(t), static_cast<int>(c)));
        // A name is a whole identifier: XF_EXIT_CONN_DENIED is not inside
        // XF_EXIT_CONN_DENIED_FIPS.
        Status s = add_code_pattern(
            "(?:^|[^a-z0-9_])(?P<code>" + RE2::QuoteMeta(name) + ")(?:[^a-z0-9_]|$)",
            static_cast<int>(t), -1, static_cast<int>(c));
        if (!s.ok()) return s;
      }
    }
    for (std::size_t p = 0; p < table.patterns.size(); ++p) {
      Status s =
          add_code_pattern(table.patterns[p].regex, static_cast<int>(t), static_cast<int>(p), -1);
      if (!s.ok()) return s;
    }
  }
  if ((!phrases_.empty() && !phrase_set_->Compile()) ||
      (!code_patterns_.empty() && !code_set_->Compile()))
    return Status(ErrorCode::kLimitExceeded,
                  "the client-error patterns do not fit in client_pattern_max_mem (" +
                      std::to_string(max_mem_) + " bytes)");
  return Status();
}

Status ClientErrorReader::add_code_pattern(const std::string& regex, int table, int pattern,
                                           int code) {
  const std::string what = (pattern >= 0 ? "pattern " + std::to_string(pattern) : "a code name") +
                           " of " + rules_.tables[static_cast<std::size_t>(table)].info.id;
  const CodeTable& owner = rules_.tables[static_cast<std::size_t>(table)];
  const std::size_t units =
      pattern >= 0 && owner.patterns[static_cast<std::size_t>(pattern)].program_size > 0
          ? owner.patterns[static_cast<std::size_t>(pattern)].program_size
          : literal_units(regex.size());
  const std::size_t budget = share(units);
  auto re = std::make_unique<RE2>(regex, intake_re2_options(budget, false));
  std::string error;
  if (!re->ok() && re->error_code() == RE2::ErrorPatternTooLarge)
    return Status(ErrorCode::kLimitExceeded,
                  owner.info.file + ": " + what + " does not compile within its share (" +
                      std::to_string(budget) + " bytes) of max_client_dfa_mem (" +
                      std::to_string(max_dfa_mem_) + " bytes)");
  if (!re->ok() || code_set_->Add(regex, &error) < 0)
    return Status(ErrorCode::kValidationError,
                  "cannot compile " + what + ": " + (re->ok() ? error : re->error()));
  auto group = re->NamedCapturingGroups().find("code");
  if (group == re->NamedCapturingGroups().end())
    return Status(ErrorCode::kValidationError, what + " has no (?P<code>...) group");
  pattern_owners_.push_back({table, pattern, group->second, code});
  code_patterns_.push_back(std::move(re));
  return Status();
}

namespace {

// [begin, end) pieces of at most `piece` bytes covering `text`, cut after a
// space where one is near the end of a piece.
std::vector<std::pair<std::size_t, std::size_t>> pieces_of(std::string_view text,
                                                           std::size_t piece) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(text.size(), at + piece);
    if (end < text.size()) {
      const std::size_t space = text.rfind(' ', end - 1);
      if (space != std::string_view::npos && space > at + piece / 2) end = space + 1;
    }
    out.emplace_back(at, end);
    at = end;
  }
  return out;
}

}  // namespace

ClientErrorReader::Matching ClientErrorReader::matching(const RE2::Set& set, std::size_t size,
                                                        std::string_view text) {
  Matching out;
  if (size == 0) return out;  // an empty set is never compiled
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (set.Match(re2::StringPiece(text.data(), text.size()), &out.patterns, &info) ||
      info.kind == RE2::Set::kNoError)
    return out;
  // The set's DFA ran out of memory on this text: scan it in pieces, whose
  // DFA states are bounded by their length.
  out.patterns.clear();
  out.pieces = pieces_of(text, kScanPiece);
  std::set<int> found;
  for (const auto& [begin, end] : out.pieces) {
    std::vector<int> here;
    RE2::Set::ErrorInfo piece_info{RE2::Set::kNoError};
    set.Match(re2::StringPiece(text.data() + begin, end - begin), &here, &piece_info);
    found.insert(here.begin(), here.end());
  }
  out.patterns.assign(found.begin(), found.end());
  return out;
}

// Every match of `re` in `text` from `pos` on, as Match() finds them (with
// `groups` capture slots), piece by piece when `pieces` is not empty; `fn`
// gets the groups and returns where to resume.
template <typename Fn>
void for_each_match(const RE2& re, std::string_view text,
                    const std::vector<std::pair<std::size_t, std::size_t>>& pieces,
                    std::vector<re2::StringPiece>* groups, std::size_t max_matches, Fn fn) {
  const re2::StringPiece sp(text.data(), text.size());
  std::vector<std::pair<std::size_t, std::size_t>> whole{{0, text.size()}};
  std::size_t found = 0;
  for (const auto& [begin, end] : pieces.empty() ? whole : pieces) {
    std::size_t pos = begin;
    while (
        pos <= end && found++ < max_matches &&
        re.Match(sp, pos, end, RE2::UNANCHORED, groups->data(), static_cast<int>(groups->size()))) {
      const std::size_t next = fn(*groups);
      if (next <= pos) break;
      pos = next;
    }
  }
}

void ClientErrorReader::scan_phrases(std::string_view text, const ClientErrorOptions& options,
                                     std::vector<Hit>* hits) const {
  const NormalizedText view = normalize_words(text);
  const Matching found = matching(*phrase_set_, phrases_.size(), view.text);
  std::vector<bool> exact(rules_.messages.size(), false);
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // of exact matches, in the view
  for (int index : found.patterns) {
    const int owner = phrase_owners_[static_cast<std::size_t>(index)];
    const MessageEntry& msg = rules_.messages[static_cast<std::size_t>(owner)];
    std::vector<re2::StringPiece> groups(1);
    for_each_match(*phrases_[static_cast<std::size_t>(index)], view.text, found.pieces, &groups,
                   kMaxOccurrencesPerPattern, [&](const std::vector<re2::StringPiece>& g) {
                     const std::size_t s = static_cast<std::size_t>(g[0].data() - view.text.data());
                     const std::size_t e = s + g[0].size();
                     Hit h;
                     // Phrases start and end on the padding spaces around their words.
                     h.start = view.origin[s + 1];
                     h.end = view.origin[e - 2] + 1;
                     h.code_start = h.start;
                     h.code_end = h.end;
                     h.message = owner;
                     h.priority = msg.priority;
                     h.last_wins = msg.last_wins;
                     hits->push_back(std::move(h));
                     exact[static_cast<std::size_t>(owner)] = true;
                     spans.emplace_back(s, e);
                     return e - 1;  // the trailing space may open the next occurrence
                   });
  }
  // What no phrase matched as written may still be a paraphrase of one.
  for (const ParaphraseIndex::Found& f :
       paraphrases_.find(view.text, options.min_paraphrase_score, exact)) {
    // Words a listed phrase already explains are not read again as a
    // paraphrase of another message ("Remote Desktop can't connect to the
    // remote computer" is not "This computer can't connect ...").
    if (std::any_of(spans.begin(), spans.end(),
                    [&](const auto& sp) { return f.begin < sp.second && sp.first < f.end; }))
      continue;
    const MessageEntry& msg = rules_.messages[static_cast<std::size_t>(f.message)];
    Hit h;
    h.start = view.origin[f.begin];
    h.end = view.origin[f.end - 1] + 1;
    h.code_start = h.start;
    h.code_end = h.end;
    h.message = f.message;
    h.priority = msg.priority;
    h.last_wins = msg.last_wins;
    h.score = f.score;
    hits->push_back(std::move(h));
  }
}

void ClientErrorReader::scan_codes(std::string_view text, std::vector<Hit>* hits) const {
  const NormalizedText view = normalize_spacing(text);
  std::vector<Hit> found_hits;
  const Matching found = matching(*code_set_, code_patterns_.size(), view.text);
  for (int index : found.patterns) {
    const PatternOwner& owner = pattern_owners_[static_cast<std::size_t>(index)];
    const RE2& re = *code_patterns_[static_cast<std::size_t>(index)];
    const CodeTable& table = rules_.tables[static_cast<std::size_t>(owner.table)];
    const bool by_name = owner.pattern < 0;
    const CodePattern* pattern =
        by_name ? nullptr : &table.patterns[static_cast<std::size_t>(owner.pattern)];
    std::vector<re2::StringPiece> groups(static_cast<std::size_t>(owner.code_group) + 1);
    for_each_match(re, view.text, found.pieces, &groups, kMaxOccurrencesPerPattern,
                   [&](const std::vector<re2::StringPiece>& g) -> std::size_t {
                     const re2::StringPiece& all = g[0];
                     const re2::StringPiece& cap = g.back();
                     const std::size_t s = static_cast<std::size_t>(all.data() - view.text.data());
                     const std::size_t e = s + all.size();
                     if (cap.data() == nullptr || cap.empty()) return std::max(e, s + 1);
                     const std::size_t cs = static_cast<std::size_t>(cap.data() - view.text.data());
                     const std::size_t ce = cs + cap.size();
                     Hit h;
                     h.start = view.origin[s];
                     h.end = view.origin[e - 1] + 1;
                     h.code_start = view.origin[cs];
                     h.code_end = view.origin[ce - 1] + 1;
                     h.priority = by_name ? table.priority : pattern->priority;
                     h.last_wins = !by_name && pattern->last_wins;
                     h.table = owner.table;
                     const std::string_view code(cap.data(), cap.size());
                     std::uint64_t value = 0;
                     if (by_name) {
                       h.code = owner.code;
                     } else if (parse_code_number(code, pattern->radix, &value)) {
                       auto it = table.by_value.find(value);
                       if (it != table.by_value.end())
                         h.code = it->second;
                       else
                         h.unlisted = hex_of(value);
                     } else if (auto it = names_.find(ascii_lower(code)); it != names_.end()) {
                       h.table = it->second.first;  // a captured name may belong to another table
                       h.code = it->second.second;
                     } else {
                       h.unlisted = std::string(code);
                     }
                     found_hits.push_back(std::move(h));
                     // Resume after the code, not the match: what closes one match (a
                     // separator) may open the next.
                     return std::max(ce, s + 1);
                   });
  }
  // One code in the text is one code: of the patterns that captured the
  // same span, the longest match explains it ("Extended error code: 0x7" is
  // an extended reason, not an "error code"); at equal length a listed code
  // beats an unlisted reading of the same digits.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<Hit>> by_span;
  for (Hit& h : found_hits) by_span[{h.code_start, h.code_end}].push_back(std::move(h));
  for (auto& [span, group] : by_span) {
    std::size_t longest = 0;
    bool any_listed = false;
    for (const Hit& h : group) longest = std::max(longest, h.end - h.start);
    for (const Hit& h : group)
      if (h.end - h.start == longest && h.code >= 0) any_listed = true;
    for (Hit& h : group)
      if (h.end - h.start == longest && (h.code >= 0 || !any_listed)) hits->push_back(std::move(h));
  }
}

const IntakeOutcome* ClientErrorReader::outcome_of(const Item& item) const {
  const Hit& h = item.hit;
  if (h.message >= 0) {
    const MessageEntry& msg = rules_.messages[static_cast<std::size_t>(h.message)];
    return h.score < 1.0 ? &msg.paraphrase : &msg.outcome;
  }
  if (h.code >= 0)
    return &rules_.tables[static_cast<std::size_t>(h.table)]
                .outcomes[static_cast<std::size_t>(h.code)];
  return nullptr;
}

ClientErrorMatch ClientErrorReader::describe(const Item& item, std::string_view text,
                                             const std::vector<std::size_t>& newlines) const {
  const Hit& h = item.hit;
  ClientErrorMatch m;
  if (h.message >= 0) {
    const MessageEntry& msg = rules_.messages[static_cast<std::size_t>(h.message)];
    m.source = msg.info.id;
    m.source_title = msg.info.phrases.empty() ? "" : msg.info.phrases.front();
    m.meaning = msg.info.meaning;
    m.underlying = msg.underlying;
    m.score = h.score;
  } else {
    const CodeTable& table = rules_.tables[static_cast<std::size_t>(h.table)];
    m.source = table.info.id;
    m.source_title = table.info.title;
    if (h.code >= 0) {
      const ClientCodeInfo& code = table.info.codes[static_cast<std::size_t>(h.code)];
      m.code = code.code;
      m.name = code.name;
      m.meaning = code.meaning;
    } else {
      m.code = h.unlisted;
      m.listed = false;
      m.meaning = "Not a code this table lists.";
    }
  }
  if (const IntakeOutcome* o = outcome_of(item)) {
    m.symptom = o->symptom;
    m.cause = o->cause;
    for (const auto& [probe, value] : o->observe)
      m.observations.emplace_back(context_.probe_ids[static_cast<std::size_t>(probe)], value);
  }
  m.excerpt = excerpt_of(text, h.start, h.end);
  m.offset = h.code_start;
  m.line = static_cast<int>(std::upper_bound(newlines.begin(), newlines.end(), h.code_start) -
                            newlines.begin()) +
           1;
  m.priority = h.priority;
  m.occurrences = item.occurrences;
  return m;
}

ClientErrorReading ClientErrorReader::read(std::string_view text,
                                           const ClientErrorOptions& options) const {
  ClientErrorReading out;
  out.bytes = text.size();
  std::vector<Hit> hits;
  scan_phrases(text, options, &hits);
  scan_codes(text, &hits);
  if (hits.empty()) return out;

  std::vector<std::size_t> newlines;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') newlines.push_back(i);
  auto line_of = [&](std::size_t offset) {
    return static_cast<int>(std::upper_bound(newlines.begin(), newlines.end(), offset) -
                            newlines.begin()) +
           1;
  };

  // Repeats of one thing are one item: the occurrence that counts is the
  // highest-priority one, latest in the text; it occurs once per line it
  // is on (a log line names its error twice: by name and by number).
  using Key = std::tuple<int, int, int, std::string>;
  std::map<Key, Item> merged;
  std::map<Key, std::set<int>> lines;
  for (Hit& h : hits) {
    const Key key{h.message, h.table, h.code, h.unlisted};
    lines[key].insert(line_of(h.code_start));
    Item& item = merged[key];
    if (item.occurrences == 0 || h.priority > item.hit.priority ||
        (h.priority == item.hit.priority && h.code_start >= item.hit.code_start))
      item.hit = std::move(h);
    item.occurrences = static_cast<int>(lines[key].size());
  }
  std::vector<Item> items;
  for (auto& [key, item] : merged) items.push_back(std::move(item));
  if (items.size() > options.max_matches) {
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return std::tie(a.hit.priority, a.hit.code_start) >
             std::tie(b.hit.priority, b.hit.code_start);
    });
    out.notes.push_back(std::to_string(items.size() - options.max_matches) +
                        " further things recognised were dropped (max_matches " +
                        std::to_string(options.max_matches) + ")");
    items.resize(options.max_matches);
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.hit.code_start < b.hit.code_start;
  });

  std::vector<bool> decisive(items.size(), false);
  decide(items, &out, &decisive);

  for (std::size_t i = 0; i < items.size(); ++i) {
    out.matches.push_back(describe(items[i], text, newlines));
    out.matches.back().decisive = decisive[i];
  }
  return out;
}

void ClientErrorReader::decide(const std::vector<Item>& items, ClientErrorReading* out,
                               std::vector<bool>* decisive) const {
  auto label = [&](std::size_t i) {
    const Hit& h = items[i].hit;
    if (h.message >= 0) return rules_.messages[static_cast<std::size_t>(h.message)].info.id;
    const CodeTable& t = rules_.tables[static_cast<std::size_t>(h.table)];
    return t.info.id + " " +
           (h.code >= 0 ? t.info.codes[static_cast<std::size_t>(h.code)].code : h.unlisted);
  };
  // Among the items for which `value` gives something, those of the highest
  // priority; returns the index that decides, or -1 (with `conflict` set
  // when they disagree and nothing settles it).
  auto pick = [&](auto value, auto broader, bool* conflict) -> int {
    *conflict = false;
    int top = -1;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!value(i).empty()) top = std::max(top, items[i].hit.priority);
    if (top < 0) return -1;
    std::vector<std::size_t> tied;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!value(i).empty() && items[i].hit.priority == top) tied.push_back(i);
    auto latest = [&](bool only_last_wins) {
      int best = -1;
      for (std::size_t i : tied)
        if ((!only_last_wins || items[i].hit.last_wins) &&
            (best < 0 ||
             items[i].hit.code_start >= items[static_cast<std::size_t>(best)].hit.code_start))
          best = static_cast<int>(i);
      return best;
    };
    bool agree = std::all_of(tied.begin(), tied.end(),
                             [&](std::size_t i) { return value(i) == value(tied.front()); });
    if (agree) return latest(false);
    if (int last = latest(true); last >= 0) return last;
    for (std::size_t i : tied) {
      if (std::all_of(tied.begin(), tied.end(), [&](std::size_t j) { return broader(i, j); }))
        return static_cast<int>(i);
    }
    *conflict = true;
    return -1;
  };
  auto describe_tie = [&](auto value, const char* what) {
    std::string list;
    int top = -1;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!value(i).empty()) top = std::max(top, items[i].hit.priority);
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!value(i).empty() && items[i].hit.priority == top)
        list += (list.empty() ? "" : ", ") + label(i) + " -> " + value(i);
    return std::string("the text points to different ") + what + " (" + list + ")";
  };
  auto no_broader = [](std::size_t, std::size_t) { return false; };

  // The symptom.
  auto symptom_of = [&](std::size_t i) -> std::string {
    const IntakeOutcome* o = outcome_of(items[i]);
    return o ? o->symptom : std::string();
  };
  auto covers = [&](std::size_t i, std::size_t j) {
    auto a = context_.symptom_causes.find(symptom_of(i));
    auto b = context_.symptom_causes.find(symptom_of(j));
    if (a == context_.symptom_causes.end() || b == context_.symptom_causes.end()) return false;
    return std::includes(a->second.begin(), a->second.end(), b->second.begin(), b->second.end());
  };
  bool conflict = false;
  bool widened = false;    // the symptom covers readings that disagreed
  bool disagreed = false;  // lesser evidence points elsewhere; the symptom stands
  int chosen = pick(symptom_of, covers, &conflict);
  if (conflict) {
    // Equal evidence, different symptoms, none covering the others: the
    // narrowest symptom that covers them all, never one of them.
    int top = -1;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!symptom_of(i).empty()) top = std::max(top, items[i].hit.priority);
    std::vector<std::string> tied;
    for (std::size_t i = 0; i < items.size(); ++i)
      if (!symptom_of(i).empty() && items[i].hit.priority == top) tied.push_back(symptom_of(i));
    out->symptom = covering(tied);
    widened = true;
    out->notes.push_back(describe_tie(symptom_of, "symptoms") +
                         "; none covers the others, so the reading widens to " + out->symptom);
  } else if (chosen >= 0) {
    out->symptom = symptom_of(static_cast<std::size_t>(chosen));
    (*decisive)[static_cast<std::size_t>(chosen)] = true;
    // Lesser evidence that shows a narrower symptom within the chosen one
    // refines it ("connection refused" within a FreeRDP connect failure).
    // Evidence as strong as the decider's cannot: where it disagreed, the
    // broadest symptom was the safe choice.
    const int decider = items[static_cast<std::size_t>(chosen)].hit.priority;
    for (std::size_t depth = 0; depth < items.size(); ++depth) {
      auto narrower = [&](std::size_t i) -> std::string {
        if (items[i].hit.priority >= decider) return {};
        std::string s = symptom_of(i);
        auto up = context_.broader.find(s);
        if (s.empty() || up == context_.broader.end() || !up->second.count(out->symptom)) return {};
        return s;
      };
      bool tie = false;
      int refined = pick(narrower, covers, &tie);
      if (tie)
        out->notes.push_back(describe_tie(narrower, "narrower symptoms") + "; kept " +
                             out->symptom);
      if (tie || refined < 0) break;
      const std::size_t r = static_cast<std::size_t>(refined);
      out->notes.push_back(label(r) + " narrows " + out->symptom + " to " + narrower(r));
      out->symptom = narrower(r);
      (*decisive)[r] = true;
    }
    const auto up = context_.broader.find(out->symptom);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string s = symptom_of(i);
      if (s.empty() || s == out->symptom || (up != context_.broader.end() && up->second.count(s)))
        continue;
      out->notes.push_back(label(i) + " points to " + s + "; " +
                           label(static_cast<std::size_t>(chosen)) + " decides (" + out->symptom +
                           ")");
      // Lesser evidence that is neither within the decided symptom nor
      // broader than it is another reading of the text: the symptom stands
      // (the stronger evidence decides it), the leading cause does not.
      // (Lines of the decider's own priority were settled above: a log's
      // earlier errors are superseded by its last, by design.)
      const auto s_up = context_.broader.find(s);
      if (items[i].hit.priority < decider &&
          (s_up == context_.broader.end() || !s_up->second.count(out->symptom)))
        disagreed = true;
    }
    // A transport, TLS-alert or proxy line is never outvoted by the error
    // it explains (FreeRDP names a CredSSP failure PASSWORD_CERTAINLY_EXPIRED):
    // where they disagree, widen rather than pick.
    for (std::size_t i = 0; i < items.size(); ++i) {
      const Hit& h = items[i].hit;
      if (h.message < 0 || !rules_.messages[static_cast<std::size_t>(h.message)].underlying)
        continue;
      const std::string s = symptom_of(i);
      if (s.empty() || s == out->symptom || out->symptom == "unknown") continue;
      const auto s_up = context_.broader.find(s);
      const auto d_up = context_.broader.find(out->symptom);
      if ((s_up != context_.broader.end() && s_up->second.count(out->symptom)) ||
          (d_up != context_.broader.end() && d_up->second.count(s)))
        continue;
      const std::string was = out->symptom;
      // Where no declared symptom covers both, only "unknown" does: every
      // cause stays a candidate rather than the error's reading standing
      // (a reset after ERRCONNECT_PASSWORD_EXPIRED is not a password).
      out->symptom = covering({was, s});
      widened = true;
      (*decisive)[i] = true;
      out->notes.push_back(label(i) + " (a line that explains the error) points to " + s +
                           ", the error itself to " + was + "; the reading widens to " +
                           out->symptom +
                           (out->symptom == "unknown" ? " (no declared symptom covers both)" : ""));
    }
  }

  // The leading cause: only one that explains the symptom.
  const auto cands = context_.symptom_causes.find(out->symptom);
  auto cause_of = [&](std::size_t i) -> std::string {
    const IntakeOutcome* o = outcome_of(items[i]);
    if (o == nullptr || o->cause.empty() || cands == context_.symptom_causes.end()) return {};
    auto index = context_.cause_index.find(o->cause);
    if (index == context_.cause_index.end() ||
        !std::binary_search(cands->second.begin(), cands->second.end(), index->second))
      return {};
    return o->cause;
  };
  int lead = pick(cause_of, no_broader, &conflict);
  if (conflict)
    out->notes.push_back(describe_tie(cause_of, "causes") + "; no leading cause is named");
  else if (lead >= 0 && (widened || disagreed))
    out->notes.push_back(label(static_cast<std::size_t>(lead)) + " names " +
                         cause_of(static_cast<std::size_t>(lead)) +
                         ", but the text has another reading: no leading cause is named");
  else if (lead >= 0)
    out->leading_cause = cause_of(static_cast<std::size_t>(lead));

  // Probe answers the text shows.
  std::set<int> probes;
  for (std::size_t i = 0; i < items.size(); ++i)
    if (const IntakeOutcome* o = outcome_of(items[i]))
      for (const auto& [probe, value] : o->observe) probes.insert(probe);
  for (int probe : probes) {
    auto value_of = [&](std::size_t i) -> std::string {
      if (const IntakeOutcome* o = outcome_of(items[i]))
        for (const auto& [p, v] : o->observe)
          if (p == probe) return to_string(v);
      return {};
    };
    int at = pick(value_of, no_broader, &conflict);
    const std::string& id = context_.probe_ids[static_cast<std::size_t>(probe)];
    if (conflict) {
      out->notes.push_back(describe_tie(value_of, ("answers for " + id).c_str()) +
                           "; the probe is left to the adapters");
      continue;
    }
    if (at < 0) continue;
    for (const auto& [p, v] : outcome_of(items[static_cast<std::size_t>(at)])->observe)
      if (p == probe) out->observations.emplace(id, v);
  }
}

std::string ClientErrorReader::covering(const std::vector<std::string>& symptoms) const {
  std::vector<int> all;
  for (const std::string& id : symptoms) {
    auto it = context_.symptom_causes.find(id);
    if (it == context_.symptom_causes.end()) return "unknown";
    all.insert(all.end(), it->second.begin(), it->second.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::string best = "unknown";
  std::size_t best_size = 0;
  for (const auto& [id, causes] : context_.symptom_causes) {
    if (id == "unknown" || causes.size() < all.size()) continue;
    if (!std::includes(causes.begin(), causes.end(), all.begin(), all.end())) continue;
    if (best == "unknown" || causes.size() < best_size) {
      best = id;
      best_size = causes.size();
    }
  }
  return best;
}

}  // namespace rdptriage::internal
