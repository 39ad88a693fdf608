// rdptriage: the example command line over the rdptriage library.
// See ../shared/spec/cli.md for the contract (commands, exit codes, JSON).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <map>

#include "commands.h"
#include "common.h"
#include "rdptriage/version.h"

int main(int argc, char** argv) {
  using namespace rdptriage::cli;
  try {
    CLI::App app{"rdptriage: localize and explain Remote Desktop failures to Azure Windows VMs",
                 "rdptriage"};
    app.set_version_flag("--version", rdptriage::library_version());
    app.require_subcommand(0, 1);
    app.footer(
        "With no command, --client-error TEXT (or --client-error-file FILE) diagnoses from what\n"
        "the client showed: rdptriage --client-error \"Error code: 0x204\"");
    TopLevelRunner shortcut = add_client_error_shortcut(app);
    std::map<std::string, Runner> runners = {{"diagnose", add_diagnose(app)},
                                             {"catalog", add_catalog(app)},
                                             {"rules", add_rules(app)},
                                             {"drill", add_drill(app)},
                                             {"probe", add_probe(app)}};
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      int code = app.exit(e);  // prints help (code 0) or the parse error
      return code == 0 ? kDiagnosed : kBadInput;
    }
    for (auto& [name, run] : runners)
      if (app.got_subcommand(name)) {
        if (shortcut.given())
          return usage_error("put --client-error after the command (e.g. `rdptriage " + name +
                             " --client-error ...`)");
        if (std::string option = shortcut.misplaced(); !option.empty())
          return usage_error("put " + option + " after the command (e.g. `rdptriage " + name + " " +
                             option + " ...`)");
        // --rules and --json before the command apply to it.
        set_leading_options(shortcut.leading_rules(), shortcut.leading_json());
        return run();
      }
    if (shortcut.given()) return shortcut.run();
    return usage_error("no command given (try --help)");
  } catch (const std::exception& e) {
    fmt::print(stderr, "rdptriage: internal error: {}\n", safe(e.what()));
    return kInternal;
  } catch (...) {
    fmt::print(stderr, "rdptriage: internal error\n");
    return kInternal;
  }
}
