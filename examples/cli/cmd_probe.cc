// rdptriage probe HOST[:PORT]: look at the RDP listener from where the client
// sits, and turn what is seen into a diagnosis for the layers the client can
// see, with the next test for the rest.
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <map>

#include "commands.h"
#include "common.h"
#include "output.h"
#include "rdptriage/live_probes.h"

namespace rdptriage::cli {
namespace {

struct ProbeArgs {
  std::string target;
  double timeout = 5;
  std::string client_error;
  std::string client_error_file;
  std::vector<std::string> context;
  std::string vm_computer_name;
  PlanArgs plan;
  bool json = false;
};

// Answers what the person running the probe already knows about the VM.
class GivenAnswers : public ProbeAdapter {
 public:
  explicit GivenAnswers(std::map<std::string, ProbeValue> answers) : answers_(std::move(answers)) {}
  ProbeResult run(const ProbeRequest& request) override {
    auto it = answers_.find(request.probe_id);
    if (it == answers_.end()) return ProbeResult::unavailable("not given");
    return ProbeResult::value_of(it->second, "given on the command line");
  }
  std::string name() const override { return "given"; }
  bool may_block() const override { return false; }

 private:
  std::map<std::string, ProbeValue> answers_;
};

bool valid_hostname(const std::string& h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':' ||
          c == '_'))
      return false;
  return h.front() != '-' && h.front() != '.';
}

// HOST, HOST:PORT, [IPv6], [IPv6]:PORT, or a bare IPv6 address.
bool parse_target(const std::string& text, std::string* host, int* port, std::string* why) {
  std::string h = text, p;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return *why = "unclosed '[' in \"" + text + "\"", false;
    h = text.substr(1, close - 1);
    std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return *why = "expected :PORT after ']' in \"" + text + "\"", false;
      p = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    h = text.substr(0, text.find(':'));
    p = text.substr(text.find(':') + 1);
  }
  if (!valid_hostname(h)) return *why = "\"" + h + "\" is not a host name or address", false;
  *port = 3389;
  if (text.back() == ':') return *why = "empty port in \"" + text + "\"", false;
  if (!p.empty()) {
    if (p.size() > 5 || !std::all_of(p.begin(), p.end(), ::isdigit))
      return *why = "port \"" + p + "\" is not a number 1-65535", false;
    *port = std::stoi(p);
    if (*port < 1 || *port > 65535) return *why = "port " + p + " is outside 1-65535", false;
  }
  *host = h;
  return true;
}

// The symptom the client's own observations show.
std::string symptom_from(const LiveObservations& s) {
  if (s.dns == "nxdomain" || s.dns == "no_answer") return "name_not_found";
  if (s.tcp == "timeout" || s.tcp == "local_error" || s.tcp == "unreachable") return "timeout";
  if (s.tcp == "refused") return "refused";
  if (s.negotiation == "failure" && s.negotiation_failure == "ssl_cert_not_on_server")
    return "security_error";
  if (s.tls == "failed") return "security_error";
  return "unknown";
}

void print_observations(const LiveObservations& s) {
  // What came back from the network (names, a certificate's subject, an
  // error) is untrusted: every string goes through safe().
  fmt::print("Probed {}:{} in {:.2f}s\n", safe(s.host), s.port, s.wall_s);
  fmt::print("  dns          {}{}\n", safe(s.host_is_ip ? "(address given)" : s.dns),
             s.addresses.empty() ? "" : "  " + safe(s.addresses.front()));
  if (!s.tcp.empty()) fmt::print("  tcp          {} after {:.2f}s\n", safe(s.tcp), s.tcp_elapsed_s);
  if (!s.negotiation.empty())
    fmt::print("  negotiation  {}{}{}\n", safe(s.negotiation),
               s.selected_protocol.empty() ? "" : ", selected " + safe(s.selected_protocol),
               s.negotiation_failure == "none" ? "" : ", " + safe(s.negotiation_failure));
  if (!s.nla.empty() && s.nla != "unknown") fmt::print("  nla          {}\n", safe(s.nla));
  if (s.tls == "ok") {
    std::string versions;
    for (const auto& v : s.tls_versions) versions += (versions.empty() ? "" : ", ") + v;
    fmt::print("  tls          {} {} (accepts {})\n", safe(s.tls_version), safe(s.tls_cipher),
               safe(versions.empty() ? "-" : versions));
    fmt::print("  certificate  {} issued by {}; {} .. {}; {} {}{}; {}\n",
               safe(s.certificate_subject), safe(s.certificate_issuer),
               safe(s.certificate_not_before), safe(s.certificate_not_after),
               safe(s.certificate_key_type), s.certificate_key_bits,
               s.certificate_self_signed ? ", self-signed" : "", safe(s.certificate_state));
  } else if (s.tls == "failed") {
    fmt::print("  tls          failed: {}\n", safe(s.tls_error));
  }
  fmt::print("\n");
}

int run(const ProbeArgs& args) {
  std::string host, why;
  int port = 3389;
  if (!parse_target(args.target, &host, &port, &why)) return usage_error(why);
  if (!(args.timeout > 0 && args.timeout <= 600))
    return usage_error("--timeout must be between 0 and 600 seconds");
  StatusOr<Triage> triage = load_triage({});
  if (!triage.ok()) return report_error(triage.status());
  LiveProbeOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<long>(args.timeout * 1000));
  auto live = std::make_shared<LiveProbeAdapter>(host, port, options);
  const bool progress = isatty(STDERR_FILENO) != 0;
  if (progress)
    fmt::print(stderr, "probing {}:{} (timeout {}s)...\n", safe(host), port, args.timeout);
  const LiveObservations& seen = live->collect();
  EvaluateRequest req;
  StatusOr<std::string> text = client_error_text(args.client_error, args.client_error_file,
                                                 req.options.client_error.max_bytes);
  if (!text.ok()) return report_error(text.status());
  req.client_error = std::move(text).value();
  const std::string live_symptom = symptom_from(seen);
  if (req.client_error.empty()) {
    req.symptom = live_symptom;
    req.symptom_source = "what this machine saw";
  } else {
    // The client's error starts the diagnosis; what this machine sees now
    // narrows it when it fits inside (a refusal within "no connection"), and
    // stands in when the error says nothing.
    StatusOr<ClientErrorReading> reading =
        triage->read_client_error(req.client_error, req.options.client_error);
    if (!reading.ok()) return report_error(reading.status());
    if (live_symptom != "unknown" &&
        (reading->symptom == "unknown" ||
         triage->rules().symptom_within(live_symptom, reading->symptom))) {
      req.symptom = live_symptom;
      req.symptom_source = reading->symptom == "unknown"
                               ? "what this machine saw (the client error does not say)"
                               : "what this machine saw; the client error said " + reading->symptom;
    }
  }
  req.context["port"] = std::to_string(port);
  for (const std::string& kv : args.context) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return usage_error("--context takes key=value, got \"" + kv + "\"");
    req.context[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // A connection that timed out cost its timeout, not the default second.
  if (seen.tcp == "timeout") req.options.cost_overrides["client.tcp_connect"] = args.timeout;
  req.adapters.push_back(live);
  if (!args.vm_computer_name.empty()) {
    Status valid = validate_context_value("computer_name", args.vm_computer_name);
    if (!valid.ok()) return usage_error("--vm-computer-name: " + valid.message());
    req.adapters.push_back(std::make_shared<GivenAnswers>(
        std::map<std::string, ProbeValue>{{"azure.computer_name", args.vm_computer_name}}));
  }
  Status plan = apply_plan_options(args.plan, triage->rules(), &req.options);
  if (!plan.ok()) return report_error(plan);
  req.decision_id = args.plan.decision_id;
  InterruptToCancel interrupt;
  req.cancel = interrupt.flag();
  StatusOr<Report> report = triage->evaluate(req);
  if (!report.ok()) return report_error(report.status());
  if (!json_output(args.json)) print_observations(seen);
  return print_report(*report, json_output(args.json));
}

}  // namespace

Runner add_probe(CLI::App& app) {
  auto args = std::make_shared<ProbeArgs>();
  CLI::App* sub = app.add_subcommand(
      "probe", "Probe an RDP listener from this machine and diagnose what it shows");
  sub->add_option("target", args->target, "HOST[:PORT] (IPv6: [ADDR]:PORT)")->required();
  sub->add_option("--timeout", args->timeout, "Deadline per probe, seconds (default 5)");
  add_client_error_input(sub, &args->client_error, &args->client_error_file);
  sub->add_option("--context", args->context,
                  "Estate facts for commands, key=value (resource_group, vm, ...)")
      ->take_all();
  sub->add_option("--vm-computer-name", args->vm_computer_name,
                  "The VM's Windows computer name (az vm show --query osProfile.computerName): "
                  "proves that the listener that answered is the VM");
  add_plan_options(sub, &args->plan);
  sub->add_flag("--json", args->json, "Print the report as JSON");
  return [args] { return run(*args); };
}

}  // namespace rdptriage::cli
