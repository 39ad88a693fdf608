// rdptriage rules check|table|dot|sign|verify: validate rule files, render the
// graph, and sign or verify rule packs.
#include <fmt/core.h>

#include <cstdint>
#include <map>
#include <stdexcept>

#include "commands.h"
#include "common.h"
#include "rdptriage/rule_pack.h"

namespace rdptriage::cli {

Runner add_rules(CLI::App& app) {
  struct Args {
    std::vector<std::string> paths;
    std::vector<std::string> rules;
    bool no_bundled = false;
    std::vector<std::string> trusted_keys;
    std::string pack;
    std::string key;
    std::string name;
    std::uint64_t version = 1;
    std::vector<std::string> min_versions;  // name=version
    std::string action;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("rules", "Check rule files, or render the rules");
  sub->require_subcommand(1);
  CLI::App* check =
      sub->add_subcommand("check", "Load bundled rules plus PATHs and report problems");
  check->add_option("paths", args->paths, "Rule files or directories");
  check->add_flag("--no-bundled", args->no_bundled, "Check only the given files");
  check->add_option("--trusted-key", args->trusted_keys,
                    "Require every PATH to be a rule pack signed by this Ed25519 public key "
                    "(PEM; repeatable)");
  check->callback([args] { args->action = "check"; });
  CLI::App* sign = sub->add_subcommand(
      "sign", "Sign the rule files of DIR with an Ed25519 private key (writes DIR/pack.manifest)");
  sign->add_option("dir", args->pack, "The rule pack directory")->required();
  sign->add_option("--key", args->key,
                   "Ed25519 private key, PEM (openssl genpkey -algorithm ed25519)")
      ->required();
  sign->add_option("--name", args->name, "The pack's name (lower-case)")->required();
  sign->add_option("--version", args->version, "The pack's version; raise it with every release");
  sign->callback([args] { args->action = "sign"; });
  CLI::App* verify = sub->add_subcommand("verify", "Check a rule pack's signature and files");
  verify->add_option("dir", args->pack, "The rule pack directory")->required();
  verify->add_option("--key", args->trusted_keys, "A trusted Ed25519 public key, PEM (repeatable)")
      ->required();
  verify->add_option("--min-version", args->min_versions,
                     "NAME=VERSION: refuse that pack below VERSION (repeatable)");
  verify->callback([args] { args->action = "verify"; });
  CLI::App* table =
      sub->add_subcommand("table", "Markdown table: symptom | layer | cause | test | fix");
  table->add_option("--rules", args->rules, "Extra rule files or directories");
  table->callback([args] { args->action = "table"; });
  CLI::App* dot = sub->add_subcommand("dot", "Graphviz dot of the decision graph");
  dot->add_option("--rules", args->rules, "Extra rule files or directories");
  dot->callback([args] { args->action = "dot"; });
  return [args]() -> int {
    if (args->action == "sign") {
      StatusOr<std::string> key = read_small_file(args->key);
      if (!key.ok()) return report_error(key.status());
      StatusOr<PackInfo> info = sign_rule_pack(args->pack, *key, {args->name, args->version});
      if (!info.ok()) return report_error(info.status());
      fmt::print("signed {} version {} with key {}: {} rule files\n", info->name, info->version,
                 info->key_id, info->files.size());
      return kDiagnosed;
    }
    if (args->action == "verify") {
      std::vector<std::string> keys;
      for (const std::string& f : args->trusted_keys) {
        StatusOr<std::string> pem = read_small_file(f);
        if (!pem.ok()) return report_error(pem.status());
        keys.push_back(std::move(pem).value());
      }
      std::map<std::string, std::uint64_t, std::less<>> minimum;
      for (const std::string& mv : args->min_versions) {
        auto eq = mv.find('=');
        std::uint64_t v = 0;
        try {
          if (eq == std::string::npos || eq == 0) throw std::invalid_argument("");
          v = std::stoull(mv.substr(eq + 1));
        } catch (const std::exception&) {
          return usage_error("--min-version takes NAME=VERSION, got \"" + mv + "\"");
        }
        minimum[mv.substr(0, eq)] = v;
      }
      StatusOr<PackInfo> info = verify_rule_pack(args->pack, keys, minimum);
      if (!info.ok()) return report_error(info.status());
      fmt::print("ok: {} version {}, signed by {}, {} rule files\n", info->name, info->version,
                 info->key_id, info->files.size());
      return kDiagnosed;
    }
    if (args->action == "check") {
      StatusOr<Triage> triage = load_triage(args->paths, !args->no_bundled, args->trusted_keys);
      if (!triage.ok()) return report_all(triage.status());
      const RuleSet& r = triage->rules();
      fmt::print("ok: {} causes, {} probes, {} symptoms; rules {}\n", r.causes().size(),
                 r.probes().size(), r.symptoms().size(), r.digest());
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
