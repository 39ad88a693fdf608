// rdptriage catalog: the causes the loaded rules can name.
#include <fmt/core.h>

#include <boost/json.hpp>
#include <map>

#include "commands.h"
#include "common.h"
#include "output.h"

namespace rdptriage::cli {

Runner add_catalog(CLI::App& app) {
  struct Args {
    bool json = false;
    std::vector<std::string> rules;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("catalog", "List the causes the loaded rules can name");
  sub->add_flag("--json", args->json, "Print a JSON array of {id, layer, title}");
  sub->add_option("--rules", args->rules, "Extra rule files or directories (repeatable)");
  return [args]() -> int {
    StatusOr<Triage> triage = load_triage(args->rules);
    if (!triage.ok()) return report_error(triage.status());
    const auto& causes = triage->rules().causes();
    if (json_output(args->json)) {
      boost::json::array out;
      for (const CauseInfo& c : causes)
        out.push_back({{"id", c.id}, {"layer", layer_name(c.layer)}, {"title", c.title}});
      fmt::print("{}", pretty_json(out));
      return kDiagnosed;
    }
    std::map<Layer, std::vector<const CauseInfo*>> by_layer;
    for (const CauseInfo& c : causes) by_layer[c.layer].push_back(&c);
    for (const auto& [layer, list] : by_layer) {
      fmt::print("{} ({})\n", layer_name(layer), list.size());
      for (const CauseInfo* c : list) fmt::print("  {:<34} {}\n", safe(c->id), safe(c->title));
    }
    return kDiagnosed;
  };
}

}  // namespace rdptriage::cli
