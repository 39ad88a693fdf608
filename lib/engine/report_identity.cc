#include "engine/report_identity.h"

#include <atomic>
#include <cstdio>
#include <ctime>

#include "crypto/crypto.h"

namespace rdptriage::internal {

Status validate_decision_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return Status(ErrorCode::kInvalidArgument,
                  "decision_id must be 1 to 128 characters, not " + std::to_string(id.size()));
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok)
      return Status(ErrorCode::kInvalidArgument,
                    "decision_id may hold only letters, digits and . _ : - (it is logged and "
                    "shown as is)");
  }
  return Status();
}

std::string new_decision_id() {
  std::string bytes = random_bytes(16);
  if (bytes.size() != 16) {
    static std::atomic<unsigned long long> counter{0};
    const int local = 0;
    char seed[96];
    std::snprintf(
        seed, sizeof seed, "%lld/%llu/%p",
        static_cast<long long>(std::chrono::system_clock::now().time_since_epoch().count()),
        counter.fetch_add(1), static_cast<const void*>(&local));
    const std::string h = sha256_hex(seed);
    bytes.assign(16, '\0');
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (std::size_t i = 0; i < 16 && 2 * i + 1 < h.size(); ++i)
      bytes[i] = static_cast<char>(nibble(h[2 * i]) * 16 + nibble(h[2 * i + 1]));
  }
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);  // RFC 4122
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int millis = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  if (gmtime_r(&secs, &tm) == nullptr) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace rdptriage::internal
