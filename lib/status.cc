#include "rdptriage/status.h"

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

std::string Diagnostic::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += ": ";
  }
  if (!path.empty()) out += path + ": ";
  if (!subject.empty()) out += "[" + subject + "] ";
  out += message;
  return out;
}

Status::Status(ErrorCode code, std::string message, std::vector<Diagnostic> diagnostics)
    : code_(code), message_(std::move(message)), diagnostics_(std::move(diagnostics)) {}

std::string Status::to_string() const {
  if (ok()) return "ok";
  std::string out(error_code_name(code_));
  out += ": " + message_;
  for (const Diagnostic& d : diagnostics_) out += "\n  " + d.to_string();
  return out;
}

}  // namespace rdptriage
