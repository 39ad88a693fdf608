#include "rdptriage/status.h"

#include "engine/safe_text.h"

namespace rdptriage {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kParseError:
      return "parse_error";
    case ErrorCode::kValidationError:
      return "validation_error";
    case ErrorCode::kLimitExceeded:
      return "limit_exceeded";
    case ErrorCode::kIoError:
      return "io_error";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kUntrusted:
      return "untrusted";
  }
  return "unknown";
}

// Every part may quote an input (a path, a member name, a value), so each is
// made inert for a terminal.
std::string Diagnostic::to_string() const {
  using internal::terminal_safe;
  std::string out;
  if (!file.empty()) {
    out += terminal_safe(file);
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
  }
  if (!path.empty()) out += terminal_safe(path) + ": ";
  if (!subject.empty()) out += "[" + terminal_safe(subject) + "] ";
  out += terminal_safe(message);
  return out;
}

// The message is one line for people and often quotes an input, so it is
// escaped once here (escaping is idempotent: escaped text is left alone).
Status::Status(ErrorCode code, std::string message, std::vector<Diagnostic> diagnostics)
    : code_(code),
      message_(internal::terminal_safe(message)),
      diagnostics_(std::move(diagnostics)) {}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(error_code_name(code_));
  out += ": " + message_;
  for (const Diagnostic& d : diagnostics_) out += "\n  " + d.to_string();
  return out;
}

}  // namespace rdptriage
