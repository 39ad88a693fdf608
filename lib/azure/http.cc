#include "azure/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

namespace rdptriage::internal::azure {
namespace {

std::once_flag curl_init_once;
bool curl_ready = false;

void init_curl() {
  std::call_once(curl_init_once,
                 [] { curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
}

struct Transfer {
  const HttpRequest* request = nullptr;
  std::size_t limit = 0;
  HttpResponse* response = nullptr;
  bool too_large = false;
  bool cancelled = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string& body = t->response->body;
  if (t->request->tail_bytes > 0) {
    body.append(data, n);
    if (body.size() > 2 * t->request->tail_bytes) {
      body.erase(0, body.size() - t->request->tail_bytes);
      t->response->truncated = true;
    }
    return n;
  }
  if (body.size() + n > t->limit) {
    t->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->response->headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = line.substr(colon + 1);
  auto first = value.find_first_not_of(" \t");
  value = first == std::string::npos ? "" : value.substr(first);
  // Bound what a hostile server can make us keep.
  if (t->response->headers.size() < 128 && value.size() < 8192)
    t->response->headers[name] = std::move(value);
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->cancelled != nullptr && t->request->cancelled->load()) {
    t->cancelled = true;
    return 1;
  }
  return 0;
}

HttpResponse::Outcome classify(CURLcode code) {
  using O = HttpResponse::Outcome;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return O::kTimeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return O::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return O::kTls;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return O::kReset;
    default:
      return O::kOther;
  }
}

}  // namespace

// Connections, TLS sessions and DNS answers shared between requests.
struct HttpClient::Shared {
  CURLSH* share = nullptr;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> locks;

  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    auto* s = static_cast<Shared*>(user);
    if (data >= 0 && data < CURL_LOCK_DATA_LAST) s->locks[data].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    auto* s = static_cast<Shared*>(user);
    if (data >= 0 && data < CURL_LOCK_DATA_LAST) s->locks[data].unlock();
  }

  Shared() {
    share = curl_share_init();
    if (share == nullptr) return;
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Shared::lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Shared::unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
  ~Shared() {
    if (share != nullptr) curl_share_cleanup(share);
  }
};

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {
  init_curl();
  shared_ = std::make_unique<Shared>();
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(const HttpRequest& request) const {
  HttpResponse response;
  const auto start = Clock::now();
  auto finish = [&](HttpResponse::Outcome outcome, std::string error) {
    response.outcome = outcome;
    response.error = std::move(error);
    response.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    return response;
  };
  if (!curl_ready) return finish(HttpResponse::Outcome::kOther, "libcurl could not be initialized");
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(request.deadline - start);
  if (left.count() <= 0) return finish(HttpResponse::Outcome::kTimeout, "no time left");
  if (request.cancelled != nullptr && request.cancelled->load())
    return finish(HttpResponse::Outcome::kCancelled, "cancelled");

  CURL* curl = curl_easy_init();
  if (curl == nullptr) return finish(HttpResponse::Outcome::kOther, "curl_easy_init failed");
  Transfer t{&request, options_.max_body_bytes, &response};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const std::string& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  // No Accept-Encoding: bodies arrive as they are, so the size limit counts
  // what the server sends.
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // never carry a token elsewhere
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(left, options_.connect_timeout).count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  if (shared_->share != nullptr) curl_easy_setopt(curl, CURLOPT_SHARE, shared_->share);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (request.no_proxy) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    // Never over a reused connection: libcurl re-sends a request whose
    // reused connection died before any answer, and a POST that did arrive
    // would then run twice. A fresh connection also makes a connect or TLS
    // failure mean the request was not sent (certainly_not_sent()).
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);

  if (code == CURLE_OK) return finish(HttpResponse::Outcome::kOk, {});
  if (t.too_large)
    return finish(HttpResponse::Outcome::kTooLarge, "the response body passed the limit of " +
                                                        std::to_string(options_.max_body_bytes) +
                                                        " bytes");
  if (t.cancelled) return finish(HttpResponse::Outcome::kCancelled, "cancelled");
  std::string detail = errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(code);
  HttpResponse::Outcome outcome = classify(code);
  if (code == CURLE_ABORTED_BY_CALLBACK) outcome = HttpResponse::Outcome::kCancelled;
  return finish(outcome, detail);
}

std::string url_origin(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url.substr(0, url.find_first_of("/?#"));
  auto end = url.find_first_of("/?#", scheme + 3);
  return url.substr(0, end);
}

std::string url_without_query(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

std::string url_encode(const std::string& value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace rdptriage::internal::azure
