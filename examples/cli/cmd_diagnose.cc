// rdptriage diagnose: evaluate one case from recorded observations and/or
// the client's error text, and print the report.
#include <fmt/core.h>

#include <boost/json/parse.hpp>
#include <optional>

#include "commands.h"
#include "common.h"
#include "output.h"
#include "rdptriage/observations.h"
#include "rdptriage/world.h"
#ifdef RDPTRIAGE_CLI_AZURE
#include "azure_path.h"
#endif

namespace rdptriage::cli {
namespace {

struct DiagnoseArgs {
  std::string world;
  std::string observations;
  std::string client_error;
  std::string client_error_file;
  std::string symptom;
  std::vector<std::string> context;
  std::vector<std::string> rules;
  PackArgs packs;
  PlanArgs plan;
  bool json = false;
#ifdef RDPTRIAGE_CLI_AZURE
  AzureArgs azure;
#endif
};

// Fills `request` from every input given; returns a non-OK Status naming the
// bad input. A new input source is one more block here.
Status collect_request(const DiagnoseArgs& args, const Triage& triage, EvaluateRequest* request) {
  if (!args.world.empty()) {
    StatusOr<World> world = World::load_file(args.world);
    if (!world.ok()) return world.status();
    request->symptom = world->symptom();
    request->context = world->context();
    request->adapters.push_back(world->adapter());
  }
  if (!args.observations.empty()) {
    StatusOr<Observations> obs = Observations::load_file(args.observations, triage.rules());
    if (!obs.ok()) return obs.status();
    EvaluateRequest recorded = obs->to_request();
    if (!recorded.symptom.empty() || !recorded.client_error.empty()) {
      request->symptom = recorded.symptom;
      request->client_error = recorded.client_error;
    }
    for (const auto& [k, v] : recorded.context) request->context[k] = v;
    for (auto& adapter : recorded.adapters) request->adapters.push_back(adapter);
  }
  if (!args.client_error.empty() || !args.client_error_file.empty()) {
    StatusOr<std::string> text = client_error_text(args.client_error, args.client_error_file,
                                                   request->options.client_error.max_bytes);
    if (!text.ok()) return text.status();
    request->client_error = std::move(text).value();
    request->symptom.clear();  // the text given now decides the symptom
  }
  if (!args.symptom.empty()) request->symptom = args.symptom;
  for (const std::string& kv : args.context) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status(ErrorCode::kInvalidArgument, "--context takes key=value, got \"" + kv + "\"");
    request->context[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return Status();
}

int run(const DiagnoseArgs& args) {
  bool azure = false;
#ifdef RDPTRIAGE_CLI_AZURE
  azure = args.azure.enabled;
  if (!azure && (!args.azure.subscription.empty() || !args.azure.resource_group.empty() ||
                 !args.azure.vm.empty()))
    return usage_error("--subscription, --resource-group and --vm go with --azure");
#endif
  if (args.world.empty() && args.observations.empty() && args.client_error.empty() &&
      args.client_error_file.empty() && args.symptom.empty() && !azure)
    return usage_error(
        "diagnose needs an input: --world FILE, --observations FILE, --client-error TEXT, "
        "--client-error-file FILE, --symptom ID or --azure");
  StatusOr<Triage> triage = load_triage(args.rules, true, args.packs);
  if (!triage.ok()) return report_error(triage.status());
  EvaluateRequest request;
  Status collected = collect_request(args, *triage, &request);
  if (!collected.ok()) return report_error(collected);
  Status plan = apply_plan_options(args.plan, triage->rules(), &request.options);
  if (!plan.ok()) return report_error(plan);
  request.decision_id = args.plan.decision_id;
  // Ctrl-C ends the evaluation with the report so far; the Azure path also
  // cancels its adapter's requests, so it installs its own watcher.
  std::optional<InterruptToCancel> interrupt;
#ifdef RDPTRIAGE_CLI_AZURE
  std::unique_ptr<AzureRun> azure_run;
  if (azure) {
    auto started = add_azure(args.azure, &request);
    if (!started.ok()) return report_error(started.status());
    azure_run = std::move(started).value();
  }
#endif
  if (request.cancel == nullptr) {
    interrupt.emplace();
    request.cancel = interrupt->flag();
  }
  StatusOr<Report> report = triage->evaluate(request);
  if (!report.ok()) return report_error(report.status());
  return print_report(*report, json_output(args.json));
}

// The options a client error brings, on `diagnose` and on the bare command.
void add_client_error_options(CLI::App* app, DiagnoseArgs* args) {
  add_client_error_input(app, &args->client_error, &args->client_error_file);
  app->add_option("--context", args->context,
                  "Estate facts for fix commands, key=value (resource_group, vm, nsg, ...)")
      ->take_all();
  app->add_option("--rules", args->rules, "Extra rule files or directories (repeatable)");
  app->add_option("--trusted-key", args->packs.trusted_keys,
                  "Require every --rules directory to be a rule pack signed by this Ed25519 "
                  "public key (PEM; repeatable)");
  add_min_version_option(app, &args->packs);
  add_plan_options(app, &args->plan);
  app->add_flag("--json", args->json, "Print the report as JSON");
}

}  // namespace

Runner add_diagnose(CLI::App& app) {
  auto args = std::make_shared<DiagnoseArgs>();
  CLI::App* sub = app.add_subcommand(
      "diagnose",
      "Diagnose one case: a simulated estate, recorded observations and/or the client's error");
  sub->add_option("--world", args->world,
                  "A simulated estate (rdptriage.world/1): symptom, context and probe answers");
  sub->add_option("--observations", args->observations,
                  "Recorded probe results (rdptriage.observations/1 JSON)");
  sub->add_option("--symptom", args->symptom, "A symptom id instead (see `rules table`)");
#ifdef RDPTRIAGE_CLI_AZURE
  add_azure_options(sub, &args->azure);
#endif
  add_client_error_options(sub, args.get());
  return [args] { return run(*args); };
}

TopLevelRunner add_client_error_shortcut(CLI::App& app) {
  auto args = std::make_shared<DiagnoseArgs>();
  add_client_error_options(&app, args.get());
  TopLevelRunner top;
  top.given = [args] { return !args->client_error.empty() || !args->client_error_file.empty(); };
  top.run = [args] { return run(*args); };
  top.leading_rules = [args] { return args->rules; };
  top.leading_json = [args] { return args->json; };
  top.misplaced = [args]() -> std::string {
    if (!args->context.empty()) return "--context";
    if (!args->packs.trusted_keys.empty()) return "--trusted-key";
    if (!args->packs.min_versions.empty()) return "--min-version";
    if (!args->plan.disable.empty()) return "--disable";
    if (args->plan.exclusion_budget_s >= 0) return "--exclusion-budget";
    if (args->plan.deadline_s > 0) return "--deadline";
    return {};
  };
  return top;
}

}  // namespace rdptriage::cli
