// Triage::render_fix: a cause's fix rendered from the context and the
// evidence. Values come from answers and their declared fields, computed
// values from IP flow verify's, steps the evidence rules out are dropped,
// warnings follow from effects, and what nothing gave is listed with how to
// get it. Also: a cause confirmed after the named one carries its fix too.
#include <algorithm>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <limits>
#include <memory>
#include <string>

#include "rdptriage/report.h"
#include "rdptriage/triage.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

constexpr const char* kRules = R"({"schema": "rdptriage.rules/1",
  "probes": [
    {"id": "p.flow", "title": "IP flow verify", "channel": "network_watcher", "cost_s": 20,
     "result": {"type": "enum", "values": ["allow", "deny"]}, "how": "az network watcher test-ip-flow",
     "fields": {"nsg": "the NSG", "rule": "the deciding rule",
                "priority": {"about": "its priority", "kind": "integer"}}},
    {"id": "netwatch.ip_flow_inbound", "title": "IP flow verify, as the computed values read it",
     "channel": "network_watcher", "cost_s": 20,
     "result": {"type": "enum", "values": ["allow", "deny"]}, "how": "az network watcher test-ip-flow",
     "fields": {"nsg": "the NSG", "priority": {"about": "deny priority", "kind": "integer"},
                "nsg_priorities_in_use": "used", "nsg_rule_names": "names"}},
    {"id": "p.level", "title": "a level", "channel": "client", "cost_s": 0.1,
     "result": {"type": "number", "min": 1, "max": 4, "integer": true}, "how": "ask"},
    {"id": "p.flag", "title": "a flag", "channel": "run_command", "cost_s": 45,
     "result": {"type": "bool"}, "script": "Get-Flag", "fallback": "p.flag_serial",
     "fields": {"who": {"about": "who set it", "kind": "username"}}},
    {"id": "p.flag_serial", "title": "the flag, by serial console", "channel": "serial_console",
     "cost_s": 120, "result": {"type": "bool"}, "how": "Serial console: look",
     "fields": {"who": {"about": "who set it", "kind": "username"}}},
    {"id": "p.cheap", "title": "cheap", "channel": "client", "cost_s": 0.1,
     "result": {"type": "bool"}, "how": "look"}
  ],
  "symptoms": [{"id": "s1", "title": "one"}],
  "rules": [
    {"id": "network.first", "layer": "network", "stage": "network", "title": "first",
     "explanation": "e", "symptoms": ["s1"], "confirm": {"probe": "p.flag", "eq": true},
     "confirm_text": "c", "fix": [{"text": "first fix"}],
     "sources": [{"seed": "003", "section": "x"}]},
    {"id": "network.second", "layer": "network", "stage": "network", "title": "second",
     "explanation": "e", "symptoms": ["s1"], "after": ["network.first"],
     "confirm": {"probe": "p.cheap", "eq": true}, "confirm_text": "c",
     "fix": [
       {"text": "Allow in {p.flow:nsg} ahead of {p.flow:rule}.",
        "command": "az network nsg rule create --resource-group {resource_group} --nsg-name {p.flow:nsg|nsg} --priority {nsg_allow_priority} --name {nsg_allow_rule_name}",
        "shell": "bash", "effects": ["opens_port"]},
       {"text": "Only when the flag is set.", "command": "Set-ItemProperty -Path 'HKLM:\\X' -Name Y -Value {p.level}",
        "shell": "powershell", "runs": "run_command", "effects": ["changes_registry"],
        "when": {"probe": "p.flag", "eq": true}},
       {"text": "Only when the flag is clear.", "command": "az vm restart --resource-group {resource_group} --name {vm}",
        "shell": "bash", "effects": ["restarts_vm"], "when": {"probe": "p.flag", "eq": false}},
       {"text": "Who: {p.flag:who}.", "command": "Reset-It -User {p.flag:who}", "shell": "powershell",
        "runs": "run_command", "effects": ["changes_registry", "restarts_service"]}
     ],
     "warnings": ["Mind {vm}."],
     "sources": [{"url": "https://learn.microsoft.com/x", "section": "y"}]},
    {"id": "network.third", "layer": "network", "stage": "network", "title": "third",
     "explanation": "e", "symptoms": ["s1"], "after": ["network.second"],
     "confirm": {"probe": "p.cheap", "eq": true}, "confirm_text": "c",
     "fix": [{"text": "Set it.", "command": "Set-Third; Restart-Computer -Force",
              "shell": "powershell", "runs": "run_command", "effects": ["restarts_vm"]}],
     "sources": [{"seed": "003", "section": "x"}]}
  ]})";

const Triage& triage() {
  static const Triage t = [] {
    LoadOptions o;
    o.include_bundled = false;
    auto rules = RuleSet::load_documents({{"rules.json", kRules}}, o);
    if (!rules.ok()) FAIL(rules.status().to_string());
    return Triage::from_rules(std::move(rules).value());
  }();
  return t;
}

Evidence answer(const std::string& probe, ProbeValue v,
                std::map<std::string, std::string, std::less<>> fields = {}) {
  Evidence e;
  e.probe = probe;
  e.result = ProbeResult::value_of(std::move(v));
  e.result.fields = std::move(fields);
  return e;
}

const Context kCtx = {{"resource_group", "rg1"}, {"vm", "vm1"}};

TEST_CASE("render_fix refuses unknown causes and invalid context") {
  auto unknown = triage().render_fix("network.nope", kCtx, {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == ErrorCode::kNotFound);
  // A library message points at the API, never at a command-line tool.
  CHECK_THAT(unknown.status().message(), Catch::Contains("RuleSet::causes()"));
  CHECK_THAT(unknown.status().message(), !Catch::Contains("rdptriage "));
  auto bad = triage().render_fix("network.second", {{"resource_group", "--debug"}}, {});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(bad.status().message(), Catch::Contains("resource_group"));
}

TEST_CASE("values come from answers and their declared fields") {
  auto fix = triage().render_fix(
      "network.second", kCtx,
      {answer("p.flow", std::string("deny"), {{"nsg", "web-nsg"}, {"rule", "DenyAll"}}),
       answer("netwatch.ip_flow_inbound", std::string("deny"),
              {{"priority", "200"},
               {"nsg_priorities_in_use", "199, 198,300"},
               {"nsg_rule_names", "Allow-RDP-rdptriage-197"}}),
       answer("p.level", 3.0), answer("p.flag", true, {{"who", "ops"}, {"secret", "x"}})});
  REQUIRE(fix.ok());
  REQUIRE(fix->steps.size() == 3);  // the flag is set: the restart step is left out
  CHECK(fix->steps[0].text == "Allow in web-nsg ahead of DenyAll.");
  // Lower numbers win and priorities are unique: 199 and 198 are taken.
  CHECK(fix->steps[0].command ==
        "az network nsg rule create --resource-group rg1 --nsg-name web-nsg --priority 197 "
        "--name Allow-RDP-rdptriage-197-2");
  CHECK(fix->steps[1].script == "Set-ItemProperty -Path 'HKLM:\\X' -Name Y -Value 3");
  CHECK_FALSE(fix->steps[1].conditional);
  CHECK(fix->steps[2].script == "Reset-It -User ops");
  CHECK(fix->missing.empty());
  // Warnings follow from the steps' effects, numbered as rendered, then the cause's.
  REQUIRE(fix->warnings.size() == 4);
  CHECK_THAT(fix->warnings[0], Catch::StartsWith("Step 3 restarts a service"));
  CHECK_THAT(fix->warnings[1], Catch::StartsWith("Steps 2 and 3 change the registry"));
  CHECK_THAT(fix->warnings[2], Catch::StartsWith("Step 1 opens a way in (an NSG rule"));
  CHECK(fix->warnings[3] == "Mind vm1.");
}

TEST_CASE("a value that fails validation or a field never declared is not substituted") {
  auto fix = triage().render_fix(
      "network.second", kCtx,
      {answer("p.flow", std::string("deny"), {{"nsg", "--debug"}, {"rule", "R"}}),
       answer("p.flag", false, {{"who", "o'neil; rm -rf /"}})});
  REQUIRE(fix.ok());
  CHECK(fix->steps[0].command.find("--nsg-name ${RDPTRIAGE_MISSING_nsg:?}") != std::string::npos);
  const FixStep& who = fix->steps.back();
  CHECK(who.script == "Reset-It -User $(throw 'rdptriage: who is missing')");
  CHECK(who.command.find("'${RDPTRIAGE_MISSING_who:?}'") != std::string::npos);
}

TEST_CASE("steps the evidence cannot settle are kept and marked; missing values are listed") {
  auto fix = triage().render_fix("network.second", kCtx, {});
  REQUIRE(fix.ok());
  REQUIRE(fix->steps.size() == 4);
  CHECK(fix->steps[1].conditional);
  CHECK(fix->steps[2].conditional);
  CHECK_FALSE(fix->steps[3].conditional);
  std::map<std::string, const MissingValue*> missing;
  for (const MissingValue& m : fix->missing) missing[m.name] = &m;
  REQUIRE(missing.count("nsg_allow_priority"));
  CHECK(missing["nsg_allow_priority"]->probe == "netwatch.ip_flow_inbound");
  CHECK(missing["nsg_allow_priority"]->steps == std::vector<int>{1});
  REQUIRE(missing.count("nsg"));
  CHECK(missing["nsg"]->probe == "p.flow");
  REQUIRE(missing.count("who"));
  CHECK(missing["who"]->steps == std::vector<int>{4});
  CHECK_THAT(missing["who"]->how, Catch::Contains("p.flag"));
  CHECK(fix->steps[3].missing == std::vector<std::string>{"who"});
}

TEST_CASE("a fallback probe's answer serves the probe it stands in for") {
  Evidence failed;
  failed.probe = "p.flag";
  failed.result = ProbeResult::unavailable("agent down");
  auto fix = triage().render_fix("network.second", kCtx,
                                 {failed, answer("p.flag_serial", false, {{"who", "ops"}})});
  REQUIRE(fix.ok());
  // The serial answer decides the conditions and gives the field.
  REQUIRE(fix->steps.size() == 3);
  CHECK(fix->steps[1].command == "az vm restart --resource-group rg1 --name vm1");
  CHECK(fix->steps[2].script == "Reset-It -User ops");
}

TEST_CASE("no free priority below the deny leaves the priority missing, never a collision") {
  auto fix =
      triage().render_fix("network.second", kCtx,
                          {answer("netwatch.ip_flow_inbound", std::string("deny"),
                                  {{"priority", "101"}, {"nsg_priorities_in_use", "100,101"}})});
  REQUIRE(fix.ok());
  CHECK(fix->steps[0].command.find("--priority ${RDPTRIAGE_MISSING_nsg_allow_priority:?}") !=
        std::string::npos);
  // An allow decided the flow: there is no deny to win over.
  auto allowed =
      triage().render_fix("network.second", kCtx,
                          {answer("netwatch.ip_flow_inbound", std::string("allow"),
                                  {{"priority", "300"}, {"nsg_priorities_in_use", "300"}})});
  REQUIRE(allowed.ok());
  CHECK(allowed->steps[0].missing.size() >= 2);
}

TEST_CASE("causes whose tests are positive carry their fix, wherever the report lists them") {
  // network.first cannot be checked (its probe and fallback are
  // unavailable), network.second is confirmed behind it and network.third
  // after it.
  auto adapter = std::make_shared<testing::MapAdapter>(std::map<std::string, ProbeResult>{
      {"p.cheap", ProbeResult::value_of(true)}, {"p.level", ProbeResult::value_of(2.0)}});
  EvaluateRequest req;
  req.symptom = "s1";
  req.context = kCtx;
  req.adapters.push_back(adapter);
  auto r = triage().evaluate(req);
  REQUIRE(r.ok());
  REQUIRE(r->status == Verdict::kConfirmed);
  REQUIRE(r->cause == "network.second");
  REQUIRE(r->fix.size() == 4);
  CHECK(r->fix[0].runs == "admin_shell");
  // The later positive cause carries its own fix, rendered the same way.
  REQUIRE(r->also_confirmed.size() == 1);
  const Candidate& third = r->also_confirmed[0];
  CHECK(third.cause == "network.third");
  CHECK(third.confirmed);
  REQUIRE(third.fix.steps.size() == 1);
  CHECK(third.fix.steps[0].runs == "run_command");
  CHECK(third.fix.steps[0].script == "Set-Third; Restart-Computer -Force");
  CHECK_THAT(third.fix.warnings[0], Catch::Contains("Step 1 restarts the VM"));
  // The cause that could not be excluded has no fix; its next test, a Run
  // Command probe given as a script, is the az command around it, the
  // script single-quoted.
  REQUIRE(r->not_excluded.size() == 1);
  const Candidate& first = r->not_excluded[0];
  CHECK(first.cause == "network.first");
  CHECK(first.fix.steps.empty());
  CHECK(first.next_test ==
        "az vm run-command invoke --resource-group rg1 --name vm1 --command-id "
        "RunPowerShellScript --scripts 'Get-Flag'");
  // And the JSON report shows them.
  boost::json::value j = boost::json::parse(report_to_json(*r));
  const auto& also = j.at("also_confirmed").as_array();
  REQUIRE(also.size() == 1);
  CHECK(also[0].at("cause") == "network.third");
  CHECK(also[0].at("fix").as_array()[0].at("runs") == "run_command");
  CHECK(also[0].at("fix").as_array()[0].at("script") == "Set-Third; Restart-Computer -Force");
  CHECK(!also[0].at("warnings").as_array().empty());
  const auto& shadow = j.at("not_excluded").as_array();
  REQUIRE(shadow.size() == 1);
  CHECK(shadow[0].at("cause") == "network.first");
  CHECK(!shadow[0].as_object().contains("fix"));
  CHECK(j.at("fix").as_array()[1].at("conditional") == true);
}

TEST_CASE("once a cause is confirmed, the probes its fix reads are asked within the fix budget") {
  auto deny = ProbeResult::value_of(std::string("deny"));
  deny.fields = {{"nsg", "web-nsg"}, {"rule", "DenyAll"}};
  auto flow = ProbeResult::value_of(std::string("deny"));
  flow.fields = {{"priority", "200"}, {"nsg_priorities_in_use", "200"}};
  auto run = [&](double budget) {
    // p.flag (network.first's test, and the condition of two steps) cannot
    // run; everything else answers.
    auto adapter = std::make_shared<testing::MapAdapter>(
        std::map<std::string, ProbeResult>{{"p.cheap", ProbeResult::value_of(true)},
                                           {"p.level", ProbeResult::value_of(3.0)},
                                           {"p.flow", deny},
                                           {"netwatch.ip_flow_inbound", flow}});
    EvaluateRequest req;
    req.symptom = "s1";
    req.context = kCtx;
    req.adapters.push_back(adapter);
    req.options.fix_probe_budget_s = budget;
    auto r = triage().evaluate(req);
    if (!r.ok()) FAIL(r.status().to_string());
    CHECK(r->cause == "network.second");
    return std::make_pair(std::move(r).value(), adapter->calls());
  };
  auto asked = [](const std::vector<std::string>& calls, const std::string& id) {
    return std::find(calls.begin(), calls.end(), id) != calls.end();
  };
  // The default budget (50 s) covers p.level (0.1 s) and both IP flow
  // reads (20 s each), cheapest first; not p.flag's serial fallback (120 s).
  auto [full, full_calls] = run(50);
  CHECK(asked(full_calls, "p.level"));
  CHECK(asked(full_calls, "p.flow"));
  CHECK(asked(full_calls, "netwatch.ip_flow_inbound"));
  CHECK_FALSE(asked(full_calls, "p.flag_serial"));
  CHECK(full.fix[0].command ==
        "az network nsg rule create --resource-group rg1 --nsg-name web-nsg --priority 199 "
        "--name Allow-RDP-rdptriage-199");
  CHECK(full.fix[0].missing.empty());
  // 20.1 s: p.level, then the first of the two equally cheap reads.
  auto [part, part_calls] = run(20.1);
  CHECK(asked(part_calls, "p.level"));
  CHECK(asked(part_calls, "p.flow"));
  CHECK_FALSE(asked(part_calls, "netwatch.ip_flow_inbound"));
  CHECK_THAT(part.fix[0].command, Catch::Contains("--nsg-name web-nsg"));
  CHECK_THAT(part.fix[0].command,
             Catch::Contains("--priority ${RDPTRIAGE_MISSING_nsg_allow_priority:?}"));
  // 0: nothing is asked for the fix; it says what is missing and which
  // probe gives it.
  auto [none, none_calls] = run(0);
  CHECK_FALSE(asked(none_calls, "p.level"));
  CHECK_FALSE(asked(none_calls, "p.flow"));
  bool names_probe = false;
  for (const MissingValue& m : none.missing)
    if (m.name == "nsg_allow_priority") names_probe = m.probe == "netwatch.ip_flow_inbound";
  CHECK(names_probe);
  // The budget is validated like the others.
  for (double bad :
       {-1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    EvaluateRequest req;
    req.symptom = "s1";
    req.options.fix_probe_budget_s = bad;
    auto r = triage().evaluate(req);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("fix_probe_budget_s"));
  }
}

TEST_CASE("a confirmed report's JSON says where each step runs, what it does and what is missing") {
  auto adapter = std::make_shared<testing::MapAdapter>(std::map<std::string, ProbeResult>{
      {"p.cheap", ProbeResult::value_of(true)}, {"p.flag", ProbeResult::value_of(false)}});
  EvaluateRequest req;
  req.symptom = "s1";
  req.context = kCtx;
  req.adapters.push_back(adapter);
  auto r = triage().evaluate(req);
  REQUIRE(r.ok());
  REQUIRE(r->cause == "network.second");
  boost::json::value j = boost::json::parse(report_to_json(*r));
  const auto& fix = j.at("fix").as_array();
  REQUIRE(fix.size() == 3);
  CHECK(fix[0].at("runs") == "admin_shell");
  CHECK(fix[0].at("effects").as_array()[0] == "opens_port");
  CHECK(fix[2].at("script_shell") == "powershell");
  CHECK(fix[2].at("missing").as_array()[0] == "who");
  const auto& missing = j.at("missing").as_array();
  REQUIRE_FALSE(missing.empty());
  bool who = false;
  for (const auto& m : missing)
    if (m.at("name") == "who") {
      who = true;
      CHECK(m.at("probe") == "p.flag");
      CHECK(m.at("steps").as_array()[0] == 3);
    }
  CHECK(who);
}

}  // namespace
}  // namespace rdptriage
