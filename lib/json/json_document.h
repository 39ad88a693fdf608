// Internal: JSON with source positions, and a collector of diagnostics.
//
// Boost.JSON parses without exceptions (error_code overloads) but keeps no
// source positions, so JsonDocument re-scans the validated text once and
// records the line and column of every value by JSON pointer. Loaders then
// report "file:line:col: rules[3].confirm: ..." for semantic errors too.
#ifndef RDPTRIAGE_LIB_JSON_JSON_DOCUMENT_H_
#define RDPTRIAGE_LIB_JSON_JSON_DOCUMENT_H_

#include <boost/json/value.hpp>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rdptriage/status.h"

namespace rdptriage::internal {

struct SourcePos {
  int line = 0;    // 1-based, 0 when unknown
  int column = 0;  // 1-based
};

struct JsonLimits {
  std::size_t max_bytes = 4u << 20;
  std::size_t max_depth = 32;
};

class JsonDocument {
 public:
  // Parses `text`. Fails with kLimitExceeded (too large, too deep) or
  // kParseError carrying one Diagnostic with file `name`, line and column.
  static StatusOr<JsonDocument> parse(std::string_view text, std::string name,
                                      const JsonLimits& limits = {});
  // Reads and parses a regular file; kIoError naming `path` if it cannot be
  // read or is not a regular file (a FIFO, device, socket or directory is
  // refused by stat before it is opened, so nothing blocks or reads
  // forever), kLimitExceeded if it is larger than limits.max_bytes
  // (checked before reading, and again while reading).
  static StatusOr<JsonDocument> parse_file(const std::string& path, const JsonLimits& limits = {});

  const boost::json::value& root() const { return root_; }
  const std::string& name() const { return name_; }
  // Position of the value at JSON pointer `pointer` ("" is the root,
  // "/rules/3/id"); for a pointer to a missing member, the position of the
  // nearest existing ancestor.
  SourcePos position(std::string_view pointer) const;

 private:
  boost::json::value root_;
  std::string name_;
  std::unordered_map<std::string, SourcePos> positions_;
};

// "/rules/3/confirm" -> "rules[3].confirm"; "" -> "(root)".
std::string pointer_to_path(std::string_view pointer);
// Appends one escaped reference token ("a/b" -> "a~1b") to a pointer.
std::string pointer_join(std::string_view pointer, std::string_view token);
std::string pointer_join(std::string_view pointer, std::size_t index);

// Collects diagnostics for one document, resolving positions. So that an
// error report cannot balloon (a file of 10,000 bad patterns), the same
// message is kept kSameMessageCap times and the rest counted, and at most
// kMaxDiagnostics are kept in all; diagnostics() ends with one line per
// message held back ("and 9,995 more like it: ...") and one for the rest.
class DiagnosticSink {
 public:
  static constexpr std::size_t kSameMessageCap = 5;
  static constexpr std::size_t kMaxDiagnostics = 200;

  explicit DiagnosticSink(const JsonDocument& doc) : doc_(&doc) {}
  void add(std::string_view pointer, std::string_view subject, std::string message);
  bool empty() const { return diagnostics_.empty() && held_back_ == 0; }
  // Everything kept, then the counts of what was held back (moved into the
  // list, so a later call adds only what was held back since).
  std::vector<Diagnostic>& diagnostics();

  // Helpers for schema checks. Each records a diagnostic and returns false
  // when the check fails.
  // Every member of `obj` must be in `allowed`.
  bool check_fields(const boost::json::object& obj, std::string_view pointer,
                    std::string_view subject, std::initializer_list<std::string_view> allowed);
  // `obj` must have `key` (records "missing required field").
  bool require(const boost::json::object& obj, std::string_view pointer, std::string_view subject,
               std::string_view key);

 private:
  const JsonDocument* doc_;
  std::vector<Diagnostic> diagnostics_;
  std::unordered_map<std::string, std::size_t> seen_;  // by message
  std::map<std::string, std::size_t> same_;            // held back, by message
  std::size_t kept_ = 0;
  std::size_t held_back_ = 0;   // all held back, not yet summed up
  std::size_t over_total_ = 0;  // held back by kMaxDiagnostics alone
};

// Records a diagnostic for every member name and string value under `root`
// (at JSON pointer `pointer`) that holds something a terminal would act on
// (engine/safe_text.h: C0 controls, DEL, C1 controls, bidirectional
// overrides, line separators): such text is shown to people. A string that
// is a member of a key in `multiline_keys` (or an element of an array that
// is) may hold line feeds and tabs: scripts and commands. At most
// `max_reports` diagnostics are recorded, then one saying how many more.
// Returns true when nothing was found.
bool check_terminal_text(DiagnosticSink& sink, const boost::json::value& root,
                         std::string_view pointer,
                         std::initializer_list<std::string_view> multiline_keys,
                         std::size_t max_reports = 20);

// "string", "number", "object", ... for messages.
std::string_view json_kind_name(const boost::json::value& v);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_JSON_JSON_DOCUMENT_H_
