#include <charconv>
#include <string>

#include "rdptriage/probe.h"

namespace rdptriage {

std::string to_string(const ProbeValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const double* d = std::get_if<double>(&value)) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
    return ec == std::errc() ? std::string(buf, end) : std::string("nan");
  }
  return std::get<std::string>(value);
}

}  // namespace rdptriage
