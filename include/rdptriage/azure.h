// rdptriage: observe one Azure VM over the Azure Resource Manager REST API.
//
// AzureAdapter is a ProbeAdapter (component rdptriage::azure, library
// rdptriage_azure) answering the control-plane, metrics, boot-diagnostics,
// Network Watcher and Run Command probes for the VM named by the context
// keys "subscription", "resource_group" and "vm". It reads the instance view
// (power state, VM agent), the NIC, its public IP, the NIC's effective NSGs,
// Just-In-Time policies, Resource Health, platform metrics and boot
// diagnostics; asks Network Watcher in the VM's region for IP flow verify
// (from "client_ip" to "port", default 3389), next hop and a connectivity
// check (from the VM named by "connectivity_source"); reads the Entra ID
// sign-in role of the account on the VM (Azure RBAC role assignments of the
// object id in "user_object_id"; an account typed without a domain, or any
// account on a VM without the AADLoginForWindows extension, is no Entra ID
// sign-in); and runs one read-only PowerShell script through Run Command
// per evaluation (rules/run_command/guest_facts.ps1), answering every
// guest.* probe it reports, with its answer fields, from its output.
// Every api-version is pinned; long-running operations, throttling
// (429/503 with Retry-After), paging and token refresh are handled; a POST
// (Run Command) is sent again only when its connection failed before it
// could arrive; each answer's detail carries ARM's x-ms-request-id.
//
// Anything that goes wrong becomes a failed or unavailable probe with the
// reason in words (the missing permission of a 403, a VM that does not
// exist, a body that is not JSON or too large, a reset, an operation that
// never finished); the adapter never throws, crashes or guesses. No token,
// secret or SAS signature ever appears in a reason, field or log line.
//
//   rdptriage::AzureOptions options;                     // management.azure.com
//   options.credentials = rdptriage::AzureCredentialOptions::from_environment();
//   auto azure = rdptriage::AzureAdapter::create(options);
//   if (!azure.ok()) return fail(azure.status());
//   req.context = {{"subscription", sub}, {"resource_group", "prod-rg"}, {"vm", "web01"},
//                  {"client_ip", "203.0.113.7"}};
//   req.adapters.push_back(*azure);
//   auto report = triage.evaluate(req);
//
// Credentials are chained as the Azure SDKs chain them: a service principal
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET) against the
// authority host, then managed identity (IDENTITY_ENDPOINT and
// IDENTITY_HEADER where set, else IMDS), then the Azure CLI
// (`az account get-access-token --resource ...`, run without a shell). The
// first that yields a token is used. Each source passed over is named with
// why at once, through `log` (kWarning) and in the detail of the
// evaluation's first answer; when none yields a token, the probes are
// unavailable and the reason names why each was passed over.
//
// Thread safety: an AzureAdapter is safe for concurrent run() calls from
// several evaluations; concurrent probes of one evaluation share one read
// of each resource and one Run Command.
#ifndef RDPTRIAGE_AZURE_H_
#define RDPTRIAGE_AZURE_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/probe.h"
#include "rdptriage/status.h"
#include "rdptriage/triage.h"

namespace rdptriage {

// An OAuth 2 access token. The token text never leaves the adapter.
struct AzureAccessToken {
  std::string token;
  std::chrono::system_clock::time_point expires_on;
};

// A source of access tokens, for hosts that hold their own credentials.
class AzureTokenSource {
 public:
  virtual ~AzureTokenSource() = default;
  // A token for `resource` ("https://management.azure.com/"), or an error
  // whose message says why in words and contains no secret. Must give up
  // by `deadline` and when `*cancelled` (may be null) becomes true.
  virtual StatusOr<AzureAccessToken> get_token(std::string_view resource,
                                               std::chrono::steady_clock::time_point deadline,
                                               const std::atomic<bool>* cancelled) = 0;
  // A short name for messages ("environment", "managed identity", "azure cli").
  virtual std::string name() const = 0;
};

// Where the default credential chain looks. Empty strings disable a step.
struct AzureCredentialOptions {
  // Service principal with a client secret (client credentials grant).
  std::string tenant_id;
  std::string client_id;
  std::string client_secret;
  // Microsoft Entra authority (sovereign clouds differ); https only.
  std::string authority_host = "https://login.microsoftonline.com";
  // Managed identity. With identity_endpoint and identity_header (App
  // Service, Functions), that endpoint; otherwise IMDS at imds_endpoint.
  // Azure Arc's managed identity (a challenge answered from a local key
  // file) is not supported: with azure_arc set, this step is passed over
  // saying so.
  bool use_managed_identity = true;
  std::string identity_endpoint;
  std::string identity_header;
  bool azure_arc = false;
  std::string imds_endpoint = "http://169.254.169.254";
  // Client id of a user-assigned identity; empty: the system-assigned one.
  std::string managed_identity_client_id;
  // How long IMDS may take to answer at all (it is absent off Azure).
  std::chrono::milliseconds imds_timeout{std::chrono::seconds(2)};
  // The Azure CLI, run as `az account get-access-token --resource R --output json`.
  bool use_azure_cli = true;
  std::string az_path = "az";
  std::chrono::milliseconds azure_cli_timeout{std::chrono::seconds(20)};

  // Reads AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
  // AZURE_AUTHORITY_HOST, IDENTITY_ENDPOINT, IDENTITY_HEADER and
  // AZURE_POD_IDENTITY_AUTHORITY_HOST (the IMDS host) as the Azure SDKs do;
  // unset variables keep the defaults above. AZURE_CLIENT_ID without a
  // secret selects a user-assigned managed identity. IDENTITY_ENDPOINT
  // with IMDS_ENDPOINT and no IDENTITY_HEADER (Azure Arc) sets azure_arc.
  static AzureCredentialOptions from_environment();
};

struct AzureOptions {
  // The Resource Manager endpoint (sovereign clouds, tests); https only.
  std::string arm_endpoint = "https://management.azure.com";
  // The resource tokens are requested for; empty: arm_endpoint + "/".
  std::string token_resource;
  // A PEM CA bundle for every TLS connection (corporate TLS inspection,
  // tests); empty: the system's bundle.
  std::string ca_file;
  AzureCredentialOptions credentials;
  // When set, used instead of the chain built from `credentials`.
  std::shared_ptr<AzureTokenSource> token_source;
  // A response body larger than this fails the request (bytes, >= 1024).
  std::size_t max_response_bytes = 8u << 20;
  // How much of the serial console log is kept (its end), bytes.
  std::size_t serial_log_tail_bytes = 16u << 10;
  // Attempts per request when throttled (429, 503) or the connection
  // breaks; waits honour Retry-After, else back off exponentially with
  // jitter from initial_backoff up to max_backoff. Never past the deadline.
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{std::chrono::seconds(1)};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  // Long-running operations: poll at Retry-After, else at lro_poll_interval,
  // never more often than min_lro_poll_interval nor less often than
  // max_lro_poll_interval.
  std::chrono::milliseconds lro_poll_interval{std::chrono::seconds(5)};
  std::chrono::milliseconds min_lro_poll_interval{std::chrono::seconds(1)};
  std::chrono::milliseconds max_lro_poll_interval{std::chrono::seconds(30)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // Tokens are refreshed this long before they expire.
  std::chrono::seconds token_refresh_margin{std::chrono::minutes(5)};
  // The Run Command script; empty: run_command/guest_facts.ps1 in the
  // bundled rules directory (see bundled_rules_dir()).
  std::filesystem::path run_command_script;
  // False: guest.* probes are unavailable (no script runs in the guest).
  bool run_command = true;
  // Diagnostics, including each wait for a long-running operation or Run
  // Command ("waiting for Run Command: 20 s"). Never carries a secret.
  LogCallback log;
};

class AzureAdapter : public ProbeAdapter {
 public:
  // Checks the options and reads the Run Command script. Fails with
  // kInvalidArgument naming the option (an endpoint that is not https, a
  // size limit below 1024 bytes, max_attempts < 1), kNotFound when the
  // bundled rules directory (with the default script) is not found, and
  // kIoError when the script cannot be read. Nothing is sent until a probe
  // runs.
  static StatusOr<std::shared_ptr<AzureAdapter>> create(AzureOptions options);
  ~AzureAdapter() override;

  // Answers the probes listed by answered_probes() for the VM in the
  // request's context; other probes, and context without subscription,
  // resource_group and vm, are unavailable. Blocks up to request.deadline.
  ProbeResult run(const ProbeRequest& request) override;
  std::string name() const override { return "azure"; }
  // Drops what was read for the evaluation (resources, Run Command output).
  void end_evaluation(std::uint64_t evaluation_id) override;

  // Makes every request in flight and every later run() end at once as
  // failed ("cancelled"): for hosts whose engine cannot cancel. Irreversible.
  void cancel();

  // The probe ids this adapter may answer; "guest.*" stands for every
  // guest probe the Run Command script reports (rules/run_command/README.md).
  static const std::vector<std::string>& answered_probes();

 private:
  struct Impl;
  explicit AzureAdapter(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_AZURE_H_
