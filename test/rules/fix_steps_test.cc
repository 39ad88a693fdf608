// Fix steps and probe fields in the rules data: where a step runs, what it
// does, when it applies, the placeholders it may use, and the sources it
// cites, each checked at load with the JSON path of the problem.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>

#include "rdptriage/rules.h"
#include "rules/seeds.h"
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
      // What gives people access, or takes a control away.
      {"az role assignment create --assignee u --role r --scope s", "bash", "admin_shell",
       "changes_identity"},
      {"az rest --method patch --url https://graph.microsoft.com/beta/users/u/x --body '{}'",
       "bash", "admin_shell", "changes_identity"},
      {"az rest --method patch --url https://graph.microsoft.com/beta/users/u/x --body "
       "'{\\\"perUserMfaState\\\": \\\"disabled\\\"}'",
       "bash", "admin_shell", "changes_identity", R"("changes_identity", "lowers_security")"},
      {"Stop-Process -Id 4012 -Force", "powershell", "run_command", "ends_process"},
      {"taskkill /PID 4012 /F", "cmd", "serial_console", "ends_process"},
      {"Enable-NetFirewallRule -DisplayGroup 'Remote Desktop'", "powershell", "run_command",
       "opens_port"},
      {"netsh advfirewall firewall set rule group=\\\"remote desktop\\\" new enable=yes", "cmd",
       "serial_console", "opens_port"},
      {"az network route-table route create --route-table-name t --name n", "bash", "admin_shell",
       "changes_routing"},
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
  // Turning per-user MFA off also lowers security, whatever else is declared.
  expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az rest --method patch --url https://graph.microsoft.com/beta/users/u/x --body '{\"perUserMfaState\": \"disabled\"}'", "shell": "bash", "effects": ["changes_identity"]}])")),
      "turns multi-factor authentication off");
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

TEST_CASE("an alternative is the serial console way of the Run Command step before it") {
  const std::string rc =
      R"({"text": "Change it.", "command": "Set-ItemProperty -Path 'HKLM:\\X' -Name Y -Value 0",
          "shell": "powershell", "runs": "run_command", "effects": ["changes_registry"],
          "when": {"probe": "p.flag", "eq": true}})";
  const std::string alt =
      R"({"text": "Without Run Command.", "command": "reg add HKLM\\X /v Y /t REG_DWORD /d 0 /f",
          "shell": "cmd", "runs": "serial_console", "effects": ["changes_registry"],
          "alternative": true})";
  auto ok = load_rule(rule_with_fix("[" + rc + ", " + alt + "]"));
  INFO(ok.status().to_string());
  REQUIRE(ok.ok());
  const CauseInfo* c = ok->find_cause("network.a");
  CHECK_FALSE(c->fix[0].alternative);
  CHECK(c->fix[1].alternative);
  CHECK(c->fix[1].conditional);  // the condition of the step it stands in for
  // It must follow a Run Command step...
  Diagnostic d = expect_problem(load_rule(rule_with_fix("[" + alt + "]")),
                                "must follow the run_command step it replaces");
  CHECK(d.path == "rules[0].fix[0].alternative");
  expect_problem(load_rule(rule_with_fix(
                     R"([{"text": "x", "command": "az vm show", "shell": "bash"}, )" + alt + "]")),
                 "must follow the run_command step");
  // ... run at the serial console ...
  std::string vm_console = alt;
  vm_console.replace(vm_console.find("serial_console"), 14, "vm_console");
  expect_problem(load_rule(rule_with_fix("[" + rc + ", " + vm_console + "]")),
                 "give it \"runs\": \"serial_console\"");
  // ... and apply exactly when that step does.
  std::string with_when = alt;
  with_when.insert(with_when.size() - 1, R"(, "when": {"probe": "p.flag", "eq": true})");
  expect_problem(load_rule(rule_with_fix("[" + rc + ", " + with_when + "]")),
                 "applies exactly when the step before it does");
  std::string off = alt;
  off.replace(off.find("\"alternative\": true"), 19, "\"alternative\": false");
  expect_problem(load_rule(rule_with_fix("[" + rc + ", " + off + "]")), "is true or left out");
}

TEST_CASE("bash commands and az probe tests must not hold prose bash reads as syntax") {
  Diagnostic d = expect_problem(
      load_rule(rule_with_fix(
          R"([{"text": "x", "command": "az network lb show --name <load balancer>", "shell": "bash"}])")),
      "bash reads \"<load balancer>\" as a redirection");
  CHECK(d.path == "rules[0].fix[0].command");
  expect_problem(
      load_rule(rule_with_fix(
          R"x([{"text": "x", "command": "az vm show --name v   (classic VMs are not listed)", "shell": "bash"}])x")),
      "as a redirection or a subshell");
  // Quoted text, $(az ...) and a trailing # comment are fine.
  auto ok = load_rule(rule_with_fix(
      R"x([{"text": "x", "command": "az vm show --ids $(az vm list --query \"[?name=='a (b)'].id\" --output tsv) --query '<x>'  # (a comment) <y>", "shell": "bash"}])x"));
  INFO(ok.status().to_string());
  CHECK(ok.ok());
  // A probe's how that starts with az is held to the same.
  std::string probes = kProbes;
  const std::string how = R"("how": "az network watcher test-ip-flow")";
  probes.replace(
      probes.find(how), how.size(),
      R"x("how": "az vm boot-diagnostics get-boot-log-uris --name v   (open the screenshot URI)")x");
  expect_problem(load_rule(rule_with_fix(R"([{"text": "x"}])"), probes), "bash reads");
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
  // A seed is one of the articles the bundled rules encode, by name or number.
  auto by_name = with_sources(R"([{"seed": "004_c9760b3d73679b81.txt", "section": "Cause 5"}])");
  INFO(by_name.status().to_string());
  REQUIRE(by_name.ok());
  CHECK(by_name->find_cause("network.a")->sources[0].seed == "004_c9760b3d73679b81.txt");
  auto by_number = with_sources(R"([{"seed": "003", "section": "x"}])");
  REQUIRE(by_number.ok());
  CHECK(by_number->find_cause("network.a")->sources[0].seed == "003_344dbb31c73e95e9.txt");
  Diagnostic bad_seed =
      expect_problem(with_sources(R"([{"seed": "learn.microsoft.com/entra/x", "section": "y"}])"),
                     "is not a seed article");
  CHECK(bad_seed.path == "rules[0].sources[0].seed");
  CHECK(bad_seed.message.find("000_77a56c23aac288f2.txt") != std::string::npos);
  expect_problem(with_sources(R"([{"seed": "MS-RDPBCGR 2.2.5.1.1", "section": "y"}])"),
                 "cite any other document as {\"url\"");
  expect_problem(with_sources(R"([{"seed": "005", "section": "y"}])"), "is not a seed article");
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

TEST_CASE("the seeds the loader knows are the seed articles on disk") {
  // ../shared/seeds beside the source tree, when this checkout has it.
  const std::filesystem::path dir =
      std::filesystem::path(RDPTRIAGE_TEST_SOURCE_DIR) / ".." / "shared" / "seeds";
  if (!std::filesystem::is_directory(dir)) return;
  std::set<std::string> on_disk, known;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".txt") on_disk.insert(e.path().filename().string());
  for (std::string_view s : internal::known_seeds()) known.emplace(s);
  CHECK(known == on_disk);
}

TEST_CASE("the bundled rules cite seeds by name and everything else by https address") {
  auto r = RuleSet::load({});
  REQUIRE(r.ok());
  for (const CauseInfo& c : r->causes())
    for (const SourceRef& src : c.sources) {
      INFO(c.id << ": " << src.seed << src.url);
      if (!src.seed.empty()) CHECK(src.seed.size() == 24);  // NNN_<16 hex>.txt
      if (!src.url.empty()) CHECK(src.url.rfind("https://", 0) == 0);
    }
}

}  // namespace
}  // namespace rdptriage
