// Fix steps and probe fields in the rules data: where a step runs, what it
// does, when it applies, the placeholders it may use, and the sources it
// cites, each checked at load with the JSON path of the problem.
#include <catch2/catch.hpp>
#include <string>

#include "rdptriage/rules.h"
#include "support/expect_problem.h"

namespace rdptriage {
namespace {

using testing::expect_problem;

constexpr const char* kProbes = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.flag", "title": "a flag", "channel": "client", "cost_s": 0.1,
     "result": {"type": "bool"}, "how": "look"},
    {"id": "p.flow", "title": "a flow check", "channel": "network_watcher", "cost_s": 20,
     "result": {"type": "enum", "values": ["allow", "deny"]}, "how": "az network watcher test-ip-flow",
     "fields": {"nsg": "the NSG", "priority": {"about": "its priority", "kind": "integer"}}},
    {"id": "p.guest", "title": "a guest read", "channel": "run_command", "cost_s": 45,
     "result": {"type": "bool"}, "script": "Get-Service | Where-Object { $_.Status -eq 'Running' }"}
  ],
  "symptoms": [{"id": "s1", "title": "one"}]})";

std::string rule_with_fix(const std::string& fix, const std::string& extra = "") {
  return R"({"schema": "rdptriage.rules/1", "rules": [{"id": "network.a", "layer": "network",
    "stage": "client", "title": "t", "explanation": "e", "symptoms": ["s1"],
    "confirm": {"probe": "p.flag", "eq": true}, "confirm_text": "c", "fix": )" +
         fix + R"(, "sources": [{"seed": "003", "section": "x"}])" + extra + "}]}";
}

StatusOr<RuleSet> load_rule(const std::string& rules, const std::string& probes = kProbes) {
  return RuleSet::load_documents({{"probes.json", probes}, {"rules.json", rules}});
}

TEST_CASE("steps declare where they run, what they do and when they apply") {
  auto r = load_rule(rule_with_fix(R"([
    {"text": "Read it.", "command": "az vm show --name {vm}", "shell": "bash"},
    {"text": "Change it inside the VM.", "command": "Set-ItemProperty -Path 'HKLM:\\X' -Name Y -Value 0",
     "shell": "powershell", "runs": "run_command", "effects": ["changes_registry"],
     "when": {"probe": "p.flag", "eq": true}},
    {"text": "Restart.", "command": "az vm restart --name {vm}", "shell": "bash",
     "effects": ["restarts_vm"]}])"));
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  const CauseInfo* c = r->find_cause("network.a");
  REQUIRE(c != nullptr);
  REQUIRE(c->fix.size() == 3);
  CHECK(c->fix[0].runs == "admin_shell");  // bash defaults to the admin's shell
  CHECK(c->fix[1].runs == "run_command");
  CHECK(c->fix[1].effects == std::vector<std::string>{"changes_registry"});
  CHECK(c->fix[1].conditional);
  CHECK_FALSE(c->fix[0].conditional);
  const ProbeInfo* guest = r->find_probe("p.guest");
  REQUIRE(guest != nullptr);
  CHECK(guest->script == "Get-Service | Where-Object { $_.Status -eq 'Running' }");
  CHECK(guest->how.rfind("az vm run-command invoke --resource-group {resource_group} --name {vm} "
                         "--command-id RunPowerShellScript --scripts 'Get-Service",
                         0) == 0);
  const ProbeInfo* flow = r->find_probe("p.flow");
  REQUIRE(flow->fields.size() == 2);
  CHECK(flow->fields[0].name == "nsg");
  CHECK(flow->fields[0].kind == "nsg");  // a context key's own validation
  CHECK(flow->fields[1].kind == "integer");
}

TEST_CASE("a cmd or PowerShell command must say where it runs") {
  Diagnostic d = expect_problem(
      load_rule(
          rule_with_fix(R"([{"text": "x", "command": "ipconfig /flushdns", "shell": "cmd"}])")),
      "say where the command runs");
  CHECK(d.path == "rules[0].fix[0]");
  expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "Get-X", "shell": "powershell", "runs": "moon"}])")),
      "unknown \"runs\" \"moon\"");
  expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az vm show", "shell": "bash", "runs": "run_command"}])")),
      "a run_command step is written in powershell, not bash");
  expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az vm run-command invoke --scripts 'x'", "shell": "powershell", "runs": "run_command"}])")),
      "is the PowerShell script itself");
  expect_problem(load_rule(rule_with_fix(R"([{"text": "x", "runs": "client"}])")),
                 "this step has none");
}

TEST_CASE("a command that visibly restarts or changes something must declare it") {
  struct Case {
    const char* command;
    const char* shell;
    const char* runs;
    const char* effect;             // named in the problem
    const char* declare = nullptr;  // what satisfies it, when more than `effect`
  };
  const Case cases[] = {
      {"az vm restart --name {vm}", "bash", "admin_shell", "restarts_vm"},
      {"az vm redeploy --name {vm}", "bash", "admin_shell", "restarts_vm",
       R"("restarts_vm", "deletes_data", "changes_address")"},
      {"az vm deallocate --name {vm}", "bash", "admin_shell", "restarts_vm",
       R"("restarts_vm", "deletes_data", "changes_address")"},
      {"az vm resize --name {vm} --size Standard_D4s_v5", "bash", "admin_shell", "restarts_vm"},
      {"az vm install-patches --name {vm} --reboot-setting IfRequired", "bash", "admin_shell",
       "restarts_vm"},
      {"Restart-Computer -Force", "powershell", "run_command", "restarts_vm"},
      {"Uninstall-WindowsFeature RDS-RD-Server -Restart", "powershell", "run_command",
       "restarts_vm"},
      {"Get-WindowsUpdate -Install -AcceptAll -AutoReboot", "powershell", "run_command",
       "restarts_vm"},
      {"shutdown /r /t 0", "cmd", "serial_console", "restarts_vm"},
      {"netdom remove x /reboot:10", "cmd", "vm_console", "restarts_vm",
       R"("restarts_vm", "changes_identity")"},
      {"Restart-Service TermService -Force", "powershell", "run_command", "restarts_service"},
      {"reg add \\\"HKLM\\\\X\\\" /v Y /t REG_DWORD /d 0 /f", "cmd", "serial_console",
       "changes_registry"},
      {"logoff 2", "cmd", "serial_console", "drops_sessions"},
      {"Enable-LocalUser -Name x", "powershell", "run_command", "changes_identity"},
      {"az network nsg rule create --nsg-name n", "bash", "admin_shell", "opens_port"},
      {"Remove-Item C:\\\\x -Recurse", "powershell", "run_command", "deletes_data"},
  };
  for (const Case& c : cases) {
    INFO(c.command);
    std::string step = std::string(R"([{"text": "x", "command": ")") + c.command +
                       R"(", "shell": ")" + c.shell + R"(", "runs": ")" + c.runs + "\"";
    Diagnostic d = expect_problem(load_rule(rule_with_fix(step + "}]")), "does not say so");
    CHECK(d.path == "rules[0].fix[0].command");
    CHECK(d.message.find(c.effect) != std::string::npos);
    // Declaring it is enough.
    std::string declare = c.declare ? c.declare : "\"" + std::string(c.effect) + "\"";
    auto ok = load_rule(rule_with_fix(step + R"(, "effects": [)" + declare + "]}]"));
    INFO(ok.status().to_string());
    CHECK(ok.ok());
  }
  // A restart must be declared as one: changing the registry does not cover it.
  expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az vm restart", "shell": "bash", "effects": ["changes_registry"]}])")),
      "restarts or stops the VM");
  expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az vm show", "shell": "bash", "effects": ["explodes"]}])")),
      "unknown effect \"explodes\"");
}

TEST_CASE("bash commands must not let bash expand PowerShell inside double quotes") {
  Diagnostic d = expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az vm run-command invoke --scripts \"Get-Process | Where-Object { $_.CPU -gt 5 }\"", "shell": "bash"}])")),
      "bash expands \"$_.CPU");
  CHECK(d.path == "rules[0].fix[0].command");
  // Single quotes, and an intended $(az ...), are fine.
  auto ok = load_rule(rule_with_fix(
      R"([{"text": "x", "command": "az monitor metrics list --resource \"$(az vm show --query id -o tsv)\" --scripts 'Where-Object { $_.CPU }'", "shell": "bash"}])"));
  INFO(ok.status().to_string());
  CHECK(ok.ok());
  // The same holds for a probe's how.
  std::string probes = kProbes;
  probes.replace(probes.find(R"("how": "az network watcher test-ip-flow")"),
                 std::string(R"("how": "az network watcher test-ip-flow")").size(),
                 R"("how": "az vm run-command invoke --scripts \"$env:TEMP\"")");
  expect_problem(load_rule(rule_with_fix(R"([{"text": "x"}])"), probes), "bash expands");
}

TEST_CASE("placeholders may name probes and their declared fields, in fix steps only") {
  auto ok = load_rule(rule_with_fix(
      R"([{"text": "In {p.flow:nsg} at {nsg_allow_priority}.", "command": "az network nsg rule create --nsg-name {p.flow:nsg|nsg} --priority {nsg_allow_priority} --name {nsg_allow_rule_name}", "shell": "bash", "effects": ["opens_port"]}])"));
  INFO(ok.status().to_string());
  CHECK(ok.ok());
  expect_problem(load_rule(rule_with_fix(
                     R"([{"text": "x", "command": "az x {p.flow:rule}", "shell": "bash"}])")),
                 "declares no field \"rule\" (declared: nsg, priority)");
  expect_problem(load_rule(rule_with_fix(
                     R"([{"text": "x", "command": "az x {p.nothing}", "shell": "bash"}])")),
                 "names unknown probe \"p.nothing\"");
  expect_problem(
      load_rule(rule_with_fix(R"([{"text": "x", "command": "az x {nsgg}", "shell": "bash"}])")),
      "unknown placeholder {nsgg}");
  // A probe's how is rendered before it has run: context keys only.
  expect_problem(load_rule(rule_with_fix(R"([{"text": "x"}])"), R"({"probes": [
        {"id": "p.flag", "title": "t", "channel": "client", "cost_s": 1, "result": {"type": "bool"},
         "how": "look at {p.flag}"}], "symptoms": [{"id": "s1", "title": "one"}]})"),
                 "names a probe");
}

TEST_CASE("a step's condition is checked like any condition") {
  expect_problem(
      load_rule(rule_with_fix(R"([{"text": "x", "when": {"probe": "p.flow", "eq": "maybe"}}])")),
      "maybe");
  Diagnostic d = expect_problem(
      load_rule(rule_with_fix(R"([{"text": "x", "when": {"probe": "p.zzz", "eq": true}}])")),
      "p.zzz");
  CHECK(d.path.find("fix[0].when") != std::string::npos);
}

TEST_CASE("probe fields, scripts and sources are checked") {
  auto with_probe = [](const std::string& probe) {
    return load_rule(rule_with_fix(R"([{"text": "x"}])"),
                     R"({"probes": [)" + probe + R"(], "symptoms": []})");
  };
  expect_problem(with_probe(R"({"id": "p.x", "title": "t", "channel": "client", "cost_s": 1,
      "result": {"type": "bool"}, "how": "h", "fields": {"Bad-Name": "x"}})"),
                 "field names are lower-case words");
  expect_problem(with_probe(R"({"id": "p.x", "title": "t", "channel": "client", "cost_s": 1,
      "result": {"type": "bool"}, "how": "h", "fields": {"a": {"about": "x", "kind": "colour"}}})"),
                 "unknown kind \"colour\"");
  expect_problem(with_probe(R"({"id": "p.x", "title": "t", "channel": "client", "cost_s": 1,
      "result": {"type": "bool"}, "script": "Get-X"})"),
                 "only run_command probes take a \"script\"");
  expect_problem(with_probe(R"({"id": "p.x", "title": "t", "channel": "run_command", "cost_s": 1,
      "result": {"type": "bool"}, "how": "h", "script": "Get-X"})"),
                 "give \"how\" or \"script\", not both");
  expect_problem(with_probe(R"({"id": "p.x", "title": "t", "channel": "client", "cost_s": 1,
      "result": {"type": "bool"}, "how": "h", "sources": [{"url": "http://example.com/x"}]})"),
                 "https://");
}

TEST_CASE("a source is a seed section or an https address") {
  std::string rules = rule_with_fix(R"([{"text": "x"}])");
  const std::string seed = R"([{"seed": "003", "section": "x"}])";
  auto with_sources = [&](const std::string& sources) {
    std::string r = rules;
    r.replace(r.find(seed), seed.size(), sources);
    return load_rule(r);
  };
  auto ok = with_sources(
      R"([{"seed": "003", "section": "x"}, {"url": "https://learn.microsoft.com/azure/x", "section": "Restrictions"}, {"url": "https://learn.microsoft.com/y"}])");
  INFO(ok.status().to_string());
  REQUIRE(ok.ok());
  const CauseInfo* c = ok->find_cause("network.a");
  REQUIRE(c->sources.size() == 3);
  CHECK(c->sources[1].url == "https://learn.microsoft.com/azure/x");
  CHECK(c->sources[1].section == "Restrictions");
  expect_problem(with_sources(R"([{"seed": "003", "url": "https://x.example/y", "section": "x"}])"),
                 "either a \"seed\"");
  expect_problem(with_sources(R"([{"seed": "003"}])"), "missing required field \"section\"");
  expect_problem(with_sources(R"([{"url": "ftp://x"}])"), "https://");
}

TEST_CASE("the bundled rules load, and every command step says where it runs") {
  auto r = RuleSet::load({});
  INFO(r.status().to_string());
  REQUIRE(r.ok());
  int run_command = 0, with_effects = 0;
  for (const CauseInfo& c : r->causes()) {
    for (const FixStepInfo& s : c.fix) {
      if (s.command.empty()) continue;
      INFO(c.id << ": " << s.command);
      CHECK_FALSE(s.runs.empty());
      run_command += s.runs == "run_command";
      with_effects += !s.effects.empty();
    }
    bool cited = false;
    for (const SourceRef& src : c.sources) cited |= !src.url.empty() || !src.seed.empty();
    CHECK(cited);
  }
  CHECK(run_command >= 30);
  CHECK(with_effects >= 30);
}

}  // namespace
}  // namespace rdptriage
