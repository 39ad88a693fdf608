// rdptriage: error reporting without exceptions.
//
// Every fallible call in the public API returns a Status or a StatusOr<T>.
// A Status carries a stable ErrorCode (hosts may switch on it), a one-line
// message for people, and, for loads that check many things at once, a list
// of Diagnostics, each naming the file, line, column and rule or probe id.
//
//   rdptriage::StatusOr<rdptriage::Triage> t = rdptriage::Triage::create({});
//   if (!t.ok()) {
//     for (const auto& d : t.status().diagnostics()) log(d.to_string());
//     return;
//   }
//
// Thread safety: Status and StatusOr are values; const access from several
// threads is safe, mutation is not.
#ifndef RDPTRIAGE_STATUS_H_
#define RDPTRIAGE_STATUS_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rdptriage {

// Stable error codes. Values never change meaning once shipped.
enum class ErrorCode {
  kOk = 0,
  kInvalidArgument = 1,  // a caller-supplied value is malformed or unsafe
  kNotFound = 2,         // a file, rule, probe or cause does not exist
  kParseError = 3,       // input is not well-formed JSON
  kValidationError = 4,  // well-formed input that breaks the schema or model
  kLimitExceeded = 5,    // an input exceeded a limit set in the options
  kIoError = 6,          // a file could not be read
  kInternal = 7,         // a bug in rdptriage; please report it
  kUntrusted = 8,        // a rule pack is unsigned, tampered with, or signed by no trusted key
};

// Returns a stable lower-case name for `code`, e.g. "validation_error".
std::string_view error_code_name(ErrorCode code);

// One problem found in an input file.
struct Diagnostic {
  std::string file;     // path as given, empty when the input was a string
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string path;     // JSON path of the offending value, e.g. "rules[3].confirm"
  std::string subject;  // rule, probe or symptom id concerned, may be empty
  std::string message;  // what is wrong, in one sentence

  // "file:line:col: path: [subject] message", omitting empty parts. Every
  // part is passed through terminal_text() (terminal_text.h): the fields
  // may quote the input, and the line is safe to print as it is.
  std::string to_string() const;
};

class Status {
 public:
  // An OK status.
  Status() = default;
  Status(ErrorCode code, std::string message, std::vector<Diagnostic> diagnostics = {});

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  // One line for people. It may quote an input (a path, a value), so the
  // constructor escapes it with terminal_text() (terminal_text.h): it holds
  // no control character and is safe to print as it is.
  const std::string& message() const { return message_; }
  // Every problem found, in file order. Empty for most non-load errors.
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

  // "validation_error: message" followed by one line per diagnostic (each
  // Diagnostic::to_string(), so safe to print).
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<Diagnostic> diagnostics_;
};

// Either a value or a non-OK Status. Accessing value() on an error is a
// precondition violation (checked only by assertions in debug builds).
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status(ErrorCode::kInternal, "StatusOr built from OK status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_STATUS_H_
