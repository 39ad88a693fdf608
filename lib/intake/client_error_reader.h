// Internal: reads pasted client-error text against the compiled intake
// rules. Built once per rule set (every pattern compiled into two RE2 sets,
// so a whole log is scanned once per set whatever the number of patterns);
// read() is const and safe from many threads.
//
// How a reading is decided, when several things in one text point
// different ways:
//  - things recognised with no symptom (informational codes) never decide;
//  - the highest priority decides (codes 40 and above, messages 20, generic
//    banners lower, a FreeRDP log's last-error line 60);
//  - at equal priority: one symptom if they agree; else the latest match of
//    a "last wins" pattern (a log's last error); else the broadest symptom
//    if its candidates cover all the others'; else "unknown" with a note;
//  - lesser evidence showing a symptom within the decided one refines it
//    (ERRCONNECT_CONNECT_FAILED, then "Connection refused": refused);
//  - underlying lines (transport, TLS alert, proxy) are never outvoted:
//    where one disagrees with the decided symptom, the reading widens to
//    the narrowest symptom whose candidates cover both ("unknown" when no
//    declared one does), and names no leading cause;
//  - lesser evidence that points elsewhere (neither within the decided
//    symptom nor broader than it) leaves the symptom standing but
//    withholds the leading cause: the text has another reading;
//  - where things of one priority disagree and none covers the others, the
//    narrowest declared symptom covering them all (else "unknown");
//  - the leading cause and each probe answer follow the same rule among the
//    matches that give one (a cause only if it explains the symptom).
// Message phrases match on the words view; code patterns and code names
// (whole identifiers) on the spacing view.
#ifndef RDPTRIAGE_LIB_INTAKE_CLIENT_ERROR_READER_H_
#define RDPTRIAGE_LIB_INTAKE_CLIENT_ERROR_READER_H_

#include <re2/re2.h>
#include <re2/set.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "intake/intake_model.h"
#include "intake/paraphrase.h"
#include "rdptriage/client_error.h"
#include "rdptriage/status.h"

namespace rdptriage::internal {

// What the reader needs to know about the rest of the rules.
struct IntakeContext {
  std::vector<std::string> probe_ids;  // by probe index
  // Candidate causes (indices, sorted) of each symptom id.
  std::map<std::string, std::vector<int>, std::less<>> symptom_causes;
  std::map<std::string, int, std::less<>> cause_index;  // cause id -> index
  // Every broader symptom of a symptom (its "within", transitively).
  std::map<std::string, std::set<std::string>, std::less<>> broader;
};

class ClientErrorReader {
 public:
  // Compiles every phrase, code name and code pattern. `max_mem` bounds
  // each of the two sets and any one pattern; `max_dfa_mem` all single
  // patterns together (LoadOptions::max_client_dfa_mem: each gets a share in
  // proportion to its program size, never less than it needs to compile).
  // Fails with kLimitExceeded when RE2 cannot compile them within these,
  // naming the file and the pattern, or kValidationError naming a pattern
  // RE2 rejects (the loader checks each one first, so this means a bug).
  static StatusOr<std::shared_ptr<const ClientErrorReader>> build(
      IntakeRules rules, IntakeContext context, std::size_t max_mem,
      std::size_t max_dfa_mem = std::size_t{256} << 20);

  // The memory budget a single pattern of `units` instructions gets when
  // all of them come to `total_units` (see build()).
  static std::size_t pattern_share(std::size_t units, std::size_t total_units, std::size_t max_mem,
                                   std::size_t max_dfa_mem);

  // Reads `text`. Precondition: text.size() <= options.max_bytes (the
  // caller reports the limit). Never fails.
  ClientErrorReading read(std::string_view text, const ClientErrorOptions& options) const;

  ClientErrorReader(const ClientErrorReader&) = delete;
  ClientErrorReader& operator=(const ClientErrorReader&) = delete;

 private:
  ClientErrorReader(IntakeRules rules, IntakeContext context, std::size_t max_mem,
                    std::size_t max_dfa_mem);
  // Instructions of every single pattern, measured or estimated.
  std::size_t total_units() const;
  std::size_t share(std::size_t units) const {
    return pattern_share(units, total_units_, max_mem_, max_dfa_mem_);
  }

  // Whose a code-set pattern is: a table's pattern, or one code's name.
  struct PatternOwner {
    int table = -1;
    int pattern = -1;    // index into the table's patterns; -1 for a name
    int code_group = 0;  // submatch index of the "code" group
    int code = -1;       // the named code, for a name
  };
  struct Hit;
  struct Item;

  Status compile();
  Status add_code_pattern(const std::string& regex, int table, int pattern, int code);
  void scan_phrases(std::string_view text, const ClientErrorOptions& options,
                    std::vector<Hit>* hits) const;
  void scan_codes(std::string_view text, std::vector<Hit>* hits) const;
  // Indices of the patterns of `set` that match somewhere in `text`. When
  // the set's DFA runs out of memory on the text (a pattern whose DFA
  // explodes, like [ab]*a[ab]{24}c on a run of a and b), the text is scanned
  // again in pieces of at most kScanPiece bytes (cut at line breaks where
  // possible), so the work stays bounded; matches that span two pieces are
  // then missed.
  struct Matching {
    std::vector<int> patterns;
    // The text was too much for the set's DFA: each pattern's occurrences
    // are looked for piece by piece too.
    std::vector<std::pair<std::size_t, std::size_t>> pieces;
  };
  static Matching matching(const RE2::Set& set, std::size_t size, std::string_view text);
  static constexpr std::size_t kScanPiece = 4096;
  const IntakeOutcome* outcome_of(const Item& item) const;
  ClientErrorMatch describe(const Item& item, std::string_view text,
                            const std::vector<std::size_t>& newlines) const;
  void decide(const std::vector<Item>& items, ClientErrorReading* out,
              std::vector<bool>* decisive) const;
  // The narrowest symptom whose candidates include every one of
  // `symptoms`' candidates; "unknown" when no declared symptom does.
  std::string covering(const std::vector<std::string>& symptoms) const;

  IntakeRules rules_;
  IntakeContext context_;
  std::size_t max_mem_;
  std::size_t max_dfa_mem_;
  std::size_t total_units_ = 0;
  std::map<std::string, std::pair<int, int>, std::less<>> names_;  // lower-case name -> table, code

  ParaphraseIndex paraphrases_;
  std::unique_ptr<RE2::Set> phrase_set_;  // message phrases, on the words view
  std::vector<std::unique_ptr<RE2>> phrases_;
  std::vector<int> phrase_owners_;      // message index of each phrase
  std::unique_ptr<RE2::Set> code_set_;  // code patterns and names, on the spacing view
  std::vector<std::unique_ptr<RE2>> code_patterns_;
  std::vector<PatternOwner> pattern_owners_;
};

// The RE2 form of a message phrase on the words view: its words in order,
// each "*" standing for up to eight words. Returns "" for a phrase with no
// words or a "*" at either end.
std::string phrase_regex(std::string_view phrase);

// Reads a code as a number: 0x-prefixed hex, else digits in `radix` (10 or
// 16). False for anything else, or more digits than 64 bits hold.
bool parse_code_number(std::string_view text, int radix, std::uint64_t* out);

// RE2 options for client-error patterns: silent, byte-wise (Latin-1),
// bounded memory; code patterns are case-insensitive.
RE2::Options intake_re2_options(std::size_t max_mem, bool case_sensitive);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_INTAKE_CLIENT_ERROR_READER_H_
