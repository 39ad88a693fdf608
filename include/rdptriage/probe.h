// rdptriage: the probe adapter interface.
//
// A probe is one observation the engine may ask for: "is TermService
// running?", "does IP flow verify allow 3389 from the client?". Probes are
// declared in the rules data (rules/probes.json) with an id, a channel, a
// result domain and a cost. Host applications answer them by implementing
// ProbeAdapter for the channels they can reach (Azure control plane, Network
// Watcher, Run Command, serial console, a person at a keyboard...).
//
//   class MyAzureAdapter : public rdptriage::ProbeAdapter {
//    public:
//     rdptriage::ProbeResult run(const rdptriage::ProbeRequest& req) override {
//       if (req.probe_id == "azure.power_state")
//         return rdptriage::ProbeResult::value_of(query_power_state(req));
//       return rdptriage::ProbeResult::unavailable("not handled here");
//     }
//   };
//
// Thread safety: the engine may call run() on one adapter from several
// threads at once when several evaluate() calls share it; implementations
// must be safe for concurrent calls or serialize internally.
#ifndef RDPTRIAGE_PROBE_H_
#define RDPTRIAGE_PROBE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rdptriage {

// The channel a probe needs. Declared per probe in the rules data.
enum class Channel {
  kClient,           // checks on the client machine (what it dials, resolves)
  kControlPlane,     // Azure Resource Manager reads
  kBootDiagnostics,  // boot screenshot
  kMetrics,          // Azure Monitor platform metrics
  kNetworkWatcher,   // IP flow verify, next hop, connection troubleshoot
  kRunCommand,       // a script in the guest through the VM agent
  kSerialConsole,    // the serial console (needs boot diagnostics)
  kUser,             // a question for the person triaging
};

// Stable lower-case name: "client", "control_plane", "boot_diagnostics",
// "metrics", "network_watcher", "run_command", "serial_console", "user".
std::string_view channel_name(Channel channel);
// Parses a channel name; returns false for an unknown name.
bool parse_channel(std::string_view name, Channel* out);

// A probe answer: a boolean, a number or a string (enum values, addresses,
// names). Which one is allowed is the probe's declared result domain.
using ProbeValue = std::variant<bool, double, std::string>;

// Renders a value as the rules data writes it: true/false, 3389, "running".
std::string to_string(const ProbeValue& value);

// What an adapter returns for one probe.
struct ProbeResult {
  enum class Kind {
    kValue,        // the probe ran and observed `value`
    kUnavailable,  // this adapter cannot reach the channel (agent down, no
                   // boot diagnostics, not collected); not an observation
    kFailed,       // the probe was attempted and broke (error, timeout)
  };
  Kind kind = Kind::kUnavailable;
  ProbeValue value;
  std::string reason;  // why unavailable or failed; optional detail for values
  // Named facts the observation carries besides its value (IP flow verify:
  // the deciding rule, its priority and NSG), for fix commands and the
  // report. Names are declared per probe in the rules data; others are kept
  // in the evidence but never substituted into a command.
  std::map<std::string, std::string, std::less<>> fields;

  static ProbeResult value_of(ProbeValue v, std::string detail = {}) {
    return {Kind::kValue, std::move(v), std::move(detail), {}};
  }
  static ProbeResult unavailable(std::string why) {
    return {Kind::kUnavailable, {}, std::move(why), {}};
  }
  static ProbeResult failed(std::string why) { return {Kind::kFailed, {}, std::move(why), {}}; }
  bool has_value() const { return kind == Kind::kValue; }
};

// Facts about the estate that probes and fix commands refer to. Keys are
// fixed names: "subscription", "resource_group", "vm", "nic", "nsg",
// "port", "source_prefix", "private_ip", "public_ip", "username",
// "location", plus any host-specific extras. evaluate() validates the
// known keys against what Azure allows before anything runs.
using Context = std::map<std::string, std::string, std::less<>>;

// One request to an adapter.
struct ProbeRequest {
  std::string probe_id;  // as declared in the rules data
  Channel channel = Channel::kClient;
  const Context* context = nullptr;  // never null during run(); owned by the engine
  // The engine stops waiting at this point; cooperative adapters should
  // give up by then too.
  std::chrono::steady_clock::time_point deadline;
  // Identifies the evaluate() call, unique within the process. An adapter
  // that answers several probes from one invocation of a channel (one Run
  // Command script, one serial console session) keeps that invocation's
  // output under this id until end_evaluation().
  std::uint64_t evaluation_id = 0;
  // The channel session the probe belongs to, as the rules data declares it
  // (e.g. "run_command"); empty when it belongs to none.
  std::string session;
  // Becomes true when the evaluation is cancelled or runs out of time; never
  // null during run(). Cooperative adapters check it while they wait.
  const std::atomic<bool>* cancelled = nullptr;
};

// Answers probes for the channels a host can reach. Several adapters can be
// combined in one evaluation: they are asked in order until one returns
// something other than kUnavailable.
class ProbeAdapter {
 public:
  virtual ~ProbeAdapter() = default;

  // Runs one probe. May block up to the request deadline. Exceptions are
  // caught by the engine and recorded as a failed probe, but adapters should
  // prefer returning ProbeResult::failed().
  virtual ProbeResult run(const ProbeRequest& request) = 0;

  // A short name for the evidence trail ("azure", "recorded", "world").
  virtual std::string name() const { return "adapter"; }

  // Return false when run() never blocks (in-memory data): the engine then
  // calls it inline instead of on a watchdog thread. Default true.
  virtual bool may_block() const { return true; }

  // Called once when the evaluation `evaluation_id` ends, after its last
  // run() returned or was abandoned: drop what was kept for it. Must not
  // throw or block. Default: nothing.
  virtual void end_evaluation(std::uint64_t evaluation_id) { (void)evaluation_id; }
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_PROBE_H_
