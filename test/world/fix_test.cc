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

#include "rdptriage/triage.h"
#include "rdptriage/world.h"
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

// Every check on one rendered fix. `label` names the world for messages.
void check_fix(const std::string& label, const std::string& cause, const std::vector<FixStep>& fix,
               const std::vector<std::string>& warnings) {
  INFO(label << " [" << cause << "]");
  std::string all_warnings;
  for (const std::string& w : warnings) all_warnings += w + "\n";
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

void check_report(const std::string& label, const Report& r) {
  if (r.status == Verdict::kConfirmed) check_fix(label, r.cause, r.fix, r.warnings);
  for (const Candidate& c : r.candidates)
    if (c.confirmed) check_fix(label + " (candidate)", c.cause, c.fix.steps, c.fix.warnings);
}

std::vector<fs::path> bundled_worlds() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kSource + "/examples/worlds"))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("every bundled world's fix is safe to paste") {
  int fixes = 0;
  for (const fs::path& p : bundled_worlds()) {
    auto w = World::load_file(p);
    REQUIRE(w.ok());
    Report r = diagnose(*w);
    check_report(p.filename().string(), r);
    fixes += r.fix.empty() ? 0 : 1;
  }
  CHECK(fixes >= 50);
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
    check_report("random " + std::to_string(i) + ": " + json, r);
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

}  // namespace
}  // namespace rdptriage
