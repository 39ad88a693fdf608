// AzureAdapter: options, credentials, cancellation and dispatch to the probe
// mapping. Each run() gets a stop flag of its own that rises when the
// engine cancels the request, when the host calls cancel(), or never; every
// wait below (HTTP, backoff, polling, the az process) watches it.
#include <condition_variable>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "azure/arm_client.h"
#include "azure/credentials.h"
#include "azure/evaluation_cache.h"
#include "azure/http.h"
#include "azure/json_util.h"
#include "azure/probe_mapping.h"
#include "azure/redact.h"
#include "azure/vm_reader.h"
#include "rdptriage/azure.h"
#include "rdptriage/rules.h"

namespace rdptriage {

using internal::azure::Clock;

namespace {

bool is_https(const std::string& url) {
  return internal::azure::lower(url).rfind("https://", 0) == 0;
}

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// A user name as typed ("AUTHORITY\name", ".\name", "name@domain"): passed
// to the script as a parameter, never spliced into its text; still, only
// characters a Windows account name can hold pass.
bool plausible_username(const std::string& u) {
  if (u.empty() || u.size() > 256) return false;
  for (char c : u) {
    unsigned char x = static_cast<unsigned char>(c);
    if (!(std::isalnum(x) || c == '.' || c == '_' || c == '-' || c == '@' || c == '\\' ||
          c == ' ' || c == '$'))
      return false;
  }
  return true;
}

}  // namespace

struct AzureAdapter::Impl {
  AzureOptions options;
  std::shared_ptr<internal::azure::Redactor> redactor;
  std::shared_ptr<internal::azure::HttpClient> http;
  std::shared_ptr<internal::azure::TokenCache> tokens;
  // The default chain, when the host brought no token source.
  std::shared_ptr<internal::azure::ChainedCredential> chain;
  std::unique_ptr<internal::azure::ArmClient> arm;
  internal::azure::EvaluationCaches caches;
  std::string script;
  std::atomic<bool> cancelled{false};

  // Stop flags of the runs in flight, raised by the watcher thread.
  struct Scope {
    std::atomic<bool> stop{false};
    const std::atomic<bool>* request_flag = nullptr;
  };
  std::mutex scopes_mutex;
  std::condition_variable scopes_changed;
  std::set<Scope*> scopes;
  bool shutting_down = false;
  std::thread watcher;

  void watch() {
    std::unique_lock<std::mutex> lock(scopes_mutex);
    while (!shutting_down) {
      if (scopes.empty()) {
        scopes_changed.wait(lock);
        continue;
      }
      for (Scope* s : scopes)
        if (cancelled.load() || (s->request_flag != nullptr && s->request_flag->load()))
          s->stop.store(true);
      scopes_changed.wait_for(lock, std::chrono::milliseconds(20));
    }
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(scopes_mutex);
      shutting_down = true;
    }
    scopes_changed.notify_all();
    if (watcher.joinable()) watcher.join();
  }

  void log(LogLevel level, const std::string& message) const {
    if (!options.log) return;
    try {
      options.log(level, redactor->scrub(message));
    } catch (...) {
      // A host's log sink must not break a probe.
    }
  }
};

AzureAdapter::AzureAdapter(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

AzureAdapter::~AzureAdapter() = default;

StatusOr<std::shared_ptr<AzureAdapter>> AzureAdapter::create(AzureOptions options) {
  auto invalid = [](std::string why) {
    return Status(ErrorCode::kInvalidArgument, std::move(why));
  };
  options.arm_endpoint = trim_slash(options.arm_endpoint);
  if (!is_https(options.arm_endpoint))
    return invalid("arm_endpoint must be an https URL, got \"" + options.arm_endpoint + "\"");
  if (!options.token_source && !options.credentials.authority_host.empty() &&
      !is_https(options.credentials.authority_host))
    return invalid("authority_host must be an https URL, got \"" +
                   options.credentials.authority_host + "\"");
  if (options.max_response_bytes < 1024) return invalid("max_response_bytes must be at least 1024");
  if (options.max_attempts < 1) return invalid("max_attempts must be at least 1");
  if (options.serial_log_tail_bytes < 256)
    return invalid("serial_log_tail_bytes must be at least 256");
  auto impl = std::make_shared<Impl>();
  if (options.run_command) {
    std::filesystem::path script = options.run_command_script;
    if (script.empty()) {
      std::filesystem::path rules = bundled_rules_dir();
      if (rules.empty())
        return Status(ErrorCode::kNotFound,
                      "the bundled rules (and their run_command/guest_facts.ps1) were not found; "
                      "set AzureOptions::run_command_script or RDPTRIAGE_RULES_DIR");
      script = rules / "run_command" / "guest_facts.ps1";
    }
    std::ifstream in(script, std::ios::binary);
    if (!in)
      return Status(ErrorCode::kIoError, script.string() + ": cannot read the Run Command script",
                    {Diagnostic{script.string(), 0, 0, "", "", "cannot read"}});
    std::ostringstream text;
    text << in.rdbuf();
    impl->script = text.str();
    if (impl->script.empty() || impl->script.size() > 200 * 1024)
      return Status(ErrorCode::kLimitExceeded,
                    script.string() + ": a Run Command script must be 1 byte to 200 KB");
  }
  if (options.token_resource.empty()) options.token_resource = options.arm_endpoint + "/";
  impl->redactor = std::make_shared<internal::azure::Redactor>();
  internal::azure::HttpOptions http;
  http.ca_file = options.ca_file;
  http.max_body_bytes = options.max_response_bytes;
  http.connect_timeout = options.connect_timeout;
  impl->http = std::make_shared<internal::azure::HttpClient>(http);
  std::shared_ptr<AzureTokenSource> source = options.token_source;
  if (!source) {
    Impl* raw = impl.get();  // owns the chain, so outlives it
    impl->chain = internal::azure::make_default_chain(
        impl->http, options.credentials, impl->redactor,
        [raw](const std::string& line) { raw->log(LogLevel::kWarning, line); });
    source = impl->chain;
  }
  impl->redactor->add(options.credentials.client_secret);
  impl->redactor->add(options.credentials.identity_header);
  impl->tokens = std::make_shared<internal::azure::TokenCache>(source, options.token_refresh_margin,
                                                               impl->redactor);
  internal::azure::ArmSettings arm;
  arm.endpoint = options.arm_endpoint;
  arm.token_resource = options.token_resource;
  arm.max_attempts = options.max_attempts;
  arm.initial_backoff = options.initial_backoff;
  arm.max_backoff = options.max_backoff;
  arm.lro_poll_interval = options.lro_poll_interval;
  arm.min_lro_poll_interval = options.min_lro_poll_interval;
  arm.max_lro_poll_interval = options.max_lro_poll_interval;
  impl->arm =
      std::make_unique<internal::azure::ArmClient>(impl->http, impl->tokens, impl->redactor, arm);
  impl->options = std::move(options);
  Impl* raw = impl.get();
  impl->watcher = std::thread([raw] { raw->watch(); });
  return std::shared_ptr<AzureAdapter>(new AzureAdapter(std::move(impl)));
}

ProbeResult AzureAdapter::run(const ProbeRequest& request) {
  Impl& impl = *impl_;
  if (impl.cancelled.load()) return ProbeResult::failed("cancelled");
  const Context empty;
  const Context& ctx = request.context != nullptr ? *request.context : empty;
  auto get = [&](const char* key) {
    auto it = ctx.find(key);
    return it == ctx.end() ? std::string() : it->second;
  };
  internal::azure::VmRef ref{get("subscription"), get("resource_group"), get("vm")};
  if (ref.subscription.empty() || ref.resource_group.empty() || ref.vm.empty())
    return ProbeResult::unavailable(
        "the context does not name the VM (subscription, "
        "resource_group and vm are needed)");
  for (const char* key : {"subscription", "resource_group", "vm", "client_ip", "port"}) {
    if (get(key).empty()) continue;
    Status ok = validate_context_value(key, get(key));
    if (!ok.ok()) return ProbeResult::failed(ok.message());
  }
  internal::azure::ProbeInputs in;
  in.client_ip = get("client_ip");
  if (std::string port = get("port"); !port.empty()) in.port = std::atoi(port.c_str());
  in.connectivity_source = get("connectivity_source");
  in.username = get("username");
  in.user_domain = get("user_domain");
  in.user_object_id = get("user_object_id");
  in.serial_log_tail_bytes = impl.options.serial_log_tail_bytes;
  in.blob_http = impl.http.get();
  in.run_command_enabled = impl.options.run_command;
  in.run_command.script = impl.script;
  // The script gets the account as "DOMAIN\name" (context username plus
  // user_domain), "name@dns.domain" when the domain is a DNS name (the
  // user principal name, which the Security log may name the logon by) or
  // the bare name of a local account.
  std::string user = get("username");
  const std::string domain = get("user_domain");
  if (!user.empty() && !domain.empty())
    user = domain.find('.') != std::string::npos && domain != "." ? user + "@" + domain
                                                                  : domain + "\\" + user;
  if (plausible_username(user)) in.run_command.username = user;
  in.run_command.client_address = in.client_ip;  // validated above

  Impl::Scope scope;
  scope.request_flag = request.cancelled;
  {
    std::lock_guard<std::mutex> lock(impl.scopes_mutex);
    impl.scopes.insert(&scope);
  }
  impl.scopes_changed.notify_all();
  struct Unregister {
    Impl& impl;
    Impl::Scope* scope;
    ~Unregister() {
      std::lock_guard<std::mutex> lock(impl.scopes_mutex);
      impl.scopes.erase(scope);
    }
  } unregister{impl, &scope};
  if (impl.cancelled.load()) scope.stop.store(true);

  auto deadline = request.deadline;
  if (deadline.time_since_epoch().count() == 0) deadline = Clock::now() + std::chrono::minutes(3);
  const std::string probe = request.probe_id;
  internal::azure::VmReader reader(
      *impl.arm, impl.caches.of(request.evaluation_id), ref, deadline, &scope.stop,
      [&impl, probe](const std::string& line) { impl.log(LogLevel::kInfo, probe + ": " + line); });
  ProbeResult result;
  try {
    result = internal::azure::answer_probe(request.probe_id, reader, in);
  } catch (const std::exception& e) {
    result = ProbeResult::failed(std::string("internal error: ") + e.what());
  } catch (...) {
    result = ProbeResult::failed("internal error");
  }
  if (scope.stop.load() && result.kind != ProbeResult::Kind::kValue &&
      result.reason.find("cancel") == std::string::npos)
    result.reason += " (cancelled)";
  // Credential sources the chain passed over are named in the detail of
  // the evaluation's first answer (and were logged as they were skipped).
  if (impl.chain) {
    if (std::string note = impl.chain->passed_over(); !note.empty()) {
      bool first = false;
      impl.caches.of(request.evaluation_id)
          ->get(
              "credential_note",
              [&] {
                first = true;
                internal::azure::ArmResponse ok;
                ok.kind = internal::azure::ArmResponse::Kind::kOk;
                return ok;
              },
              deadline, nullptr);
      if (first) result.reason += (result.reason.empty() ? "" : "; ") + ("credential: " + note);
    }
  }
  // Nothing leaves without passing the redactor.
  result.reason = impl.redactor->scrub(result.reason);
  for (auto& [name, v] : result.fields) v = impl.redactor->scrub(v);
  if (auto* s = std::get_if<std::string>(&result.value)) *s = impl.redactor->scrub(*s);
  impl.log(LogLevel::kDebug, probe + ": " +
                                 (result.kind == ProbeResult::Kind::kValue    ? "answered"
                                  : result.kind == ProbeResult::Kind::kFailed ? "failed"
                                                                              : "unavailable") +
                                 (result.reason.empty() ? "" : ": " + result.reason));
  return result;
}

void AzureAdapter::end_evaluation(std::uint64_t evaluation_id) {
  impl_->caches.drop(evaluation_id);
}

void AzureAdapter::cancel() {
  impl_->cancelled.store(true);
  impl_->scopes_changed.notify_all();
}

const std::vector<std::string>& AzureAdapter::answered_probes() {
  return internal::azure::mapped_probes();
}

}  // namespace rdptriage
