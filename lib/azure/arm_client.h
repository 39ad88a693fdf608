// Internal: Azure Resource Manager requests as ARM really behaves.
//
// Each call attaches a bearer token (refreshed once after a 401), retries
// throttling (429, 503) and broken connections with Retry-After or bounded
// exponential backoff with jitter (a POST only when the connection broke
// before it was sent: ARM may be carrying out one that arrived), follows
// long-running operations (202/201 with Azure-AsyncOperation or Location,
// polled at Retry-After) and nextLink paging, and never follows a URL to
// another host than the ARM endpoint (the token would go with it).
// Everything stops at the deadline or when the stop flag rises. Each answer carries the last
// x-ms-request-id and, on failure, the reason in words with secrets
// scrubbed.
//
// Thread safety: ArmClient is safe for concurrent use.
#ifndef RDPTRIAGE_LIB_AZURE_ARM_CLIENT_H_
#define RDPTRIAGE_LIB_AZURE_ARM_CLIENT_H_

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <string>

#include "azure/credentials.h"
#include "azure/http.h"
#include "azure/redact.h"

namespace rdptriage::internal::azure {

struct ArmSettings {
  std::string endpoint;        // "https://management.azure.com", no trailing slash
  std::string token_resource;  // "https://management.azure.com/"
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds lro_poll_interval{5000};
  std::chrono::milliseconds min_lro_poll_interval{0};
  std::chrono::milliseconds max_lro_poll_interval{30000};
  int max_pages = 50;
};

struct ArmResponse {
  enum class Kind {
    kOk,
    kNotFound,         // 404
    kForbidden,        // 403: a permission is missing
    kUnauthorized,     // 401 even with a fresh token
    kClientError,      // other 4xx (409 conflict, 400 bad request)
    kServerError,      // 5xx other than throttling, after retries
    kThrottled,        // 429/503 past the attempts or the deadline
    kTimeout,          // deadline passed (a drip-fed body, an endless operation)
    kCancelled,        // the stop flag rose
    kTransport,        // connect/TLS/reset after retries
    kBadBody,          // not JSON, or larger than the limit
    kOperationFailed,  // a long-running operation ended Failed or Canceled
    kNoCredential,     // no token could be had
  };
  Kind kind = Kind::kTransport;
  long status = 0;
  boost::json::value body;  // kOk: the parsed body (null for an empty one)
  std::string request_id;   // x-ms-request-id of the last response, if any
  std::string error_code;   // ARM's error code, when it gave one
  std::string message;      // failures: what went wrong, in words, scrubbed
  // Long-running operation headers of a 201/202.
  std::string async_operation_url;  // Azure-AsyncOperation
  std::string location_url;         // Location
  double retry_after_s = -1;        // Retry-After, -1 when absent

  bool ok() const { return kind == Kind::kOk; }
  // " (x-ms-request-id ...)" or "".
  std::string request_id_note() const;
};

// Progress of long waits: "waiting for Run Command: 20 s".
using WaitReporter = std::function<void(const std::string&)>;

class ArmClient {
 public:
  ArmClient(std::shared_ptr<const HttpClient> http, std::shared_ptr<TokenCache> tokens,
            std::shared_ptr<Redactor> redactor, ArmSettings settings);

  // GET `path` ("/subscriptions/...?api-version=...") or an absolute URL on
  // the ARM endpoint.
  ArmResponse get(const std::string& path, Clock::time_point deadline,
                  const std::atomic<bool>* stop) const;
  // GET and follow nextLink, concatenating the "value" arrays into one
  // {"value": [...]} (at most max_pages pages).
  ArmResponse get_all(const std::string& path, Clock::time_point deadline,
                      const std::atomic<bool>* stop) const;
  // POST `body` (JSON text) and follow the long-running operation to its
  // result. `what` names it in messages ("IP flow verify").
  ArmResponse post(const std::string& path, const std::string& body, const std::string& what,
                   Clock::time_point deadline, const std::atomic<bool>* stop,
                   const WaitReporter& report = {}) const;

  const ArmSettings& settings() const { return settings_; }

 private:
  ArmResponse send(const std::string& method, const std::string& url, const std::string& body,
                   Clock::time_point deadline, const std::atomic<bool>* stop) const;
  ArmResponse classify(const std::string& method, const std::string& url,
                       const HttpResponse& r) const;
  std::string absolute(const std::string& path_or_url, std::string* why) const;

  std::shared_ptr<const HttpClient> http_;
  std::shared_ptr<TokenCache> tokens_;
  std::shared_ptr<Redactor> redactor_;
  ArmSettings settings_;
};

// The longest Retry-After honoured, seconds; a longer one is cut to this.
inline constexpr double kMaxRetryAfterSeconds = 3600;

// Seconds from a Retry-After header (delta-seconds or an HTTP date), at
// most kMaxRetryAfterSeconds; -1 when absent, unreadable, negative or not
// finite ("inf", "nan").
double retry_after_seconds(const std::string& header);

// How long to wait before the attempt after `attempt` (1-based): a
// Retry-After (retry_after_s >= 0, at most kMaxRetryAfterSeconds) plus up to
// 10% jitter; without one, full-jitter exponential backoff, uniform in
// [0, min(max, initial * 2^(attempt-1))].
double retry_delay_seconds(int attempt, double retry_after_s, std::chrono::milliseconds initial,
                           std::chrono::milliseconds max);

// Seconds as a clock duration, clamped to [0, 10^6 s] before converting
// (non-finite: zero), so no value overflows the conversion.
Clock::duration seconds_to_duration(double seconds);

// The permission a 403's message says is missing (AuthorizationFailed,
// LinkedAuthorizationFailed), or "" when it names none.
std::string missing_permission(const std::string& message);

// Sleeps until `until`, waking early when `stop` rises; false if it did.
bool sleep_until(Clock::time_point until, const std::atomic<bool>* stop);

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_ARM_CLIENT_H_
