// Internal: keeps secrets out of every string the Azure adapter hands back.
//
// Tokens, client secrets and identity headers are registered as they are
// obtained; scrub() replaces each occurrence with "[redacted]", and also
// removes bearer tokens, JWT-shaped strings and the query of any URL that
// carries a signature, token or key (SAS URIs). Every reason, detail, field and log line the
// adapter produces passes through scrub().
//
// Thread safety: safe for concurrent use.
#ifndef RDPTRIAGE_LIB_AZURE_REDACT_H_
#define RDPTRIAGE_LIB_AZURE_REDACT_H_

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rdptriage::internal::azure {

class Redactor {
 public:
  // Remembers `secret` (ignored when shorter than 6 characters, which
  // could only match by chance).
  void add(std::string_view secret);
  std::string scrub(std::string_view text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;
};

// Removes the query of every http(s) URL in `text` that carries a
// signature, token or key ("...blob?sv=..&sig=.." becomes
// "...blob?[query removed]"); "?api-version=..." stays.
std::string strip_url_queries(std::string_view text);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_REDACT_H_
