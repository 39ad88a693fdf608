// rdptriage rules check|table|dot: validate rule files and render the graph.
#include <fmt/core.h>

#include "commands.h"
#include "common.h"

namespace rdptriage::cli {

Runner add_rules(CLI::App& app) {
  struct Args {
    std::vector<std::string> paths;
    std::vector<std::string> rules;
    bool no_bundled = false;
    std::string action;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("rules", "Check rule files, or render the rules");
  sub->require_subcommand(1);
  CLI::App* check =
      sub->add_subcommand("check", "Load bundled rules plus PATHs and report problems");
  check->add_option("paths", args->paths, "Rule files or directories");
  check->add_flag("--no-bundled", args->no_bundled, "Check only the given files");
  check->callback([args] { args->action = "check"; });
  CLI::App* table =
      sub->add_subcommand("table", "Markdown table: symptom | layer | cause | test | fix");
  table->add_option("--rules", args->rules, "Extra rule files or directories");
  table->callback([args] { args->action = "table"; });
  CLI::App* dot = sub->add_subcommand("dot", "Graphviz dot of the decision graph");
  dot->add_option("--rules", args->rules, "Extra rule files or directories");
  dot->callback([args] { args->action = "dot"; });
  return [args]() -> int {
    if (args->action == "check") {
      StatusOr<Triage> triage = load_triage(args->paths, !args->no_bundled);
      if (!triage.ok()) return report_all(triage.status());
      const RuleSet& r = triage->rules();
      fmt::print("ok: {} causes, {} probes, {} symptoms\n", r.causes().size(), r.probes().size(),
                 r.symptoms().size());
      return kDiagnosed;
    }
    StatusOr<Triage> triage = load_triage(args->rules);
    if (!triage.ok()) return report_error(triage.status());
    fmt::print("{}", args->action == "table" ? triage->rules().layer_table_markdown()
                                             : triage->rules().decision_graph_dot());
    return kDiagnosed;
  };
}

}  // namespace rdptriage::cli
