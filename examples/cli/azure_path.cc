#include "azure_path.h"

#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "common.h"
#include "rdptriage/azure.h"
#include "rdptriage/live_probes.h"

namespace rdptriage::cli {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) {
  g_interrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the program at once
}

// Progress lines on stderr, only for a person at a terminal.
class Progress {
 public:
  Progress() : enabled_(isatty(STDERR_FILENO) != 0), start_(Clock::now()) {}
  bool enabled() const { return enabled_; }
  void line(const std::string& text) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    fmt::print(stderr, "[{:6.1f}s] {}\n",
               std::chrono::duration<double>(Clock::now() - start_).count(), safe(text));
  }

 private:
  bool enabled_;
  Clock::time_point start_;
  std::mutex mutex_;
};

// Wraps an adapter: says which probe runs and how long it took.
class ProgressAdapter : public ProbeAdapter {
 public:
  ProgressAdapter(std::shared_ptr<ProbeAdapter> inner, std::shared_ptr<Progress> progress)
      : inner_(std::move(inner)), progress_(std::move(progress)) {}
  ProbeResult run(const ProbeRequest& request) override {
    const auto start = Clock::now();
    progress_->line(request.probe_id + " ...");
    ProbeResult r = inner_->run(request);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::string what = r.has_value()                               ? to_string(r.value)
                       : r.kind == ProbeResult::Kind::kUnavailable ? "unavailable"
                                                                   : "failed";
    progress_->line(fmt::format("{} = {} ({:.1f}s)", request.probe_id, what, s));
    return r;
  }
  std::string name() const override { return inner_->name(); }
  bool may_block() const override { return inner_->may_block(); }
  void end_evaluation(std::uint64_t id) override { inner_->end_evaluation(id); }

 private:
  std::shared_ptr<ProbeAdapter> inner_;
  std::shared_ptr<Progress> progress_;
};

class Run : public AzureRun {
 public:
  explicit Run(std::shared_ptr<AzureAdapter> azure) : azure_(std::move(azure)) {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_);
    // Ctrl-C ends the evaluation (EvaluateRequest::cancel: the report is
    // concluded from what is known) and cancels the Azure adapter, so its
    // requests in flight stop at once too.
    watcher_ = std::thread([this] {
      while (!done_) {
        if (g_interrupted && !interrupted_) {
          interrupted_ = true;
          cancel_ = true;
          azure_->cancel();
          fmt::print(stderr, "rdptriage: interrupted; finishing with what was observed\n");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~Run() override {
    done_ = true;
    watcher_.join();
    sigaction(SIGINT, &old_, nullptr);
  }
  bool interrupted() const override { return interrupted_; }
  const std::atomic<bool>* cancel_flag() const { return &cancel_; }

 private:
  std::atomic<bool> cancel_{false};
  std::shared_ptr<AzureAdapter> azure_;
  struct sigaction old_ {};
  std::atomic<bool> done_{false};
  std::atomic<bool> interrupted_{false};
  std::thread watcher_;
};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

void add_azure_options(CLI::App* app, AzureArgs* a) {
  app->add_flag("--azure", a->enabled,
                "Observe the VM in Azure (ARM, Network Watcher, Run Command) with the Azure SDK "
                "credentials (AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, managed "
                "identity, or az login)");
  app->add_option("--subscription", a->subscription, "--azure: the VM's subscription id");
  app->add_option("--resource-group", a->resource_group, "--azure: the VM's resource group");
  app->add_option("--vm", a->vm, "--azure: the VM's name");
  app->add_option("--client-ip", a->client_ip,
                  "--azure: the client's public address (IP flow verify, next hop, JIT)");
  app->add_option("--connectivity-source", a->connectivity_source,
                  "--azure: a VM (name in the same group, or id) to run the connectivity check "
                  "from");
  app->add_option("--username", a->username, "--azure: the account used to sign in");
  app->add_option("--user-domain", a->user_domain,
                  "--azure: its domain, for a domain account (NetBIOS or DNS name; AzureAD for "
                  "an Entra ID account)");
  app->add_option("--user-object-id", a->user_object_id,
                  "--azure: for an Entra ID account, its object id (az ad user show --id UPN "
                  "--query id), to read its VM sign-in roles");
  app->add_option("--dial", a->dial,
                  "--azure: what the client dials, HOST[:PORT] (default: the VM's public IP)");
  app->add_flag("--no-client-probes", a->no_client_probes,
                "--azure: do not probe the VM from this machine (it is not where the client sits)");
  app->add_option("--probe-timeout", a->probe_timeout,
                  "--azure: seconds one probe may take (default 180; Run Command needs ~60)");
}

StatusOr<std::unique_ptr<AzureRun>> add_azure(const AzureArgs& a, EvaluateRequest* request) {
  auto invalid = [](std::string why) {
    return Status(ErrorCode::kInvalidArgument, std::move(why));
  };
  if (a.subscription.empty() || a.resource_group.empty() || a.vm.empty())
    return invalid("--azure needs --subscription, --resource-group and --vm");
  if (!(a.probe_timeout > 0 && a.probe_timeout <= 3600))
    return invalid("--probe-timeout must be between 0 and 3600 seconds");
  Context& c = request->context;
  c["subscription"] = a.subscription;
  c["resource_group"] = a.resource_group;
  c["vm"] = a.vm;
  if (!a.client_ip.empty()) c["client_ip"] = a.client_ip;
  if (!a.connectivity_source.empty()) c["connectivity_source"] = a.connectivity_source;
  if (!a.username.empty()) c["username"] = a.username;
  if (!a.user_domain.empty()) c["user_domain"] = a.user_domain;
  if (!a.user_object_id.empty()) c["user_object_id"] = a.user_object_id;
  for (const auto& [k, v] : c) {
    Status ok = validate_context_value(k, v);
    if (!ok.ok()) return ok;
  }
  auto progress = std::make_shared<Progress>();
  AzureOptions options;
  options.credentials = AzureCredentialOptions::from_environment();
  if (std::string arm = env("RDPTRIAGE_ARM_ENDPOINT"); !arm.empty()) options.arm_endpoint = arm;
  options.ca_file = env("RDPTRIAGE_CA_FILE");
  options.log = [progress](LogLevel level, std::string_view line) {
    if (level != LogLevel::kDebug) progress->line(std::string(line));
  };
  auto azure = AzureAdapter::create(options);
  if (!azure.ok()) return azure.status();
  request->options.probe_deadline =
      std::chrono::milliseconds(static_cast<long long>(a.probe_timeout * 1000));
  // Ctrl-C is caught from here on: the reads below (the public IP, which
  // may wait for a token, and the client probes) happen before the
  // evaluation, and an interrupt during them still ends with a report.
  auto run = std::make_unique<Run>(*azure);

  // The client's side: what it dials, probed from here.
  std::string host = a.dial;
  int port = 3389;
  if (a.no_client_probes) {
    if (!host.empty()) return invalid("--dial and --no-client-probes exclude each other");
  } else if (!host.empty()) {
    if (auto colon = host.rfind(':');
        colon != std::string::npos && host.find(':') == colon && colon + 1 < host.size()) {
      port = std::atoi(host.c_str() + colon + 1);
      host.resize(colon);
      if (port < 1 || port > 65535) return invalid("--dial has a port outside 1-65535");
    }
  } else {
    // The VM's current public IP, read once before the evaluation; Ctrl-C
    // cancels it (the Run raises the flag and cancels the adapter).
    ProbeRequest pre;
    pre.probe_id = "azure.public_ip_address";
    pre.context = &c;
    pre.deadline = Clock::now() + std::chrono::seconds(60);
    pre.evaluation_id = UINT64_MAX;
    pre.cancelled = run->cancel_flag();
    progress->line("reading the VM's public IP ...");
    ProbeResult ip = (*azure)->run(pre);
    (*azure)->end_evaluation(UINT64_MAX);
    if (ip.has_value())
      host = to_string(ip.value);
    else
      progress->line("no public IP to probe from here (" + ip.reason + ")");
  }
  if (!c.count("port")) c["port"] = std::to_string(port);
  std::vector<std::shared_ptr<ProbeAdapter>> adapters;
  adapters.push_back(std::make_shared<ProgressAdapter>(*azure, progress));
  if (!host.empty()) {
    auto live = std::make_shared<LiveProbeAdapter>(host, port);
    // Each live probe is bounded by its own timeout (LiveProbeOptions); after
    // Ctrl-C they are not started at all.
    if (!run->interrupted()) {
      progress->line("probing " + host + ":" + std::to_string(port) + " from this machine ...");
      live->collect();
    }
    adapters.push_back(std::make_shared<ProgressAdapter>(live, progress));
  }
  for (auto& adapter : request->adapters) adapters.push_back(adapter);
  request->adapters = std::move(adapters);
  request->cancel = run->cancel_flag();
  return std::unique_ptr<AzureRun>(std::move(run));
}

}  // namespace rdptriage::cli
