// Internal: one HTTP(S) exchange through libcurl, bounded in time and size.
//
// Every request has a deadline (connect, TLS, send and a drip-fed body all
// count against it) and a cancel flag checked while bytes move; the body is
// capped at a size limit (or, in tail mode, only its last bytes are kept).
// Connections, TLS sessions and DNS answers are shared between requests of
// one HttpClient, so a sequence of ARM calls costs one handshake. Proxies
// come from the standard environment (https_proxy, no_proxy), as curl reads
// them; a request can bypass them (IMDS must never go through a proxy).
//
// Thread safety: HttpClient is safe for concurrent send() calls.
#ifndef RDPTRIAGE_LIB_AZURE_HTTP_H_
#define RDPTRIAGE_LIB_AZURE_HTTP_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rdptriage::internal::azure {

using Clock = std::chrono::steady_clock;

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  Clock::time_point deadline;
  const std::atomic<bool>* cancelled = nullptr;  // may be null
  bool no_proxy = false;                         // never use a proxy for this request
  // Keep only the last `tail_bytes` of the body instead of failing past the
  // size limit (serial logs). 0: whole body, capped at the client's limit.
  std::size_t tail_bytes = 0;
};

struct HttpResponse {
  enum class Outcome {
    kOk,         // a status line and a whole body arrived
    kTimeout,    // the deadline passed first
    kCancelled,  // the cancel flag was raised
    kTooLarge,   // the body passed the size limit
    kConnect,    // could not connect (refused, unreachable, DNS)
    kTls,        // TLS handshake or certificate verification failed
    kReset,      // the connection broke mid-exchange
    kOther,      // any other transport error
  };
  Outcome outcome = Outcome::kOther;
  long status = 0;
  // Header names lower-cased; the last value wins.
  std::map<std::string, std::string> headers;
  std::string body;
  bool truncated = false;  // tail mode dropped the start of the body
  std::string error;       // transport error in words; never contains the URL's query
  double elapsed_s = 0;

  bool transported() const { return outcome == Outcome::kOk; }
  // True when the request cannot have reached the server: the connection
  // or its TLS handshake failed (a request that is not a GET always gets a
  // fresh connection, so a handshake comes first).
  bool certainly_not_sent() const {
    return outcome == Outcome::kConnect || outcome == Outcome::kTls;
  }
  std::string header(const std::string& lower_name) const;
};

struct HttpOptions {
  std::string ca_file;  // PEM bundle; empty: the system's
  std::size_t max_body_bytes = 8u << 20;
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::string user_agent = "rdptriage-azure";
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one exchange. Never throws; every failure is in the outcome.
  HttpResponse send(const HttpRequest& request) const;

  const HttpOptions& options() const { return options_; }

 private:
  struct Shared;
  HttpOptions options_;
  std::unique_ptr<Shared> shared_;
};

// "https://host:port" of a URL (scheme, host and port only), for messages:
// no path, no query, so no signature or token can ride along.
std::string url_origin(const std::string& url);
// The URL without its query string.
std::string url_without_query(const std::string& url);
// Percent-encodes one query or form value.
std::string url_encode(const std::string& value);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_HTTP_H_
