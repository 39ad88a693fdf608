// Fixes as a user copies them: rendered for every bundled world and for
// random worlds, then checked the way a shell would see them. Every bash
// command parses; bash expands nothing inside double quotes but an intended
// $(az ...); a Run Command step hands Run Command exactly the PowerShell the
// rule declares (bash runs it against a stub az that records its argv); a
// missing value stops the command before az runs; every step that restarts
// something is warned about; guest changes never run in the admin's shell;
// and the NSG fix, applied to the world, lets the client in without taking
// a priority already in use.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "engine/fix_render.h"
#include "engine/render.h"
#include "rdptriage/triage.h"
#include "rdptriage/world.h"
#include "rules/model.h"
#include "rules/templates.h"
#include "support/bundled_triage.h"
#include "world/nsg_evaluator.h"
#include "world/playout.h"
#include "world/random_worlds.h"
#include "world/world_loader.h"

namespace rdptriage {
namespace {

namespace fs = std::filesystem;
const std::string kSource = RDPTRIAGE_TEST_SOURCE_DIR;

const Triage& triage() { return testing::bundled_triage(); }

Report diagnose(const World& w) { return testing::diagnose_world(w); }

// A scratch directory holding a stub `az` that writes each argument it gets,
// NUL-terminated, to $ARGV_OUT and prints nothing.
class StubAz {
 public:
  StubAz() {
    char tmpl[] = "/tmp/rdptriage_fix_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::ofstream az(dir_ + "/az");
    az << "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done >> \"$ARGV_OUT\"\n";
    az.close();
    fs::permissions(dir_ + "/az", fs::perms::owner_all);
  }
  ~StubAz() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  StubAz(const StubAz&) = delete;
  StubAz& operator=(const StubAz&) = delete;

  struct Run {
    int status = -1;                // bash's exit status
    bool az_ran = false;            // the stub was invoked
    std::vector<std::string> argv;  // what it received (all invocations)
  };

  // Runs `command` with bash (non-interactive), the stub first on PATH.
  Run run(const std::string& command) const {
    const std::string script = dir_ + "/cmd.sh", out = dir_ + "/argv";
    std::remove(out.c_str());
    {
      std::ofstream f(script);
      f << command << "\n";
    }
    std::string shell =
        "PATH=" + dir_ + ":/usr/bin:/bin ARGV_OUT=" + out + " bash " + script + " >/dev/null 2>&1";
    Run r;
    int raw = std::system(shell.c_str());
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    std::ifstream in(out, std::ios::binary);
    if (in) {
      r.az_ran = true;
      std::string arg;
      while (std::getline(in, arg, '\0')) r.argv.push_back(arg);
    }
    return r;
  }

  // bash -n: does the command parse?
  bool parses(const std::string& command) const {
    const std::string script = dir_ + "/parse.sh";
    {
      std::ofstream f(script);
      f << command << "\n";
    }
    return std::system(("bash -n " + script + " >/dev/null 2>&1").c_str()) == 0;
  }

 private:
  std::string dir_;
};

const StubAz& stub() {
  static const StubAz s;
  return s;
}

// Independent of the library's own tracker: where would bash expand
// something inside double quotes? ($name, ${, $(, $digit, `), allowing only
// an intended $(az ...).
std::vector<std::string> double_quote_expansions(const std::string& cmd) {
  std::vector<std::string> out;
  bool single = false, dbl = false;
  int subst_depth = 0;  // inside $( ) opened within double quotes
  for (std::size_t i = 0; i < cmd.size(); ++i) {
    char c = cmd[i];
    if (single) {
      if (c == '\'') single = false;
      continue;
    }
    if (c == '\\') {
      ++i;
      continue;
    }
    if (dbl && subst_depth == 0) {
      if (c == '"') {
        dbl = false;
      } else if (c == '`') {
        out.push_back(cmd.substr(i, 20));
      } else if (c == '$' && i + 1 < cmd.size()) {
        char n = cmd[i + 1];
        if (n == '(') {
          std::size_t j = i + 2;
          while (j < cmd.size() && cmd[j] == ' ') ++j;
          if (cmd.compare(j, 3, "az ") != 0) out.push_back(cmd.substr(i, 20));
          subst_depth = 1;
          ++i;
        } else if (std::isalnum(static_cast<unsigned char>(n)) || n == '_' || n == '{' ||
                   std::string("?!#$*@-").find(n) != std::string::npos) {
          out.push_back(cmd.substr(i, 20));
        }
      }
      continue;
    }
    if (subst_depth > 0) {
      if (c == '(') ++subst_depth;
      if (c == ')') --subst_depth;
      if (c == '\'') single = true;
      continue;
    }
    if (c == '\'') single = true;
    if (c == '"') dbl = true;
  }
  return out;
}

const std::regex& restarts() {
  static const std::regex kRe(
      R"(Restart-Computer|az vm (restart|redeploy|deallocate|stop|resize)|shutdown\s+/r|/reboot|-AutoReboot|\s-Restart\b|Restart-Service|--reboot-setting\s+(IfRequired|Always))",
      std::regex::icase);
  return kRe;
}

const std::regex& guest_change() {
  static const std::regex kRe(
      R"(reg(\.exe)?\s+add|reg\s+delete|Set-ItemProperty|New-ItemProperty|Set-Service|Restart-Service|Enable-LocalUser|net\s+user|netsh\s|Remove-Item|Stop-Process|logoff|Test-ComputerSecureChannel|Reset-ComputerMachinePassword|netdom)",
      std::regex::icase);
  return kRe;
}

// A step that keeps a service from starting, and the service it names.
std::optional<std::string> disabled_service(const std::string& body) {
  static const std::regex kDisable(
      R"re(\\Services\\(\w+)"?\s+/v\s+Start\s+/t\s+REG_DWORD\s+/d\s+4\b|\bsc(?:\.exe)?\s+config\s+(\w+)\s+start=\s*disabled|Set-Service\s+(?:-Name\s+)?(\w+)\s+-StartupType\s+Disabled)re",
      std::regex::icase);
  std::smatch m;
  if (!std::regex_search(body, m, kDisable)) return std::nullopt;
  for (int g = 1; g <= 3; ++g)
    if (m[g].matched) return m[g].str();
  return std::nullopt;
}

bool restores_service(const std::string& body, const std::string& service) {
  const std::regex restore(
      "\\\\Services\\\\" + service +
          R"("?\s+/v\s+Start\s+/t\s+REG_DWORD\s+/d\s+[23]\b|\bsc(?:\.exe)?\s+config\s+)" + service +
          R"(\s+start=\s*(?:auto|demand|delayed-auto)|Set-Service\s+(?:-Name\s+)?)" + service +
          R"(\s+-StartupType\s+(?:Automatic|Manual))",
      std::regex::icase);
  return std::regex_search(body, restore);
}

// No fix leaves a service it disabled disabled: a later step, run the same
// way, starts it again, or a warning says it stays disabled.
void check_services_restored(const std::vector<FixStep>& fix,
                             const std::vector<std::string>& warnings) {
  for (std::size_t i = 0; i < fix.size(); ++i) {
    const std::string& body = fix[i].script.empty() ? fix[i].command : fix[i].script;
    std::optional<std::string> service = disabled_service(body);
    if (!service) continue;
    INFO("step " << i + 1 << " disables " << *service << ": " << body);
    bool restored = false;
    for (std::size_t j = i + 1; j < fix.size() && !restored; ++j) {
      const std::string& later = fix[j].script.empty() ? fix[j].command : fix[j].script;
      restored = fix[j].runs == fix[i].runs && restores_service(later, *service);
    }
    for (const std::string& w : warnings)
      restored |=
          w.find(*service) != std::string::npos && w.find("stays disabled") != std::string::npos;
    CHECK(restored);
  }
}

// Every check on one rendered fix. `label` names the world for messages.
void check_fix(const std::string& label, const std::string& cause, const std::vector<FixStep>& fix,
               const std::vector<std::string>& warnings) {
  INFO(label << " [" << cause << "]");
  std::string all_warnings;
  for (const std::string& w : warnings) all_warnings += w + "\n";
  check_services_restored(fix, warnings);
  for (const FixStep& s : fix)
    if (s.alternative_to > 0) {
      // An alternative follows the Run Command step it stands in for.
      INFO("alternative " << s.text);
      REQUIRE(static_cast<std::size_t>(s.alternative_to) <= fix.size());
      CHECK(fix[static_cast<std::size_t>(s.alternative_to) - 1].runs == "run_command");
      CHECK(s.runs == "serial_console");
    }
  for (std::size_t i = 0; i < fix.size(); ++i) {
    const FixStep& s = fix[i];
    if (s.command.empty()) continue;
    INFO("step " << i + 1 << ": " << s.command);
    CHECK_FALSE(s.runs.empty());
    CHECK_FALSE(s.where.empty());
    if (s.shell == "bash") {
      CHECK(stub().parses(s.command));
      CHECK(double_quote_expansions(s.command).empty());
    }
    const std::string& body = s.script.empty() ? s.command : s.script;
    if (std::regex_search(body, restarts())) {
      bool declared = std::any_of(s.effects.begin(), s.effects.end(), [](const std::string& e) {
        return e == "restarts_vm" || e == "restarts_service";
      });
      CHECK(declared);
      CHECK(std::regex_search(
          all_warnings,
          std::regex("Steps? ([0-9, and]*\\b)?" + std::to_string(i + 1) + "\\b[^\\n]*restart")));
    }
    if (std::regex_search(body, guest_change()))
      CHECK((s.runs == "run_command" || s.runs == "serial_console" || s.runs == "vm_console"));
    if (s.runs != "run_command") continue;
    // Run Command gets the script exactly, or nothing when a value is missing.
    CHECK(s.shell == "bash");
    CHECK(s.script_shell == "powershell");
    StubAz::Run run = stub().run(s.command);
    if (!s.missing.empty()) {
      CHECK_FALSE(run.az_ran);
      CHECK(run.status != 0);
      continue;
    }
    REQUIRE(run.az_ran);
    auto it = std::find(run.argv.begin(), run.argv.end(), "--scripts");
    REQUIRE(it != run.argv.end());
    REQUIRE(it + 1 != run.argv.end());
    CHECK(*(it + 1) == s.script);
    CHECK(it + 2 == run.argv.end());
    CHECK(run.argv.front() == "vm");
  }
}

// Every fix a report carries, and the fix of every cause it could not
// settle as a host would render it (Triage::render_fix with the report's
// evidence). Returns how many fixes were checked.
int check_report(const std::string& label, const Report& r, const Context& context) {
  int checked = 0;
  if (r.status == Verdict::kConfirmed) {
    check_fix(label, r.cause, r.fix, r.warnings);
    ++checked;
  }
  for (const Candidate& c : r.also_confirmed) {
    CHECK(c.confirmed);
    CHECK_FALSE(c.fix.steps.empty());
    check_fix(label + " (also confirmed)", c.cause, c.fix.steps, c.fix.warnings);
    ++checked;
  }
  for (const std::vector<Candidate>* list : {&r.candidates, &r.not_excluded})
    for (const Candidate& c : *list) {
      if (!c.fix.steps.empty()) {
        check_fix(label + " (candidate)", c.cause, c.fix.steps, c.fix.warnings);
        ++checked;
      }
      auto fix = triage().render_fix(c.cause, context, r.evidence);
      REQUIRE(fix.ok());
      check_fix(label + " (rendered for " + c.cause + ")", c.cause, fix->steps, fix->warnings);
      ++checked;
    }
  return checked;
}

std::vector<fs::path> bundled_worlds() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kSource + "/examples/worlds"))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("every bundled world's fix is safe to paste") {
  int fixes = 0, also = 0, shadowed = 0;
  for (const fs::path& p : bundled_worlds()) {
    auto w = World::load_file(p);
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    check_report(p.filename().string(), r, w->context());
    fixes += r.fix.empty() ? 0 : 1;
    also += static_cast<int>(r.also_confirmed.size());
    shadowed += static_cast<int>(r.not_excluded.size());
  }
  CHECK(fixes >= 50);
  CHECK(also >= 1);       // two_faults.disk_full_and_starved
  CHECK(shadowed >= 10);  // the causes behind a user question
}

TEST_CASE("random single-fault worlds' fixes are safe to paste") {
  std::mt19937 rng(77031);
  for (int i = 0; i < 80; ++i) {
    const testing::RandomFault* f = nullptr;
    const std::string json = testing::random_single_fault_world(rng, &f);
    auto w = World::load_string(json, "random.json");
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    REQUIRE(r.cause == f->cause);
    check_report("random " + std::to_string(i) + ": " + json, r, w->context());
  }
}

TEST_CASE("every fix, rendered with no evidence at all, is still safe to paste") {
  // The worst case for placeholders: nothing but the resource group and VM.
  // With no evidence no step's condition is decided, so every declared step
  // is rendered, in order.
  for (const CauseInfo& c : triage().rules().causes()) {
    auto fix = triage().render_fix(c.id, {{"resource_group", "rg(1)"}, {"vm", "vm1"}}, {});
    REQUIRE(fix.ok());
    REQUIRE(fix->steps.size() == c.fix.size());
    check_fix("no evidence", c.id, fix->steps, fix->warnings);
    for (std::size_t i = 0; i < c.fix.size(); ++i) {
      INFO(c.id << " step " << i + 1);
      CHECK(fix->steps[i].conditional == c.fix[i].conditional);
      if (c.fix[i].runs != "run_command") continue;
      // The script is the rule's PowerShell, byte for byte, when it names no
      // value; otherwise each value is a missing marker.
      if (internal::find_placeholders(c.fix[i].command).empty())
        CHECK(fix->steps[i].script == c.fix[i].command);
      else
        CHECK(fix->steps[i].script != c.fix[i].command);
    }
    for (const FixStep& s : fix->steps)
      for (const std::string& name : s.missing) {
        bool listed = std::any_of(fix->missing.begin(), fix->missing.end(),
                                  [&](const MissingValue& m) { return m.name == name; });
        CHECK(listed);
      }
  }
}

// --- the NSG fix, applied ---------------------------------------------------

struct AppliedRule {
  std::string nsg, name;
  int priority = 0;
  std::string source, ports;
};

std::string arg_after(const std::vector<std::string>& argv, const std::string& flag) {
  auto it = std::find(argv.begin(), argv.end(), flag);
  return it != argv.end() && it + 1 != argv.end() ? *(it + 1) : std::string();
}

// Diagnoses the world, runs its NSG rule command against the stub and
// returns the rule az would create; nullopt when the fix has none.
std::optional<AppliedRule> rendered_rule(const Report& r) {
  for (const FixStep& s : r.fix) {
    if (s.command.find("az network nsg rule create") == std::string::npos) continue;
    StubAz::Run run = stub().run(s.command);
    if (!run.az_ran) return std::nullopt;
    AppliedRule a;
    a.nsg = arg_after(run.argv, "--nsg-name");
    a.name = arg_after(run.argv, "--name");
    a.priority = std::stoi(arg_after(run.argv, "--priority"));
    a.source = arg_after(run.argv, "--source-address-prefixes");
    a.ports = arg_after(run.argv, "--destination-port-ranges");
    CHECK(arg_after(run.argv, "--access") == "Allow");
    CHECK(arg_after(run.argv, "--direction") == "Inbound");
    return a;
  }
  return std::nullopt;
}

// Applies the NSG fix until the client gets in: each rendered rule must win
// over the deny that decided (a lower number), take no inbound priority or
// name already in the NSG, and go into the NSG that holds the deny. A world
// with subnet and NIC NSGs may need one rule in each. Checked with the
// world's own NSG evaluator.
void apply_nsg_fix_until_allowed(const std::string& label, std::string json) {
  INFO(label << ": " << json);
  for (int round = 0; round < 3; ++round) {
    auto doc = internal::JsonDocument::parse(json, "w.json", {1 << 20, 32});
    REQUIRE(doc.ok());
    auto model = internal::world::build_world(*doc);
    REQUIRE(model.ok());
    internal::world::NsgVerdict verdict = internal::world::client_flow_verdict(*model);
    if (verdict.allowed) {
      CHECK(round > 0);
      return;
    }
    auto w = World::load_string(json, "w.json");
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    INFO("round " << round << "\n" << report_to_json(r));
    REQUIRE(r.cause == "network.nsg_denies_rdp");
    const bool subnet = verdict.nsg == "subnet";
    const auto& rules = subnet ? *model->vm.nsg_subnet : *model->vm.nsg_nic;
    std::set<int> used;
    std::set<std::string> names;
    for (const auto& rule : rules)
      if (rule.inbound) used.insert(rule.priority), names.insert(rule.name);
    bool any_free = false;
    for (int p = 100; p < std::min(verdict.priority, 4097); ++p) any_free |= !used.count(p);
    std::optional<AppliedRule> a = rendered_rule(r);
    if (!any_free) {
      // Nothing can win: the fix must say so rather than collide.
      CHECK_FALSE(a.has_value());
      bool listed = std::any_of(r.missing.begin(), r.missing.end(), [](const MissingValue& m) {
        return m.name == "nsg_allow_priority";
      });
      CHECK(listed);
      return;
    }
    REQUIRE(a.has_value());
    CHECK(a->nsg == (subnet ? model->vm.nsg_subnet_name : model->vm.nsg_nic_name));
    CHECK(a->priority < verdict.priority);
    CHECK(a->priority >= 100);
    CHECK(a->priority <= 4096);
    CHECK_FALSE(used.count(a->priority));
    CHECK_FALSE(names.count(a->name));
    CHECK(a->source == model->client.source_ip + "/32");
    // Add it to the world, exactly as az would create it.
    boost::json::value v = boost::json::parse(json);
    boost::json::object& vm = v.as_object()["vm"].as_object();
    if (!vm.contains("nsg")) vm["nsg"] = boost::json::object();
    boost::json::object& nsg = vm["nsg"].as_object();
    const char* scope = subnet ? "subnet" : "nic";
    if (!nsg.contains(scope) || nsg[scope].is_null()) {
      // The NIC's default rule is part of the world until replaced.
      nsg[scope] = boost::json::array();
      if (!subnet)
        nsg[scope].as_array().push_back(boost::json::parse(
            R"({"name": "RDP", "priority": 300, "access": "Allow", "protocol": "Tcp",
                "sourceAddressPrefix": "*", "destinationPortRange": "3389"})"));
    }
    nsg[scope].as_array().push_back({{"name", a->name},
                                     {"priority", a->priority},
                                     {"direction", "Inbound"},
                                     {"access", "Allow"},
                                     {"protocol", "Tcp"},
                                     {"sourceAddressPrefix", a->source},
                                     {"destinationPortRange", a->ports}});
    json = boost::json::serialize(v);
  }
  FAIL("the client was still denied after three rounds of the NSG fix");
}

TEST_CASE("the NSG fix wins over the deny and collides with nothing in the bundled NSG worlds") {
  int checked = 0;
  for (const fs::path& p : bundled_worlds()) {
    auto w = World::load_file(p);
    REQUIRE(w.ok());
    if (w->expect_cause() != "network.nsg_denies_rdp") continue;
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    apply_nsg_fix_until_allowed(p.filename().string(), text.str());
    ++checked;
  }
  CHECK(checked >= 6);
}

TEST_CASE("the NSG fix wins over the deny and collides with nothing in random NSG worlds") {
  std::mt19937 rng(4096);
  int denied = 0;
  for (int i = 0; i < 400 && denied < 120; ++i) {
    std::string json = testing::random_nsg_world(rng);
    auto w = World::load_string(json, "nsg.json");
    REQUIRE(w.ok());
    if (w->symptom() != "timeout") continue;  // this draw let the client in
    ++denied;
    apply_nsg_fix_until_allowed("random nsg " + std::to_string(i), json);
  }
  CHECK(denied >= 100);
}

TEST_CASE("a missing value stops the whole command before az runs") {
  auto fix = triage().render_fix("network.nsg_denies_rdp", {{"resource_group", "rg1"}}, {});
  REQUIRE(fix.ok());
  const FixStep& create = fix->steps.at(1);
  REQUIRE(create.command.find("az network nsg rule create") == 0);
  CHECK_FALSE(create.missing.empty());
  CHECK(stub().parses(create.command));
  StubAz::Run run = stub().run(create.command);
  CHECK_FALSE(run.az_ran);
  CHECK(run.status != 0);
}

// --- probe tests shown as the next test ---------------------------------------

// Every context key with a valid value (a resource group with parentheses,
// which must be quoted), and nothing at all.
const Context kFullContext = {
    {"subscription", "0b1f6471-1bf0-4dda-aec3-cb9272f09590"},
    {"resource_group", "rg(1)"},
    {"vm", "vm1"},
    {"nic", "vm1VMNic"},
    {"nsg", "vm1NSG"},
    {"port", "3389"},
    {"source_prefix", "203.0.113.10/32"},
    {"client_ip", "203.0.113.10"},
    {"private_ip", "10.0.0.4"},
    {"public_ip", "52.160.10.20"},
    {"username", "azureadmin"},
    {"location", "westeurope"},
    {"computer_name", "VM1"},
    {"source_vm", "jump01"},
    {"new_vm_size", "Standard_D4s_v5"},
    {"new_os_disk_size_gb", "256"},
    {"domain_admin", "CONTOSO\\admin"},
};

TEST_CASE("every probe's test, shown as the next test, runs in bash as printed") {
  const internal::CompiledRules& rules = *triage().rules().compiled();
  int bash_tests = 0;
  for (const Context& ctx : {kFullContext, Context{}}) {
    for (const internal::Probe& probe : rules.probes) {
      const std::string test = internal::render_probe_test(probe, ctx);
      INFO(probe.info.id << " (" << ctx.size() << " context keys): " << test);
      // A bash command: az, a loop around az, or a Run Command script.
      const bool bash = test.rfind("az ", 0) == 0 || test.rfind("for ", 0) == 0;
      if (!probe.info.script.empty()) CHECK(bash);
      if (!bash) continue;
      ++bash_tests;
      CHECK(stub().parses(test));
      CHECK(double_quote_expansions(test).empty());
      if (probe.info.script.empty()) continue;
      // The script reaches Run Command as the rule wrote it, its values filled.
      StubAz::Run run = stub().run(test);
      if (ctx.empty()) {
        CHECK_FALSE(run.az_ran);  // no resource group: bash stops first
        continue;
      }
      REQUIRE(run.az_ran);
      CHECK(arg_after(run.argv, "--scripts") ==
            internal::render_template(probe.info.script, "powershell", ctx));
    }
  }
  CHECK(bash_tests >= 2 * 60);
}

// --- the host's channel policy ----------------------------------------------

void check_policy_fix(const std::string& label, const RenderedFix& fix, bool run_command,
                      bool serial_console) {
  INFO(label);
  check_fix(label, "", fix.steps, fix.warnings);
  for (const FixStep& s : fix.steps) {
    INFO(s.text);
    if (!run_command) CHECK(s.runs != "run_command");
    if (!serial_console) CHECK(s.runs != "serial_console");
    if (!run_command || !serial_console) CHECK(s.alternative_to == 0);
    if (s.where.find("channel policy") != std::string::npos) {
      // Moved off the channel the policy forbids: the rule's command itself.
      CHECK_FALSE(s.command.empty());
      CHECK(s.script.empty());
    }
  }
}

TEST_CASE("a fix never tells the admin to use a channel the host's policy disables") {
  const std::vector<std::pair<std::vector<Channel>, std::string>> policies = {
      {{Channel::kRunCommand}, "no Run Command"},
      {{Channel::kSerialConsole}, "no serial console"},
      {{Channel::kRunCommand, Channel::kSerialConsole}, "neither"}};
  int moved = 0;
  for (const CauseInfo& c : triage().rules().causes()) {
    for (const auto& [off, name] : policies) {
      const bool rc = std::find(off.begin(), off.end(), Channel::kRunCommand) == off.end();
      const bool serial = std::find(off.begin(), off.end(), Channel::kSerialConsole) == off.end();
      auto fix = triage().render_fix(c.id, {{"resource_group", "rg1"}, {"vm", "vm1"}}, {}, off);
      REQUIRE(fix.ok());
      check_policy_fix(c.id + " with " + name, *fix, rc, serial);
      for (const FixStep& s : fix->steps)
        moved += s.where.find("channel policy") != std::string::npos;
      // Nothing the rule does is lost: each Run Command step is still there,
      // as itself, as its alternative or moved to the console allowed.
      std::size_t declared_rc = 0, rendered_guest = 0;
      for (std::size_t i = 0; i < c.fix.size(); ++i) declared_rc += c.fix[i].runs == "run_command";
      for (const FixStep& s : fix->steps)
        rendered_guest +=
            s.runs == "run_command" || s.runs == "serial_console" || s.runs == "vm_console";
      CHECK(rendered_guest >= declared_rc);
    }
  }
  CHECK(moved >= 30);
}

TEST_CASE("with Run Command disabled, a Run Command step gives way to its alternative") {
  auto off = triage().render_fix("auth.fips_enforced", {{"resource_group", "rg1"}, {"vm", "vm1"}},
                                 {}, {Channel::kRunCommand});
  REQUIRE(off.ok());
  // gpsvc off, FIPS off, MinEncryptionLevel, restart, gpsvc back on: the
  // declared alternatives in their steps' places, saying what the step does.
  REQUIRE(off->steps.size() == 5);
  CHECK(off->steps[0].runs == "serial_console");
  CHECK(off->steps[0].shell == "cmd");
  CHECK(off->steps[0].conditional);  // the VM may not be in a domain
  CHECK_THAT(off->steps[0].text, Catch::StartsWith("The VM is domain-joined"));
  CHECK(off->steps[3].runs == "admin_shell");
  CHECK(off->steps[4].runs == "serial_console");
  CHECK_THAT(off->steps[4].command, Catch::Contains("gpsvc\" /v Start /t REG_DWORD /d 2"));
  // A Run Command step without a declared alternative runs its script at
  // the serial console, in PowerShell, and says why.
  auto rc = triage().render_fix("guest.session_limit", {{"resource_group", "rg1"}, {"vm", "vm1"}},
                                {}, {Channel::kRunCommand});
  REQUIRE(rc.ok());
  REQUIRE(rc->steps.size() == 2);
  CHECK(rc->steps[0].runs == "serial_console");
  CHECK(rc->steps[0].shell == "powershell");
  CHECK(rc->steps[0].command == "quser");
  CHECK_THAT(rc->steps[0].where, Catch::Contains("channel policy disables Run Command"));
  // With both disabled it says so, and where else to run it.
  auto both = triage().render_fix("guest.session_limit", {{"resource_group", "rg1"}, {"vm", "vm1"}},
                                  {}, {Channel::kRunCommand, Channel::kSerialConsole});
  REQUIRE(both.ok());
  CHECK(both->steps[0].runs == "vm_console");
  CHECK_THAT(both->steps[0].where,
             Catch::Contains("disables both Run Command and the serial console"));
  // Without a policy the alternative stands beside its step.
  auto all =
      triage().render_fix("auth.fips_enforced", {{"resource_group", "rg1"}, {"vm", "vm1"}}, {});
  REQUIRE(all.ok());
  REQUIRE(all->steps.size() == 9);
  CHECK(all->steps[1].alternative_to == 1);
  CHECK(all->steps[8].alternative_to == 8);
}

TEST_CASE("an evaluation under a channel policy renders its fix for that policy") {
  auto w = World::load_file(kSource + "/examples/worlds/auth.fips_enforced_by_domain.json");
  REQUIRE(w.ok());
  EvaluateRequest req;
  req.symptom = w->symptom();
  req.context = w->context();
  req.adapters.push_back(w->adapter());
  req.options.disabled_channels = {Channel::kRunCommand};
  auto r = triage().evaluate(req);
  REQUIRE(r.ok());
  REQUIRE(r->status == Verdict::kConfirmed);
  REQUIRE(r->cause == "auth.fips_enforced");
  check_policy_fix("fips, no Run Command", RenderedFix{r->fix, r->warnings, r->missing}, false,
                   true);
  // The Group Policy client goes off and comes back on at the serial console.
  const auto gpsvc = std::count_if(r->fix.begin(), r->fix.end(), [](const FixStep& s) {
    return s.command.find("Services\\gpsvc") != std::string::npos;
  });
  CHECK(gpsvc == 2);
}

// --- the audit's findings, each on the world that shows it ------------------

Report diagnose_file(const std::string& name) {
  auto w = World::load_file(kSource + "/examples/worlds/" + name);
  REQUIRE(w.ok());
  return diagnose(*w);
}

std::string all_commands(const Report& r) {
  std::string out;
  for (const FixStep& s : r.fix) out += (s.script.empty() ? s.command : s.script) + "\n";
  return out;
}

TEST_CASE(
    "the FIPS fix touches the Group Policy client only on a domain-joined VM, and restores it") {
  Report workgroup = diagnose_file("auth.fips_enforced.json");
  REQUIRE(workgroup.cause == "auth.fips_enforced");
  CHECK(all_commands(workgroup).find("gpsvc") == std::string::npos);
  Report domain = diagnose_file("auth.fips_enforced_by_domain.json");
  REQUIRE(domain.cause == "auth.fips_enforced");
  const std::string cmds = all_commands(domain);
  CHECK(cmds.find("gpsvc\" /v Start /t REG_DWORD /d 4") != std::string::npos);
  CHECK(cmds.find("gpsvc\" /v Start /t REG_DWORD /d 2") != std::string::npos);
}

TEST_CASE("the secure channel fix never removes a domain controller from its domain") {
  Report member = diagnose_file("auth.secure_channel_broken.json");
  REQUIRE(member.cause == "auth.secure_channel_broken");
  CHECK(all_commands(member).find("netdom remove") != std::string::npos);
  CHECK(all_commands(member).find("nltest /sc_verify") == std::string::npos);
  Report dc = diagnose_file("auth.secure_channel_broken_on_dc.json");
  REQUIRE(dc.cause == "auth.secure_channel_broken");
  const std::string cmds = all_commands(dc);
  CHECK(cmds.find("netdom") == std::string::npos);
  CHECK(cmds.find("Test-ComputerSecureChannel") == std::string::npos);
  CHECK(cmds.find("Reset-ComputerMachinePassword") == std::string::npos);
  CHECK(cmds.find("nltest /sc_verify") != std::string::npos);
}

TEST_CASE("TLS 1.0 and 1.1 come back on only for a client that cannot use TLS 1.2") {
  CHECK(all_commands(diagnose_file("auth.tls_disabled.json")).find("TLS 1.0") == std::string::npos);
  Report legacy = diagnose_file("auth.tls_disabled_legacy_client.json");
  REQUIRE(legacy.cause == "auth.tls_disabled");
  CHECK(all_commands(legacy).find("TLS 1.0") != std::string::npos);
}

TEST_CASE("the return route goes into the route table's own resource group") {
  Report r = diagnose_file("network.asymmetric_route.json");
  REQUIRE(r.cause == "network.asymmetric_route");
  CHECK(r.missing.empty());
  const std::string cmds = all_commands(r);
  CHECK(cmds.find("az network route-table route create --resource-group hub-network-rg "
                  "--route-table-name hub-egress-routes") != std::string::npos);
  bool warned = false;
  for (const std::string& w : r.warnings)
    warned |= w.find("around the appliance") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("the runaway process is stopped by the id the evidence gave") {
  Report r = diagnose_file("seed003.runaway_process_black_screen.json");
  REQUIRE(r.cause == "guest.resource_exhaustion");
  CHECK(all_commands(r).find("Stop-Process -Id 4012 -Force") != std::string::npos);
  for (const MissingValue& m : r.missing) CHECK(m.name != "pid");
  bool warned = false;
  for (const std::string& w : r.warnings) warned |= w.find("ends a process") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("turning NLA back on leaves disabledomaincreds alone") {
  Report r = diagnose_file("auth.dc_unreachable.json");
  REQUIRE(r.cause == "auth.dc_unreachable");
  CHECK(all_commands(r).find("disabledomaincreds") == std::string::npos);
}

TEST_CASE("Entra ID role and MFA changes name the user by UPN, not the bare name typed") {
  Report role = diagnose_file("auth.entra_login_role_missing.json");
  REQUIRE(role.cause == "auth.entra_login_role_missing");
  CHECK_THAT(all_commands(role), Catch::Contains("--assignee jdoe@contoso.com "));
  Report mfa = diagnose_file("auth.entra_per_user_mfa.json");
  REQUIRE(mfa.cause == "auth.entra_per_user_mfa");
  CHECK_THAT(all_commands(mfa), Catch::Contains("/users/jdoe@contoso.com/authentication"));
}

}  // namespace
}  // namespace rdptriage
