#include "azure/credentials.h"

#include <cmath>
#include <cstdlib>
#include <ctime>

#include "azure/json_util.h"
#include "azure/process.h"

namespace rdptriage {

AzureCredentialOptions AzureCredentialOptions::from_environment() {
  AzureCredentialOptions o;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  o.tenant_id = env("AZURE_TENANT_ID");
  o.client_id = env("AZURE_CLIENT_ID");
  o.client_secret = env("AZURE_CLIENT_SECRET");
  if (std::string a = env("AZURE_AUTHORITY_HOST"); !a.empty()) o.authority_host = a;
  o.identity_endpoint = env("IDENTITY_ENDPOINT");
  o.identity_header = env("IDENTITY_HEADER");
  // Azure Arc sets IDENTITY_ENDPOINT and IMDS_ENDPOINT, and no header.
  o.azure_arc =
      !o.identity_endpoint.empty() && o.identity_header.empty() && !env("IMDS_ENDPOINT").empty();
  if (std::string imds = env("AZURE_POD_IDENTITY_AUTHORITY_HOST"); !imds.empty())
    o.imds_endpoint = imds;
  if (o.client_secret.empty()) o.managed_identity_client_id = o.client_id;
  return o;
}

namespace internal::azure {
namespace {

Status fail(std::string why) { return Status(ErrorCode::kIoError, std::move(why)); }

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

std::string first_line(std::string s, std::size_t max = 300) {
  auto nl = s.find_first_of("\r\n");
  if (nl != std::string::npos) s.resize(nl);
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

// An OAuth error body ({"error": "...", "error_description": "AADSTS..."})
// or ARM-style ({"error": {"code", "message"}}), in one line.
std::string oauth_error(const HttpResponse& r) {
  std::string why;
  auto body = parse_body(r.body, &why);
  std::string out = "HTTP " + std::to_string(r.status);
  if (!body) return out;
  const boost::json::value* e = at(*body, {"error"});
  if (e != nullptr && e->is_string()) out += " " + str(e);
  if (e != nullptr && e->is_object()) out += " " + str(at(e, {"code"}));
  std::string desc = str(at(*body, {"error_description"}));
  if (desc.empty()) desc = str(at(e, {"message"}));
  if (!desc.empty()) out += ": " + first_line(desc);
  return out;
}

std::string transport_error(const HttpResponse& r, const std::string& url) {
  return "cannot reach " + url_origin(url) + ": " + r.error;
}

using SystemClock = std::chrono::system_clock;

// A token's lifetime is taken at its word up to a day (a longer one, even
// 1e300 s, is cut to a day); one that is missing or not a finite number
// counts as five minutes.
constexpr double kMaxTokenLifetimeS = 24 * 3600.0;

// When a token expires, from expires_on (epoch seconds) or expires_in
// (seconds from now); clamped before any conversion to integer time.
SystemClock::time_point expiry(std::optional<double> on, std::optional<double> in) {
  const auto now = SystemClock::now();
  const double now_s = std::chrono::duration<double>(now.time_since_epoch()).count();
  double left = 300;
  if (on && std::isfinite(*on))
    left = *on - now_s;
  else if (in && std::isfinite(*in))
    left = *in;
  left = std::clamp(left, 0.0, kMaxTokenLifetimeS);
  return now + std::chrono::seconds(static_cast<long long>(left));
}

// A token from an OAuth-shaped body: access_token plus expires_in (seconds
// from now) or expires_on (epoch seconds), either as number or string.
StatusOr<AzureAccessToken> token_from_body(const HttpResponse& r, Redactor& redactor) {
  std::string why;
  auto body = parse_body(r.body, &why);
  if (!body) return fail("token response: " + why);
  AzureAccessToken t;
  t.token = str(at(*body, {"access_token"}));
  if (t.token.empty()) return fail("token response has no access_token");
  redactor.add(t.token);
  t.expires_on = expiry(num(at(*body, {"expires_on"})), num(at(*body, {"expires_in"})));
  return t;
}

bool cancelled_now(const std::atomic<bool>* c) { return c != nullptr && c->load(); }

}  // namespace

ClientSecretCredential::ClientSecretCredential(std::shared_ptr<const HttpClient> http,
                                               AzureCredentialOptions options,
                                               std::shared_ptr<Redactor> redactor)
    : http_(std::move(http)), options_(std::move(options)), redactor_(std::move(redactor)) {
  redactor_->add(options_.client_secret);
}

StatusOr<AzureAccessToken> ClientSecretCredential::get_token(std::string_view resource,
                                                             Clock::time_point deadline,
                                                             const std::atomic<bool>* cancelled) {
  if (options_.tenant_id.empty() || options_.client_id.empty() || options_.client_secret.empty())
    return Status(ErrorCode::kNotFound,
                  "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not all set");
  HttpRequest req;
  req.method = "POST";
  req.url = trim_slash(options_.authority_host) + "/" + url_encode(options_.tenant_id) +
            "/oauth2/v2.0/token";
  req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
  std::string scope = trim_slash(std::string(resource)) + "/.default";
  req.body = "grant_type=client_credentials&client_id=" + url_encode(options_.client_id) +
             "&client_secret=" + url_encode(options_.client_secret) + "&scope=" + url_encode(scope);
  req.deadline = deadline;
  req.cancelled = cancelled;
  HttpResponse r = http_->send(req);
  if (!r.transported()) return fail(transport_error(r, req.url));
  if (r.status != 200) return fail("the authority refused: " + oauth_error(r));
  return token_from_body(r, *redactor_);
}

ManagedIdentityCredential::ManagedIdentityCredential(std::shared_ptr<const HttpClient> http,
                                                     AzureCredentialOptions options,
                                                     std::shared_ptr<Redactor> redactor)
    : http_(std::move(http)), options_(std::move(options)), redactor_(std::move(redactor)) {
  redactor_->add(options_.identity_header);
}

StatusOr<AzureAccessToken> ManagedIdentityCredential::get_token(
    std::string_view resource, Clock::time_point deadline, const std::atomic<bool>* cancelled) {
  HttpRequest req;
  req.cancelled = cancelled;
  req.no_proxy = true;
  const std::string client = options_.managed_identity_client_id.empty()
                                 ? ""
                                 : "&client_id=" + url_encode(options_.managed_identity_client_id);
  std::string where;
  if (options_.azure_arc)
    return Status(ErrorCode::kNotFound,
                  "IDENTITY_ENDPOINT and IMDS_ENDPOINT say Azure Arc, whose managed identity "
                  "answers with a key-file challenge this adapter does not support");
  if (!options_.identity_endpoint.empty() && !options_.identity_header.empty()) {
    where = "IDENTITY_ENDPOINT";
    req.url = options_.identity_endpoint +
              "?api-version=2019-08-01&resource=" + url_encode(std::string(resource)) + client;
    req.headers = {"X-IDENTITY-HEADER: " + options_.identity_header};
    req.deadline = deadline;
  } else if (!options_.imds_endpoint.empty()) {
    where = "IMDS";
    req.url = trim_slash(options_.imds_endpoint) +
              "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
              url_encode(std::string(resource)) + client;
    req.headers = {"Metadata: true"};
    req.deadline = std::min(deadline, Clock::now() + options_.imds_timeout);
  } else {
    return Status(ErrorCode::kNotFound, "no managed identity endpoint is configured");
  }
  HttpResponse r = http_->send(req);
  if (r.outcome == HttpResponse::Outcome::kTimeout && where == "IMDS" && !cancelled_now(cancelled))
    return fail("IMDS at " + url_origin(req.url) + " did not answer within " +
                std::to_string(options_.imds_timeout.count()) + " ms (not on an Azure host?)");
  if (!r.transported()) return fail(where + ": " + transport_error(r, req.url));
  if (r.status != 200) return fail(where + " refused: " + oauth_error(r));
  return token_from_body(r, *redactor_);
}

AzureCliCredential::AzureCliCredential(AzureCredentialOptions options,
                                       std::shared_ptr<Redactor> redactor)
    : options_(std::move(options)), redactor_(std::move(redactor)) {}

StatusOr<AzureAccessToken> AzureCliCredential::get_token(std::string_view resource,
                                                         Clock::time_point deadline,
                                                         const std::atomic<bool>* cancelled) {
  const auto limit = std::min(deadline, Clock::now() + options_.azure_cli_timeout);
  ProcessResult p = run_process({options_.az_path, "account", "get-access-token", "--resource",
                                 std::string(resource), "--output", "json"},
                                limit, cancelled, 256 * 1024);
  if (p.outcome == ProcessResult::Outcome::kNotStarted)
    return Status(ErrorCode::kNotFound, "cannot run " + options_.az_path + ": " + p.error);
  if (p.outcome != ProcessResult::Outcome::kExited) return fail(options_.az_path + " " + p.error);
  if (p.exit_code != 0) {
    std::string err = first_line(p.err.substr(0, 2000));
    if (err.rfind("ERROR: ", 0) == 0) err = err.substr(7);
    return fail(options_.az_path + " exited with " + std::to_string(p.exit_code) +
                (err.empty() ? "" : ": " + redactor_->scrub(err)));
  }
  std::string why;
  auto body = parse_body(p.out, &why);
  if (!body) return fail(options_.az_path + " printed something else than a token: " + why);
  AzureAccessToken t;
  t.token = str(at(*body, {"accessToken"}));
  if (t.token.empty()) return fail(options_.az_path + " printed no accessToken");
  redactor_->add(t.token);
  std::optional<double> on = num(at(*body, {"expires_on"}));
  if (!on) {
    // Older CLIs print only expiresOn, local time "2023-10-31 11:59:55.000000".
    std::tm tm{};
    std::string text = str(at(*body, {"expiresOn"}));
    if (strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm) != nullptr) {
      tm.tm_isdst = -1;
      const std::time_t when = std::mktime(&tm);
      if (when != static_cast<std::time_t>(-1)) on = static_cast<double>(when);
    }
  }
  t.expires_on = expiry(on, std::nullopt);
  return t;
}

ChainedCredential::ChainedCredential(std::vector<std::shared_ptr<AzureTokenSource>> sources,
                                     SkipReporter on_skip)
    : sources_(std::move(sources)), on_skip_(std::move(on_skip)) {}

std::string ChainedCredential::name() const {
  std::string out;
  for (const auto& s : sources_) out += (out.empty() ? "" : ", then ") + s->name();
  return out;
}

std::string ChainedCredential::passed_over() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (chosen_ == nullptr || skipped_.empty()) return {};
  return "token from " + chosen_->name() + "; passed over: " + skipped_;
}

StatusOr<AzureAccessToken> ChainedCredential::get_token(std::string_view resource,
                                                        Clock::time_point deadline,
                                                        const std::atomic<bool>* cancelled) {
  std::shared_ptr<AzureTokenSource> chosen;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    chosen = chosen_;
  }
  if (chosen) return chosen->get_token(resource, deadline, cancelled);
  // Each source passed over is named as the chain moves on, not only when
  // every one failed: a host sees at once why the first choice was skipped.
  std::string reasons;
  auto skip = [&](const AzureTokenSource& source, const std::string& why) {
    const std::string line = source.name() + ": " + why;
    reasons += (reasons.empty() ? "" : "; ") + line;
    if (on_skip_) {
      try {
        on_skip_("credential " + source.name() + " passed over: " + why);
      } catch (...) {
        // A host's sink must not break the chain.
      }
    }
  };
  for (const auto& source : sources_) {
    if (cancelled_now(cancelled)) return fail("cancelled");
    if (Clock::now() >= deadline) {
      skip(*source, "no time left");
      continue;
    }
    StatusOr<AzureAccessToken> t = source->get_token(resource, deadline, cancelled);
    if (t.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      chosen_ = source;
      skipped_ = reasons;
      return t;
    }
    if (cancelled_now(cancelled)) return fail("cancelled");
    skip(*source, t.status().message());
  }
  if (sources_.empty()) reasons = "every credential source is disabled";
  return Status(ErrorCode::kNotFound, "no Azure credential worked (" + reasons + ")");
}

std::shared_ptr<ChainedCredential> make_default_chain(std::shared_ptr<const HttpClient> http,
                                                      const AzureCredentialOptions& options,
                                                      std::shared_ptr<Redactor> redactor,
                                                      ChainedCredential::SkipReporter on_skip) {
  std::vector<std::shared_ptr<AzureTokenSource>> sources;
  sources.push_back(std::make_shared<ClientSecretCredential>(http, options, redactor));
  if (options.use_managed_identity)
    sources.push_back(std::make_shared<ManagedIdentityCredential>(http, options, redactor));
  if (options.use_azure_cli && !options.az_path.empty())
    sources.push_back(std::make_shared<AzureCliCredential>(options, redactor));
  return std::make_shared<ChainedCredential>(std::move(sources), std::move(on_skip));
}

TokenCache::TokenCache(std::shared_ptr<AzureTokenSource> source, std::chrono::seconds margin,
                       std::shared_ptr<Redactor> redactor)
    : source_(std::move(source)), margin_(margin), redactor_(std::move(redactor)) {}

StatusOr<std::string> TokenCache::token(const std::string& resource, Clock::time_point deadline,
                                        const std::atomic<bool>* cancelled) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    auto it = cached_.find(resource);
    if (it != cached_.end() && std::chrono::system_clock::now() + margin_ < it->second.expires_on)
      return it->second.token;
    if (!fetching_.count(resource)) break;  // nobody is fetching it: we do
    // Another probe is fetching it (IMDS may take seconds, az many): wait
    // for that, within our own deadline and cancellation, never past them.
    if (cancelled_now(cancelled))
      return Status(ErrorCode::kIoError, "cancelled while another probe fetched the token");
    if (Clock::now() >= deadline)
      return Status(ErrorCode::kIoError,
                    "the deadline passed while another probe was still fetching the token");
    changed_.wait_until(lock, std::min(deadline, Clock::now() + std::chrono::milliseconds(20)));
  }
  fetching_.insert(resource);
  lock.unlock();
  StatusOr<AzureAccessToken> t = Status(ErrorCode::kInternal, "no token source");
  try {
    if (source_) t = source_->get_token(resource, deadline, cancelled);
  } catch (...) {
    t = Status(ErrorCode::kInternal, "the token source threw");
  }
  if (t.ok()) redactor_->add(t->token);
  lock.lock();
  fetching_.erase(resource);
  ++fetches_;
  if (t.ok()) cached_[resource] = *t;
  lock.unlock();
  changed_.notify_all();
  if (!t.ok()) return Status(t.status().code(), redactor_->scrub(t.status().message()));
  return t->token;
}

void TokenCache::invalidate(const std::string& resource, const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = cached_.find(resource);
  if (it != cached_.end() && it->second.token == token) cached_.erase(it);
}

int TokenCache::fetches() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fetches_;
}

}  // namespace internal::azure
}  // namespace rdptriage
