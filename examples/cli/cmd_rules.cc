// rdptriage rules check|table|dot|sign|verify: validate rule files, render the
// graph, and sign or verify rule packs.
#include <fmt/core.h>

#include <cstdint>
#include <map>

#include "commands.h"
#include "common.h"
#include "rdptriage/rule_pack.h"

namespace rdptriage::cli {

Runner add_rules(CLI::App& app) {
  struct Args {
    std::vector<std::string> paths;
    std::vector<std::string> rules;
    bool no_bundled = false;
    PackArgs packs;
    std::string pack;
    std::string key;
    std::string name;
    std::uint64_t version = 1;
    std::string action;
  };
  auto args = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("rules", "Check rule files, or render the rules");
  sub->require_subcommand(1);
  CLI::App* check =
      sub->add_subcommand("check", "Load bundled rules plus PATHs and report problems");
  check->add_option("paths", args->paths, "Rule files or directories");
  check->add_flag("--no-bundled", args->no_bundled, "Check only the given files");
  check->add_option("--trusted-key", args->packs.trusted_keys,
                    "Require every PATH to be a rule pack signed by this Ed25519 public key "
                    "(PEM; repeatable)");
  add_min_version_option(check, &args->packs);
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
  verify
      ->add_option("--key", args->packs.trusted_keys,
                   "A trusted Ed25519 public key, PEM (repeatable)")
      ->required();
  add_min_version_option(verify, &args->packs);
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
      if (!info.ok()) {
        const int code = report_error(info.status());
        // The library reads no passphrases; say how to give it the key.
        if (key->find("ENCRYPTED") != std::string::npos)
          fmt::print(stderr,
                     "rdptriage: decrypt a copy of the key first: openssl pkey -in {} -out "
                     "KEY.pem\n",
                     safe(args->key));
        return code;
      }
      fmt::print("signed {} version {} with key {}: {} rule files\n", safe(info->name),
                 info->version, safe(info->key_id), info->files.size());
      return kDiagnosed;
    }
    if (args->action == "verify") {
      std::vector<std::string> keys;
      for (const std::string& f : args->packs.trusted_keys) {
        StatusOr<std::string> pem = read_small_file(f);
        if (!pem.ok()) return report_error(pem.status());
        keys.push_back(std::move(pem).value());
      }
      std::map<std::string, std::uint64_t, std::less<>> minimum;
      Status parsed = parse_min_versions(args->packs.min_versions, &minimum);
      if (!parsed.ok()) return usage_error(parsed.message());
      StatusOr<PackInfo> info = verify_rule_pack(args->pack, keys, minimum);
      if (!info.ok()) return report_error(info.status());
      fmt::print("ok: {} version {}, signed by {}, {} rule files\n", safe(info->name),
                 info->version, safe(info->key_id), info->files.size());
      return kDiagnosed;
    }
    if (args->action == "check") {
      StatusOr<Triage> triage = load_triage(args->paths, !args->no_bundled, args->packs);
      if (!triage.ok()) return report_all(triage.status());
      const RuleSet& r = triage->rules();
      fmt::print("ok: {} causes, {} probes, {} symptoms; rules {}\n", r.causes().size(),
                 r.probes().size(), r.symptoms().size(), safe(r.digest()));
      // The signed packs, for a host to record the versions it has seen.
      for (const PackInfo& p : r.packs())
        fmt::print("pack: {} version {}, signed by {}, {} rule files in {}\n", safe(p.name),
                   p.version, safe(p.key_id), p.files.size(), safe(p.dir));
      // What the files' overrides changed, and the references they dropped.
      for (const RuleChange& c : r.changes())
        fmt::print("override: {}: {}\n", safe(c.target), safe(c.describe()));
      for (const Diagnostic& d : r.notes()) fmt::print("note: {}\n", safe(d.to_string()));
      return kDiagnosed;
    }
    StatusOr<Triage> triage = load_triage(args->rules);
    if (!triage.ok()) return report_error(triage.status());
    // Multi-line by design; everything else in it is escaped.
    fmt::print("{}",
               terminal_text_lines(args->action == "table" ? triage->rules().layer_table_markdown()
                                                           : triage->rules().decision_graph_dot(),
                                   ""));
    return kDiagnosed;
  };
}

}  // namespace rdptriage::cli
