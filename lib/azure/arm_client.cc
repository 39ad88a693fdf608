#include "azure/arm_client.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cmath>
#include <ctime>
#include <random>
#include <thread>

#include "azure/json_util.h"

namespace rdptriage::internal::azure {
namespace {

bool stopped(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(); }

double jitter(double max_seconds) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  if (max_seconds <= 0) return 0;
  return std::uniform_real_distribution<double>(0, max_seconds)(rng);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 10 ? "%.1f s" : "%.0f s", s);
  return buf;
}

// "GET /subscriptions/.../virtualMachines/vm1" without the query.
std::string describe(const std::string& method, const std::string& url) {
  std::string path = url_without_query(url);
  auto scheme = path.find("://");
  if (scheme != std::string::npos) {
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "/" : path.substr(slash);
  }
  return method + " " + path;
}

std::string clip(std::string s, std::size_t max = 400) {
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

}  // namespace

// The permission a 403 says is missing. Two published shapes:
// AuthorizationFailed "The client '...' with object id '...' does not have
// authorization to perform action 'Microsoft.X/y/read' over scope ..." and
// LinkedAuthorizationFailed "The client ... has permission to perform action
// 'A' on scope '...'; however, it does not have permission to perform action
// 'B' on the linked scope(s) ...", where B is the missing one and A is not.
// A LinkedAuthorizationFailed about a tenant ("however the current tenant
// ... is not authorized to access linked subscription") names none.
std::string missing_permission(const std::string& message) {
  for (const char* anchor : {"does not have permission to perform action '",
                             "does not have authorization to perform action '"}) {
    auto at = message.find(anchor);
    if (at == std::string::npos) continue;
    at += std::char_traits<char>::length(anchor);
    auto end = message.find('\'', at);
    if (end == std::string::npos || end == at || end - at > 200) return {};
    return message.substr(at, end - at);
  }
  return {};
}

std::string ArmResponse::request_id_note() const {
  return request_id.empty() ? std::string() : " (x-ms-request-id " + request_id + ")";
}

double retry_after_seconds(const std::string& header) {
  if (header.empty()) return -1;
  char* end = nullptr;
  double s = std::strtod(header.c_str(), &end);
  if (end != nullptr && end != header.c_str() && *end == '\0') {
    // "inf", "nan", 1e300 and negatives are not a wait anyone can honour.
    if (!std::isfinite(s) || s < 0) return -1;
    return std::min(s, kMaxRetryAfterSeconds);
  }
  std::tm tm{};
  if (strptime(header.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) != nullptr) {
    std::time_t when = timegm(&tm);
    double delta = std::difftime(when, std::time(nullptr));
    if (!std::isfinite(delta)) return -1;
    return std::clamp(delta, 0.0, kMaxRetryAfterSeconds);
  }
  return -1;
}

Clock::duration seconds_to_duration(double seconds) {
  // Clamped before converting: a double past the range of the clock's
  // integer ticks would make the conversion undefined.
  if (!std::isfinite(seconds) || seconds <= 0) return Clock::duration::zero();
  seconds = std::min(seconds, 1e6);
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

double retry_delay_seconds(int attempt, double retry_after_s, std::chrono::milliseconds initial,
                           std::chrono::milliseconds max) {
  if (retry_after_s >= 0) {
    const double wait = std::min(retry_after_s, kMaxRetryAfterSeconds);
    return wait + jitter(wait * 0.1);
  }
  const double cap = std::max(0.0, std::chrono::duration<double>(max).count());
  const double first = std::max(0.0, std::chrono::duration<double>(initial).count());
  const double backoff =
      std::min(cap, first * static_cast<double>(1LL << std::clamp(attempt - 1, 0, 20)));
  return jitter(backoff);
}

bool sleep_until(Clock::time_point until, const std::atomic<bool>* stop) {
  while (Clock::now() < until) {
    if (stopped(stop)) return false;
    auto slice = std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(20));
    std::this_thread::sleep_for(slice);
  }
  return !stopped(stop);
}

ArmClient::ArmClient(std::shared_ptr<const HttpClient> http, std::shared_ptr<TokenCache> tokens,
                     std::shared_ptr<Redactor> redactor, ArmSettings settings)
    : http_(std::move(http)),
      tokens_(std::move(tokens)),
      redactor_(std::move(redactor)),
      settings_(std::move(settings)) {}

std::string ArmClient::absolute(const std::string& path_or_url, std::string* why) const {
  if (path_or_url.rfind("/", 0) == 0) return settings_.endpoint + path_or_url;
  if (lower(url_origin(path_or_url)) == lower(url_origin(settings_.endpoint))) return path_or_url;
  *why = "ARM pointed at " + url_origin(path_or_url) + ", which is not the ARM endpoint " +
         url_origin(settings_.endpoint) + "; not following it with a token";
  return {};
}

ArmResponse ArmClient::classify(const std::string& method, const std::string& url,
                                const HttpResponse& r) const {
  ArmResponse out;
  out.status = r.status;
  out.request_id = r.header("x-ms-request-id");
  if (out.request_id.size() > 100) out.request_id.resize(100);
  const std::string what = describe(method, url);
  out.async_operation_url = r.header("azure-asyncoperation");
  out.location_url = r.header("location");
  out.retry_after_s = retry_after_seconds(r.header("retry-after"));
  if (r.status >= 200 && r.status < 300) {
    if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) {
      out.kind = ArmResponse::Kind::kOk;
      return out;
    }
    std::string why;
    auto body = parse_body(r.body, &why);
    if (!body) {
      out.kind = ArmResponse::Kind::kBadBody;
      out.message = what + " answered " + std::to_string(r.status) + " but " + why;
      return out;
    }
    out.kind = ArmResponse::Kind::kOk;
    out.body = std::move(*body);
    return out;
  }
  std::string why;
  auto body = parse_body(r.body, &why);
  std::string code, message;
  if (body) {
    code = str(at(*body, {"error", "code"}));
    message = str(at(*body, {"error", "message"}));
    if (code.empty()) code = str(at(*body, {"code"}));
    if (message.empty()) message = str(at(*body, {"message"}));
  }
  out.error_code = clip(code, 100);
  std::string arm_says = code.empty() ? "" : code + (message.empty() ? "" : ": " + clip(message));
  std::string head = what + " answered " + std::to_string(r.status);
  switch (r.status) {
    case 404:
      out.kind = ArmResponse::Kind::kNotFound;
      break;
    case 403: {
      out.kind = ArmResponse::Kind::kForbidden;
      std::string action = missing_permission(message);
      if (!action.empty()) head += " (the identity lacks the permission " + action + ")";
      break;
    }
    case 401:
      out.kind = ArmResponse::Kind::kUnauthorized;
      break;
    default:
      out.kind =
          r.status >= 500 ? ArmResponse::Kind::kServerError : ArmResponse::Kind::kClientError;
  }
  out.message = redactor_->scrub(head + (arm_says.empty() ? "" : ": " + arm_says));
  return out;
}

ArmResponse ArmClient::send(const std::string& method, const std::string& path_or_url,
                            const std::string& body, Clock::time_point deadline,
                            const std::atomic<bool>* stop) const {
  ArmResponse out;
  std::string why;
  const std::string url = absolute(path_or_url, &why);
  if (url.empty()) {
    out.kind = ArmResponse::Kind::kTransport;
    out.message = redactor_->scrub(why);
    return out;
  }
  const std::string what = describe(method, url);
  bool refreshed = false;
  std::string last_problem;
  for (int attempt = 1;; ++attempt) {
    if (stopped(stop)) {
      out.kind = ArmResponse::Kind::kCancelled;
      out.message = what + ": cancelled";
      return out;
    }
    StatusOr<std::string> token = tokens_->token(settings_.token_resource, deadline, stop);
    if (!token.ok()) {
      out.kind = stopped(stop)              ? ArmResponse::Kind::kCancelled
                 : Clock::now() >= deadline ? ArmResponse::Kind::kTimeout
                                            : ArmResponse::Kind::kNoCredential;
      out.message = redactor_->scrub(token.status().message());
      return out;
    }
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.headers = {"Authorization: Bearer " + *token, "Accept: application/json"};
    if (method != "GET") {
      req.headers.push_back("Content-Type: application/json");
      req.body = body;
    }
    req.deadline = deadline;
    req.cancelled = stop;
    HttpResponse r = http_->send(req);
    std::string request_id = r.header("x-ms-request-id");
    const std::string rid = request_id.empty() ? "" : " (x-ms-request-id " + request_id + ")";
    double wait_s = -1;
    switch (r.outcome) {
      case HttpResponse::Outcome::kOk:
        break;
      case HttpResponse::Outcome::kCancelled:
        out.kind = ArmResponse::Kind::kCancelled;
        out.message = what + ": cancelled";
        return out;
      case HttpResponse::Outcome::kTimeout:
        out.kind = ArmResponse::Kind::kTimeout;
        out.message = redactor_->scrub(what + ": no complete answer before the deadline (" +
                                       r.error + ")" + last_problem);
        return out;
      case HttpResponse::Outcome::kTooLarge:
        out.kind = ArmResponse::Kind::kBadBody;
        out.message = redactor_->scrub(what + ": " + r.error + rid);
        out.request_id = request_id;
        return out;
      default:
        last_problem = "; before that: " + r.error;
        if (method != "GET" && !r.certainly_not_sent()) {
          // The request may have reached ARM, which may be acting on it:
          // sending a POST again could run it twice (a second Run Command).
          out.kind = ArmResponse::Kind::kTransport;
          out.request_id = request_id;
          out.message = redactor_->scrub(
              what + ": the connection broke after the request was sent (" + r.error +
              "); not sent again, since ARM may already be carrying it out" + rid);
          return out;
        }
        break;  // a broken connection: retry with backoff
    }
    if (r.outcome == HttpResponse::Outcome::kOk) {
      if (r.status == 401 && !refreshed) {
        // The token may have been revoked or rotated: fetch a new one, once.
        tokens_->invalidate(settings_.token_resource, *token);
        refreshed = true;
        --attempt;
        continue;
      }
      if (r.status != 429 && r.status != 503) return classify(method, url, r);
      wait_s = retry_after_seconds(r.header("retry-after"));
      last_problem = "; ARM answered " + std::to_string(r.status) + " (throttled)" + rid;
    }
    if (attempt >= settings_.max_attempts) {
      out.kind = r.outcome == HttpResponse::Outcome::kOk ? ArmResponse::Kind::kThrottled
                                                         : ArmResponse::Kind::kTransport;
      out.status = r.status;
      out.request_id = request_id;
      out.message = redactor_->scrub(what + ": gave up after " + std::to_string(attempt) +
                                     " attempts" + last_problem);
      return out;
    }
    // Retry-After when given (the server's word beats max_backoff, up to
    // kMaxRetryAfterSeconds), else full-jitter exponential backoff.
    const double delay =
        retry_delay_seconds(attempt, wait_s, settings_.initial_backoff, settings_.max_backoff);
    auto until = Clock::now() + seconds_to_duration(delay);
    if (until >= deadline) {
      out.kind = r.outcome == HttpResponse::Outcome::kOk ? ArmResponse::Kind::kThrottled
                                                         : ArmResponse::Kind::kTransport;
      out.status = r.status;
      out.request_id = request_id;
      out.message = redactor_->scrub(
          what + ": the next attempt (in " + seconds_text(delay) +
          ") would pass the deadline; attempts so far: " + std::to_string(attempt) + last_problem);
      return out;
    }
    if (!sleep_until(until, stop)) {
      out.kind = ArmResponse::Kind::kCancelled;
      out.message = what + ": cancelled";
      return out;
    }
  }
}

ArmResponse ArmClient::get(const std::string& path, Clock::time_point deadline,
                           const std::atomic<bool>* stop) const {
  return send("GET", path, {}, deadline, stop);
}

ArmResponse ArmClient::get_all(const std::string& path, Clock::time_point deadline,
                               const std::atomic<bool>* stop) const {
  boost::json::array all;
  std::string next = path;
  ArmResponse last;
  for (int page = 0; page < settings_.max_pages && !next.empty(); ++page) {
    last = get(next, deadline, stop);
    if (!last.ok()) return last;
    if (const boost::json::array* values = arr(at(last.body, {"value"})))
      for (const auto& v : *values) all.push_back(v);
    next = str(at(last.body, {"nextLink"}));
  }
  if (!next.empty()) {
    last.kind = ArmResponse::Kind::kBadBody;
    last.message = describe("GET", settings_.endpoint + path) + ": more than " +
                   std::to_string(settings_.max_pages) + " pages";
    return last;
  }
  boost::json::object merged;
  merged["value"] = std::move(all);
  last.body = std::move(merged);
  return last;
}

ArmResponse ArmClient::post(const std::string& path, const std::string& body,
                            const std::string& what, Clock::time_point deadline,
                            const std::atomic<bool>* stop, const WaitReporter& report) const {
  ArmResponse first = send("POST", path, body, deadline, stop);
  if (!first.ok() || (first.status != 202 && first.status != 201)) return first;
  const std::string async = first.async_operation_url;
  const std::string location = first.location_url;
  if (async.empty() && location.empty()) return first;  // accepted and answered at once
  const auto started = Clock::now();
  double retry_after = first.retry_after_s;
  std::string state = "Accepted";
  std::string request_id = first.request_id;
  for (;;) {
    auto interval = settings_.lro_poll_interval;
    if (retry_after >= 0)
      interval = std::chrono::duration_cast<std::chrono::milliseconds>(
          seconds_to_duration(std::min(retry_after, kMaxRetryAfterSeconds)));
    interval =
        std::clamp(interval, settings_.min_lro_poll_interval,
                   std::max(settings_.min_lro_poll_interval, settings_.max_lro_poll_interval));
    const auto next = Clock::now() + interval;
    const double waited = std::chrono::duration<double>(Clock::now() - started).count();
    if (next >= deadline) {
      ArmResponse out;
      out.kind = ArmResponse::Kind::kTimeout;
      out.request_id = request_id;
      out.message = what + " did not finish before the deadline: still " + state + " after " +
                    seconds_text(waited) +
                    (request_id.empty() ? "" : " (x-ms-request-id " + request_id + ")");
      return out;
    }
    if (report) report("waiting for " + what + ": " + seconds_text(waited) + ", " + state);
    if (!sleep_until(next, stop)) {
      ArmResponse out;
      out.kind = ArmResponse::Kind::kCancelled;
      out.message = what + ": cancelled while waiting for it";
      return out;
    }
    if (!async.empty()) {
      ArmResponse poll = get(async, deadline, stop);
      if (!poll.ok()) return poll;
      if (!poll.request_id.empty()) request_id = poll.request_id;
      retry_after = poll.retry_after_s;
      state = str(at(poll.body, {"status"}));
      const std::string s = lower(state);
      if (s == "succeeded") {
        if (!location.empty()) {
          ArmResponse result = get(location, deadline, stop);
          if (!result.ok() || result.status != 202) return result;
          continue;  // the result is not ready yet; keep polling
        }
        // Compute operations carry the result in the operation's properties.
        if (const boost::json::value* output = at(poll.body, {"properties", "output"})) {
          poll.body = *output;
        }
        return poll;
      }
      if (s == "failed" || s == "canceled" || s == "cancelled") {
        ArmResponse out;
        out.kind = ArmResponse::Kind::kOperationFailed;
        out.request_id = request_id;
        out.error_code = str(at(poll.body, {"error", "code"}));
        std::string message = str(at(poll.body, {"error", "message"}));
        out.message = redactor_->scrub(
            what + " ended " + state + (out.error_code.empty() ? "" : ": " + out.error_code) +
            (message.empty() ? "" : ": " + clip(message)) + out.request_id_note());
        return out;
      }
      if (state.empty()) state = "in progress";
    } else {
      ArmResponse poll = get(location, deadline, stop);
      if (!poll.ok()) return poll;
      if (!poll.request_id.empty()) request_id = poll.request_id;
      retry_after = poll.retry_after_s;
      if (poll.status != 202) return poll;
      state = "in progress";
    }
  }
}

}  // namespace rdptriage::internal::azure
