// The CLI's subcommands. Each registers itself on the app and returns the
// function that runs it after parsing (returning the exit status).
#ifndef RDPTRIAGE_EXAMPLES_CLI_COMMANDS_H_
#define RDPTRIAGE_EXAMPLES_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace rdptriage::cli {

using Runner = std::function<int()>;

Runner add_diagnose(CLI::App& app);
Runner add_catalog(CLI::App& app);
Runner add_rules(CLI::App& app);
Runner add_drill(CLI::App& app);
Runner add_probe(CLI::App& app);

// `rdptriage --client-error TEXT` on its own: diagnose from the client's
// error. `given` says whether the options were used.
struct TopLevelRunner {
  std::function<bool()> given;
  Runner run;
  // Options given before a subcommand: --rules and --json apply to it;
  // anything else there is a usage error (named by `misplaced`).
  std::function<std::vector<std::string>()> leading_rules;
  std::function<bool()> leading_json;
  std::function<std::string()> misplaced;
};
TopLevelRunner add_client_error_shortcut(CLI::App& app);

}  // namespace rdptriage::cli

#endif  // RDPTRIAGE_EXAMPLES_CLI_COMMANDS_H_
