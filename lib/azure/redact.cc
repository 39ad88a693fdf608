#include "azure/redact.h"

#include <algorithm>
#include <cctype>

namespace rdptriage::internal::azure {
namespace {

bool is_token_char(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' || c == '/' ||
         c == '=';
}

// "Bearer <anything token-like>" and JWTs (three base64url parts starting
// with "eyJ") are credentials whoever issued them.
std::string scrub_token_shapes(std::string text) {
  for (std::size_t at = 0; (at = text.find("eyJ", at)) != std::string::npos;) {
    std::size_t end = at;
    int dots = 0;
    while (end < text.size() && is_token_char(text[end])) dots += text[end++] == '.';
    if (dots >= 2 && end - at >= 20) {
      text.replace(at, end - at, "[redacted]");
      at += 10;
    } else {
      at = end;
    }
  }
  for (const char* prefix : {"Bearer ", "bearer "}) {
    for (std::size_t at = 0; (at = text.find(prefix, at)) != std::string::npos;) {
      std::size_t start = at + 7, end = start;
      while (end < text.size() && is_token_char(text[end])) ++end;
      if (end > start && text.compare(start, end - start, "[redacted]") != 0)
        text.replace(start, end - start, "[redacted]");
      at = start + 1;
    }
  }
  return text;
}

// A query that may carry a credential: SAS signatures, tokens, keys, codes.
bool query_is_sensitive(std::string query) {
  std::transform(query.begin(), query.end(), query.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"sig=", "signature", "token", "secret", "key", "code=", "skoid", "sas"})
    if (query.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

void Redactor::add(std::string_view secret) {
  if (secret.size() < 6) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end())
    secrets_.emplace_back(secret);
}

std::string Redactor::scrub(std::string_view input) const {
  std::string text(input);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const std::string& s : secrets_)
      for (std::size_t at = 0; (at = text.find(s, at)) != std::string::npos;)
        text.replace(at, s.size(), "[redacted]");
  }
  return strip_url_queries(scrub_token_shapes(std::move(text)));
}

std::string strip_url_queries(std::string_view input) {
  std::string text(input);
  for (const char* scheme : {"https://", "http://"}) {
    for (std::size_t at = 0; (at = text.find(scheme, at)) != std::string::npos;) {
      std::size_t end = at;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
             text[end] != '"' && text[end] != '\'' && text[end] != '>' && text[end] != ')')
        ++end;
      std::size_t q = text.find('?', at);
      if (q != std::string::npos && q < end && query_is_sensitive(text.substr(q, end - q))) {
        static const std::string kMark = "?[query removed]";
        text.replace(q, end - q, kMark);
        end = q + kMark.size();
      }
      at = end;
    }
  }
  return text;
}

}  // namespace rdptriage::internal::azure
