#include "engine/fix_render.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "engine/condition_eval.h"
#include "engine/render.h"
#include "rdptriage/triage.h"
#include "rules/steps.h"
#include "rules/templates.h"

namespace rdptriage::internal {
namespace {

constexpr const char* kIpFlow = "netwatch.ip_flow_inbound";
constexpr int kMinNsgPriority = 100;  // az network nsg rule create: 100 to 4096
constexpr int kMaxNsgPriority = 4096;

// Context keys the evidence can fill when the host did not: (key, probe,
// field); an empty field means the probe's answer itself.
struct Derived {
  const char* key;
  const char* probe;
  const char* field;
};
constexpr Derived kDerivedContext[] = {
    {"private_ip", "azure.private_ip", ""},        {"public_ip", "azure.public_ip_address", ""},
    {"computer_name", "azure.computer_name", ""},  {"port", "client.dial_port", ""},
    {"username", "client.user_authority", "user"},
};

struct KeyHelp {
  const char* key;
  const char* about;
  const char* how;
};
constexpr KeyHelp kKeyHelp[] = {
    {"subscription", "the subscription id", "az account show --query id --output tsv"},
    {"resource_group", "the VM's resource group", "give it as context resource_group"},
    {"vm", "the VM's name", "give it as context vm"},
    {"nic", "the VM's network interface",
     "az vm nic list --resource-group <resource group> --vm-name <vm> --output table"},
    {"nsg", "the network security group to change",
     "IP flow verify (netwatch.ip_flow_inbound) names the NSG holding the deciding rule"},
    {"port", "the RDP port", "give it as context port (3389 unless the listener was moved)"},
    {"source_prefix", "the address or range you connect from, as Azure sees it",
     "give it as context source_prefix (your public address /32, or your office range)"},
    {"client_ip", "the client's public address, as Azure sees it", "give it as context client_ip"},
    {"private_ip", "the VM's private IP", "az vm list-ip-addresses (azure.private_ip)"},
    {"public_ip", "the VM's public IP", "az vm list-ip-addresses (azure.public_ip_address)"},
    {"username", "the account signing in",
     "the user name typed at the prompt, without AUTHORITY\\"},
    {"location", "the VM's region", "az vm show --query location --output tsv"},
    {"computer_name", "the VM's Windows computer name",
     "az vm show --query osProfile.computerName --output tsv (azure.computer_name)"},
    {"source_vm", "a VM in the same virtual network to test from",
     "any running VM in the VNet with the Network Watcher agent extension; give it as context "
     "source_vm"},
    {"new_vm_size", "the larger size to move to",
     "pick one from az vm list-vm-resize-options; give it as context new_vm_size"},
    {"new_os_disk_size_gb", "the OS disk's new size in GiB",
     "larger than today's size, at most 4095; give it as context new_os_disk_size_gb"},
    {"domain_admin", "a domain account allowed to join and remove computers",
     "give it as context domain_admin (DOMAIN\\name); its password is typed at the prompt"},
    {"new_password", "a new password for the account",
     "type it yourself where the command shows the placeholder; it must meet the VM's password "
     "policy (rdptriage never writes passwords)"},
};

const KeyHelp* key_help(std::string_view key) {
  for (const KeyHelp& h : kKeyHelp)
    if (key == h.key) return &h;
  return nullptr;
}

// What the evidence says, probe by probe: the latest answer with a value in
// the probe's domain, and its fields.
class EvidenceView {
 public:
  EvidenceView(const CompiledRules& rules, const std::vector<Evidence>& evidence)
      : rules_(rules), answers_(rules) {
    for (const Evidence& e : evidence) {
      auto it = rules.probe_index.find(e.probe);
      if (it == rules.probe_index.end()) continue;
      const int p = it->second;
      if (e.result.has_value() &&
          rules.probes[static_cast<std::size_t>(p)].domain.accepts(e.result.value)) {
        answers_.set_answer(p, e.result.value);
        results_[p] = &e.result;
      } else if (answers_.state(p) != ProbeAnswers::State::kAnswered) {
        answers_.set_no_answer(p);
      }
    }
  }

  const ProbeAnswers& answers() const { return answers_; }

  // The probe's answer, or its fallback's when it had none.
  const ProbeResult* result(std::string_view probe_id) const {
    auto it = rules_.probe_index.find(probe_id);
    if (it == rules_.probe_index.end()) return nullptr;
    int p = it->second;
    for (int hops = 0; p >= 0 && hops < 8; ++hops) {
      auto r = results_.find(p);
      if (r != results_.end()) return r->second;
      p = rules_.probes[static_cast<std::size_t>(p)].fallback;
    }
    return nullptr;
  }

  const ProbeFieldInfo* field_info(std::string_view probe_id, std::string_view field) const {
    auto it = rules_.probe_index.find(probe_id);
    if (it == rules_.probe_index.end()) return nullptr;
    for (const ProbeFieldInfo& f : rules_.probes[static_cast<std::size_t>(it->second)].info.fields)
      if (f.name == field) return &f;
    return nullptr;
  }

  // A declared field of the probe's answer, validated for its kind.
  std::optional<std::string> field(std::string_view probe_id, std::string_view name) const {
    const ProbeFieldInfo* info = field_info(probe_id, name);
    const ProbeResult* r = result(probe_id);
    if (info == nullptr || r == nullptr) return std::nullopt;
    auto it = r->fields.find(name);
    if (it == r->fields.end() || !validate_kind(info->kind, it->second).ok()) return std::nullopt;
    return it->second;
  }

  // The probe's answer as text, validated as a plain word.
  std::optional<std::string> value(std::string_view probe_id) const {
    const ProbeResult* r = result(probe_id);
    if (r == nullptr) return std::nullopt;
    std::string text = to_string(r->value);
    auto it = rules_.probe_index.find(probe_id);
    const ResultDomain& d = rules_.probes[static_cast<std::size_t>(it->second)].domain;
    std::string_view kind =
        d.type == ResultDomain::Type::kNumber && d.integer ? "integer"
        : d.type == ResultDomain::Type::kString && (d.format == "ip" || d.format == "ipv4")
            ? "ip"
            : "text";
    if (!validate_kind(kind, text).ok()) return std::nullopt;
    return text;
  }

 private:
  const CompiledRules& rules_;
  ProbeAnswers answers_;
  std::map<int, const ProbeResult*> results_;
};

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    std::size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// The highest free priority that still wins over the deciding deny: lower
// numbers win, and two inbound rules of one NSG may not share a priority.
std::optional<int> nsg_allow_priority(const EvidenceView& ev) {
  const ProbeResult* r = ev.result(kIpFlow);
  if (r == nullptr || to_string(r->value) != "deny") return std::nullopt;
  auto decided = r->fields.find("priority");
  auto in_use = r->fields.find("nsg_priorities_in_use");
  if (decided == r->fields.end() || in_use == r->fields.end()) return std::nullopt;
  std::optional<int> deny = parse_int(decided->second);
  if (!deny) return std::nullopt;
  std::set<int> used;
  for (const std::string& item : split_list(in_use->second))
    if (std::optional<int> p = parse_int(item)) used.insert(*p);
  for (int p = std::min(*deny - 1, kMaxNsgPriority); p >= kMinNsgPriority; --p)
    if (!used.count(p)) return p;
  return std::nullopt;
}

std::optional<std::string> computed(std::string_view name, const EvidenceView& ev) {
  std::optional<int> priority = nsg_allow_priority(ev);
  if (!priority) return std::nullopt;
  if (name == "nsg_allow_priority") return std::to_string(*priority);
  if (name == "nsg_allow_rule_name") {
    // A name no rule of the NSG has: az network nsg rule create on an
    // existing name would overwrite that rule.
    std::set<std::string> names;
    if (const ProbeResult* r = ev.result(kIpFlow)) {
      auto it = r->fields.find("nsg_rule_names");
      if (it != r->fields.end())
        for (const std::string& n : split_list(it->second)) names.insert(n);
    }
    std::string base = "Allow-RDP-rdptriage-" + std::to_string(*priority);
    std::string candidate = base;
    for (int i = 2; names.count(candidate) && i < 100; ++i)
      candidate = base + "-" + std::to_string(i);
    return candidate;
  }
  return std::nullopt;
}

MissingValue describe_missing(const CompiledRules& rules, const PlaceholderName& n) {
  MissingValue m;
  m.name = n.short_name();
  auto probe_about = [&](const std::string& id) -> const ProbeInfo* {
    auto it = rules.probe_index.find(id);
    return it == rules.probe_index.end() ? nullptr
                                         : &rules.probes[static_cast<std::size_t>(it->second)].info;
  };
  if (!n.probe.empty()) {
    m.probe = n.probe;
    const ProbeInfo* p = probe_about(n.probe);
    if (p != nullptr && !n.field.empty()) {
      for (const ProbeFieldInfo& f : p->fields)
        if (f.name == n.field) m.about = f.about;
      m.how = "answer probe " + n.probe + " (" + p->title + "); its answer carries " + n.field;
    } else if (p != nullptr) {
      m.about = p->title;
      m.how = "answer probe " + n.probe;
    }
    return m;
  }
  if (is_computed_placeholder(n.key)) {
    m.probe = kIpFlow;
    m.about = n.key == "nsg_allow_priority"
                  ? "a free priority in the NSG that wins over the deciding deny"
                  : "a name for the new rule that no rule of the NSG has";
    m.how =
        "IP flow verify (netwatch.ip_flow_inbound) answering deny with the deciding rule's "
        "priority and the NSG's priorities in use (fields priority, nsg_priorities_in_use); if "
        "no priority between 100 and the deny's is free, renumber a rule first";
    return m;
  }
  if (const KeyHelp* h = key_help(n.key)) {
    m.about = h->about;
    m.how = h->how;
  } else {
    m.about = n.key;
    m.how = "give it as context " + n.key;
  }
  return m;
}

std::string step_list(const std::vector<int>& steps) {
  std::string out = steps.size() == 1 ? "Step " : "Steps ";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (i > 0) out += i + 1 == steps.size() ? " and " : ", ";
    out += std::to_string(steps[i]);
  }
  return out;
}

void replace_all(std::string* s, std::string_view from, std::string_view to) {
  std::size_t at = 0;
  while ((at = s->find(from, at)) != std::string::npos) {
    s->replace(at, from.size(), to);
    at += to.size();
  }
}

// The guest channels a host's policy leaves open to the fix.
struct GuestChannels {
  bool run_command = true;
  bool serial_console = true;
};

GuestChannels guest_channels(const std::vector<Channel>& disabled) {
  GuestChannels g;
  for (Channel c : disabled) {
    if (c == Channel::kRunCommand) g.run_command = false;
    if (c == Channel::kSerialConsole) g.serial_console = false;
  }
  return g;
}

constexpr std::string_view kSerialInsteadOfRunCommand =
    "inside the VM, at the serial console in PowerShell, because the host's channel policy "
    "disables Run Command (SAC> cmd, then ch -si 1 and sign in as an administrator; type "
    "powershell, then run this)";
constexpr std::string_view kSerialForbidden =
    "inside the VM, at an elevated prompt signed in as an administrator; the host's channel "
    "policy disables the serial console, so use a way into the VM it allows (an RDP session as "
    "a local administrator, if one still signs in)";
constexpr std::string_view kNeitherGuestChannel =
    "inside the VM, at an elevated prompt signed in as an administrator; the host's channel "
    "policy disables both Run Command and the serial console, so use a way into the VM it allows "
    "(an RDP session as a local administrator, if one still signs in, or the team that may use "
    "the serial console)";

}  // namespace

Context fix_context(const CompiledRules& rules, const Context& context,
                    const std::vector<Evidence>& evidence) {
  Context ctx = context;
  EvidenceView ev(rules, evidence);
  for (const Derived& d : kDerivedContext) {
    if (ctx.count(d.key)) continue;
    std::optional<std::string> v = *d.field ? ev.field(d.probe, d.field) : ev.value(d.probe);
    if (v && validate_context_value(d.key, *v).ok()) ctx.emplace(d.key, *v);
  }
  if (!ctx.count("source_prefix") && ctx.count("client_ip")) {
    const std::string& ip = ctx.at("client_ip");
    std::string prefix = ip + (ip.find(':') == std::string::npos ? "/32" : "/128");
    if (validate_context_value("source_prefix", prefix).ok()) ctx.emplace("source_prefix", prefix);
  }
  if (!ctx.count("port")) ctx.emplace("port", "3389");
  return ctx;
}

namespace {

// The probe behind a value nothing gave: the placeholder's own probe, IP
// flow verify for the computed NSG values, or the probe a context key is
// derived from; -1 for a value only the host can give.
int probe_behind(const CompiledRules& rules, const PlaceholderName& n) {
  std::string_view id;
  if (!n.probe.empty()) {
    id = n.probe;
  } else if (is_computed_placeholder(n.key)) {
    id = kIpFlow;
  } else {
    for (const Derived& d : kDerivedContext)
      if (n.key == d.key) id = d.probe;
  }
  auto it = rules.probe_index.find(id);
  return it == rules.probe_index.end() ? -1 : it->second;
}

// render_fix, also collecting in `reads` (when not null) the probes whose
// answers would give a value it lacks or decide a step's condition.
RenderedFix render_fix_reading(const CompiledRules& rules, int cause_index, const Context& context,
                               const std::vector<Evidence>& evidence, GuestChannels channels,
                               std::set<int>* reads) {
  const Cause& cause = rules.causes[static_cast<std::size_t>(cause_index)];
  const Context ctx = fix_context(rules, context, evidence);
  const EvidenceView ev(rules, evidence);
  auto value_of = [&](const PlaceholderName& n) -> std::optional<std::string> {
    if (!n.probe.empty()) return n.field.empty() ? ev.value(n.probe) : ev.field(n.probe, n.field);
    if (is_computed_placeholder(n.key)) return computed(n.key, ev);
    auto it = ctx.find(n.key);
    if (it == ctx.end() || !validate_context_value(n.key, it->second).ok()) return std::nullopt;
    return it->second;
  };
  PlaceholderLookup lookup = [&](const PlaceholderName& n) -> std::optional<std::string> {
    std::optional<std::string> v = value_of(n);
    if (!v && reads != nullptr) {
      if (int p = probe_behind(rules, n); p >= 0) reads->insert(p);
    }
    return v;
  };

  RenderedFix out;
  std::vector<MissingValue> missing;
  auto note_missing = [&](const std::vector<PlaceholderName>& names, int step, FixStep* fs) {
    for (const PlaceholderName& n : names) {
      const std::string name = n.short_name();
      if (std::find(fs->missing.begin(), fs->missing.end(), name) == fs->missing.end())
        fs->missing.push_back(name);
      auto it = std::find_if(missing.begin(), missing.end(),
                             [&](const MissingValue& m) { return m.name == name; });
      if (it == missing.end()) {
        missing.push_back(describe_missing(rules, n));
        it = missing.end() - 1;
      }
      if (std::find(it->steps.begin(), it->steps.end(), step) == it->steps.end())
        it->steps.push_back(step);
    }
  };

  const std::vector<FixStepInfo>& declared = cause.info.fix;
  // Per declared step: its rendered number (0 when not rendered), and
  // whether its condition left it out (its alternative follows it).
  std::vector<int> number_of(declared.size(), 0);
  std::vector<bool> left_out(declared.size(), false);
  std::vector<bool> was_conditional(declared.size(), false);
  for (std::size_t i = 0; i < declared.size(); ++i) {
    const FixStepInfo& step = declared[i];
    FixStep fs;
    if (step.alternative) {
      // The serial-console way of the Run Command step before it: it
      // applies exactly when that step does.
      if (i == 0 || left_out[i - 1] || !channels.serial_console) continue;
      fs.conditional = was_conditional[i - 1];
      if (channels.run_command) fs.alternative_to = number_of[i - 1];
    } else if (i < cause.step_when.size() && cause.step_when[i]) {
      Truth t = evaluate(*cause.step_when[i], ev.answers());
      if (t == Truth::kFalse) {
        left_out[i] = true;
        continue;
      }
      fs.conditional = t == Truth::kUnknown;
      was_conditional[i] = fs.conditional;
      if (fs.conditional && reads != nullptr)
        needed_probes(*cause.step_when[i], ev.answers(), false, reads);
    }
    const bool has_alternative = i + 1 < declared.size() && declared[i + 1].alternative;
    // With Run Command disabled by the host, a Run Command step gives way to
    // its declared alternative, or runs its script at the serial console.
    if (step.runs == "run_command" && !channels.run_command && has_alternative &&
        channels.serial_console)
      continue;
    const int number = static_cast<int>(out.steps.size()) + 1;
    number_of[i] = number;
    // An alternative in its Run Command step's place says what that step
    // did, then how it is done here.
    const bool in_place = step.alternative && !channels.run_command;
    RenderedText text =
        render_with(in_place ? declared[i - 1].text + " " + step.text : step.text, "", lookup);
    fs.text = std::move(text.text);
    note_missing(text.missing, number, &fs);
    if (!step.command.empty()) {
      fs.runs = step.runs;
      if (const RunsInfo* runs = find_runs(step.runs)) fs.where = std::string(runs->where);
      fs.effects = step.effects;
      const bool in_guest = step.runs == "run_command" || step.runs == "serial_console";
      const bool forbidden = (step.runs == "run_command" && !channels.run_command) ||
                             (step.runs == "serial_console" && !channels.serial_console);
      if (step.runs == "run_command" && channels.run_command) {
        RenderedText shown = render_with(step.command, "powershell", lookup);
        RenderedText embedded =
            render_with(step.command, "powershell", lookup, MissingStyle::kSentinel);
        std::string quoted = bash_single_quote(embedded.text);
        for (const PlaceholderName& n : embedded.missing)
          replace_all(&quoted, "\x01" + n.short_name() + "\x02",
                      "'" + bash_missing_marker(n.short_name()) + "'");
        RenderedText prefix = render_with(run_command_invocation(""), "bash", lookup);
        fs.command = prefix.text + quoted;
        fs.shell = "bash";
        fs.script = std::move(shown.text);
        fs.script_shell = "powershell";
        note_missing(prefix.missing, number, &fs);
        note_missing(shown.missing, number, &fs);
      } else {
        const std::string shell = step.runs == "run_command" ? "powershell" : step.shell;
        RenderedText command = render_with(step.command, shell, lookup);
        fs.command = std::move(command.text);
        fs.shell = shell;
        note_missing(command.missing, number, &fs);
      }
      if (in_guest && forbidden) {
        // The host's channel policy forbids the way the rule runs it: the
        // same command where the policy still allows it.
        if (step.runs == "run_command" && channels.serial_console) {
          fs.runs = "serial_console";
          fs.where = std::string(kSerialInsteadOfRunCommand);
        } else {
          fs.runs = "vm_console";
          fs.where = std::string(channels.run_command ? kSerialForbidden : kNeitherGuestChannel);
        }
      }
    }
    out.steps.push_back(std::move(fs));
  }

  // Warnings follow from what the steps do, in the vocabulary's order,
  // then the cause's own safe-practice advice.
  for (const EffectInfo& effect : effect_vocabulary()) {
    std::vector<int> steps;
    for (std::size_t i = 0; i < out.steps.size(); ++i) {
      const auto& e = out.steps[i].effects;
      if (std::find(e.begin(), e.end(), effect.name) != e.end())
        steps.push_back(static_cast<int>(i) + 1);
    }
    if (steps.empty()) continue;
    out.warnings.push_back(step_list(steps) + " " +
                           std::string(steps.size() == 1 ? effect.singular : effect.plural));
  }
  for (const std::string& w : cause.info.warnings)
    out.warnings.push_back(render_with(w, "", lookup).text);
  out.missing = std::move(missing);
  return out;
}

}  // namespace

RenderedFix render_fix(const CompiledRules& rules, int cause_index, const Context& context,
                       const std::vector<Evidence>& evidence,
                       const std::vector<Channel>& disabled_channels) {
  return render_fix_reading(rules, cause_index, context, evidence,
                            guest_channels(disabled_channels), nullptr);
}

void apply_fix_channel_policy(const CompiledRules& rules,
                              const std::vector<Channel>& disabled_channels, const Context& context,
                              Report* report) {
  const GuestChannels channels = guest_channels(disabled_channels);
  if (channels.run_command && channels.serial_console) return;
  const Context ctx = fix_context(rules, context, report->evidence);
  auto rerender = [&](const std::string& cause) -> std::optional<RenderedFix> {
    auto it = rules.cause_index.find(cause);
    if (it == rules.cause_index.end()) return std::nullopt;
    return render_fix_reading(rules, it->second, ctx, report->evidence, channels, nullptr);
  };
  if (report->status == Verdict::kConfirmed) {
    if (std::optional<RenderedFix> fix = rerender(report->cause)) {
      report->fix = std::move(fix->steps);
      report->warnings = std::move(fix->warnings);
      report->missing = std::move(fix->missing);
    }
  }
  for (std::vector<Candidate>* list :
       {&report->also_confirmed, &report->candidates, &report->not_excluded})
    for (Candidate& c : *list)
      if (!c.fix.steps.empty())
        if (std::optional<RenderedFix> fix = rerender(c.cause)) c.fix = std::move(*fix);
}

std::vector<int> fix_reads(const CompiledRules& rules, int cause_index, const Context& context,
                           const std::vector<Evidence>& evidence, const ProbeAnswers& answers) {
  std::set<int> reads;
  render_fix_reading(rules, cause_index, context, evidence, GuestChannels{}, &reads);
  std::set<int> askable;
  for (int p : reads)
    if (int q = answers.askable(p); q >= 0) askable.insert(q);
  return {askable.begin(), askable.end()};
}

std::string render_probe_test(const Probe& probe, const Context& context) {
  if (probe.info.script.empty()) return render_template(probe.info.how, "bash", context);
  PlaceholderLookup lookup = [&](const PlaceholderName& n) -> std::optional<std::string> {
    if (n.key.empty()) return std::nullopt;
    auto it = context.find(n.key);
    if (it == context.end() || !validate_context_value(n.key, it->second).ok()) return std::nullopt;
    return it->second;
  };
  RenderedText embedded =
      render_with(probe.info.script, "powershell", lookup, MissingStyle::kSentinel);
  std::string quoted = bash_single_quote(embedded.text);
  for (const PlaceholderName& n : embedded.missing)
    replace_all(&quoted, "\x01" + n.short_name() + "\x02",
                "'" + bash_missing_marker(n.short_name()) + "'");
  return render_with(run_command_invocation(""), "bash", lookup).text + quoted;
}

}  // namespace rdptriage::internal

namespace rdptriage {

StatusOr<RenderedFix> Triage::render_fix(std::string_view cause, const Context& context,
                                         const std::vector<Evidence>& evidence,
                                         const std::vector<Channel>& disabled_channels) const {
  try {
    const internal::CompiledRules& rules = *rules_.compiled();
    auto it = rules.cause_index.find(cause);
    if (it == rules.cause_index.end())
      return Status(ErrorCode::kNotFound,
                    "unknown cause \"" + std::string(cause) +
                        "\": RuleSet::causes() lists the causes the loaded rules know");
    Status valid = internal::validate_context(context);
    if (!valid.ok()) return valid;
    return internal::render_fix(rules, it->second, context, evidence, disabled_channels);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("rendering the fix failed: ") + e.what());
  }
}

}  // namespace rdptriage
