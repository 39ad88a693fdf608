// rdptriage diagnose --azure: observe a real VM through rdptriage::azure,
// plus the live client probes against its address, with progress on a
// terminal and Ctrl-C ending it with the partial report.
#ifndef RDPTRIAGE_EXAMPLES_CLI_AZURE_PATH_H_
#define RDPTRIAGE_EXAMPLES_CLI_AZURE_PATH_H_

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "rdptriage/status.h"
#include "rdptriage/triage.h"

namespace rdptriage::cli {

struct AzureArgs {
  bool enabled = false;
  std::string subscription;
  std::string resource_group;
  std::string vm;
  std::string client_ip;
  std::string connectivity_source;
  std::string username;
  std::string user_domain;
  std::string user_object_id;     // an Entra ID account's object id
  std::string dial;               // what the client dials, HOST[:PORT]; default the VM's public IP
  bool no_client_probes = false;  // this machine is not where the client sits
  double probe_timeout = 180;
};

// Registers --azure and its options on `diagnose`.
void add_azure_options(CLI::App* app, AzureArgs* args);

// Keeps the adapter and the Ctrl-C watcher alive for one evaluation.
class AzureRun {
 public:
  virtual ~AzureRun() = default;
  // True once Ctrl-C was pressed.
  virtual bool interrupted() const = 0;
};

// Builds the Azure adapter from the options and the environment
// (RDPTRIAGE_ARM_ENDPOINT, AZURE_AUTHORITY_HOST, RDPTRIAGE_CA_FILE and the
// Azure SDK credential variables), adds it, the live client probes and the
// context to `request`. kInvalidArgument names a bad option.
StatusOr<std::unique_ptr<AzureRun>> add_azure(const AzureArgs& args, EvaluateRequest* request);

}  // namespace rdptriage::cli

#endif  // RDPTRIAGE_EXAMPLES_CLI_AZURE_PATH_H_
