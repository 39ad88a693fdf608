// rdptriage: the rules data, loaded and checked.
//
// The troubleshooting knowledge lives in JSON files (rules/ in the source
// tree, share/rdptriage/rules when installed, found as bundled_rules_dir()
// says; rules/README.md describes the format). RuleSet::load reads the bundled files plus any the
// host adds, checks everything at once (syntax, schema, references, result domains, reachability,
// cycles, path order) and either returns a complete immutable RuleSet or an error listing every
// problem with file, line and column.
//
//   rdptriage::LoadOptions opts;
//   opts.paths.push_back("/etc/myorg/rdp-rules");   // extra rule files
//   auto rules = rdptriage::RuleSet::load(opts);
//   if (!rules.ok()) { report(rules.status().to_string()); return; }
//   for (const auto& c : rules->causes()) list(c.id, c.title);
//   for (const auto& change : rules->changes()) audit(change.describe());
//
// A host's file changes bundled causes and probes through "overrides"
// (disable, patch named fields, order; rules/README.md, "Overrides") rather
// than by redeclaring them; every change keeps the file:line:col that made it.
//
// Thread safety: a RuleSet is immutable and cheap to copy (shared state);
// any number of threads may use one concurrently.
#ifndef RDPTRIAGE_RULES_H_
#define RDPTRIAGE_RULES_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rdptriage/probe.h"
#include "rdptriage/rule_pack.h"
#include "rdptriage/status.h"

namespace rdptriage {

namespace internal {
struct CompiledRules;
}  // namespace internal

// The rule file format this library reads: every rule file says
// "schema": "rdptriage.rules/1". Reports carry it (Report::rules_schema).
inline constexpr std::string_view kRulesSchema = "rdptriage.rules/1";

// The four layers a session travels, plus the lookalikes that are not RDP
// failures at all. Declared in catalog order.
enum class Layer { kNetwork, kService, kAuth, kGuest, kBoundary };

// "network", "service", "auth", "guest", "boundary".
std::string_view layer_name(Layer layer);
bool parse_layer(std::string_view name, Layer* out);

// Where on the connection path a cause acts, in the order a session meets
// them. The engine names the first confirmed cause on the path.
enum class Stage { kClient, kPlatform, kNetwork, kListener, kChannel, kLogon, kSession };
std::string_view stage_name(Stage stage);
bool parse_stage(std::string_view name, Stage* out);

// Where a fact comes from: a section of a seed article, or a public page
// (Microsoft Learn, a specification) by its address.
struct SourceRef {
  std::string seed;     // seed article file name; empty for a url source
  std::string url;      // https address; empty for a seed source
  std::string section;  // section within it (may be empty for a url)
};

// One change an override in a rule file made to the loaded rules (see
// "overrides" in rules/README.md), with where it was written.
struct RuleChange {
  // "disable_cause", "disable_probe", "set" (a field of a cause) or
  // "order" (an "after" edge the override added).
  std::string kind;
  std::string target;  // the cause or probe id changed
  // "set": the field ("title", "explanation", "likelihood", "fix",
  // "warnings"); "order": "before" or "after"; empty for a disable.
  std::string field;
  // "order": the other cause; "set": the new value of a one-line field
  // (title, likelihood), else empty.
  std::string value;
  std::string reason;  // the override's "reason", may be empty
  std::string file;    // rule file of the override
  int line = 0;        // 1-based position of the changed member in `file`
  int column = 0;
  std::string path;  // its JSON path, e.g. "overrides[2].title"

  // One line: "title set by /etc/acme/site.json:4:7",
  // "disabled by site.json:3:5 (reason)", "placed before
  // service.port_mismatch by site.json:9:7". The file name and reason come
  // from outside the library, so they appear terminal-safe (control
  // characters, bidirectional marks and invalid UTF-8 as visible escapes,
  // as to_text() shows them): the line can be printed as it is.
  std::string describe() const;
};

struct FixStepInfo {
  std::string text;  // what the step does, in words
  // Command template with {placeholders}; may be empty. For a step that
  // runs through Run Command it is the PowerShell script itself.
  std::string command;
  std::string shell;  // "bash" (az CLI), "powershell", "cmd"; empty if no command
  // Where the command runs: "admin_shell", "run_command", "serial_console",
  // "vm_console", "client" or "directory"; empty for a step without a command.
  std::string runs;
  // What the step does to the estate: "restarts_vm", "restarts_service",
  // "drops_sessions", "ends_process", "changes_registry", "opens_port",
  // "changes_identity", "deletes_data", "changes_routing",
  // "changes_address", "lowers_security". Warnings follow from them.
  std::vector<std::string> effects;
  // The step applies only when its condition holds (it is left out when
  // the evidence shows it does not).
  bool conditional = false;
  // A serial_console step doing what the run_command step just before it
  // does, for when Run Command cannot run (no VM agent, or the host's channel
  // policy): rendered only where that step is, in its place when the policy
  // disables Run Command, and left out when it disables the serial console.
  bool alternative = false;
};

struct CauseInfo {
  std::string id;  // catalog id, e.g. "network.nsg_denies_rdp"
  Layer layer = Layer::kNetwork;
  Stage stage = Stage::kNetwork;
  std::string title;
  std::string explanation;            // why this produces the symptom
  std::vector<std::string> symptoms;  // symptom ids it explains
  std::vector<std::string> probes;    // probes its confirming test uses
  std::string confirm_text;           // the confirming test, in words
  std::vector<FixStepInfo> fix;
  std::vector<std::string> warnings;
  std::vector<SourceRef> sources;
  std::string notes;                      // corrections made to the sources
  std::string likelihood = "occasional";  // "common", "occasional", "rare"
  std::string file;                       // rule file it came from
  // Overrides applied to it, in load order (empty for an unchanged cause).
  std::vector<RuleChange> changes;
};

// A named fact a probe's answer can carry besides its value (IP flow
// verify: the deciding rule, its priority and NSG), usable in fix commands.
struct ProbeFieldInfo {
  std::string name;   // e.g. "nsg"
  std::string about;  // what it holds, in words
  // How values are validated before they reach a command: a context key
  // ("nsg", "resource_group", "port", ...), "azure_name", "integer", "ip"
  // or "text".
  std::string kind;
};

struct ProbeInfo {
  std::string id;
  std::string title;
  Channel channel = Channel::kClient;
  // Default cost (hosts may override per evaluation). For a member of a
  // session, what it adds once the session is open.
  double cost_s = 0;
  std::string domain;  // result domain, e.g. "enum(running|stopped)", "bool"
  // The command or question that runs it. For a Run Command probe given as
  // a script, the az vm run-command invoke command around that script.
  std::string how;
  std::string script;                  // Run Command probes: the PowerShell script, may be empty
  std::string fallback;                // probe to try when this one cannot run, may be empty
  std::string session;                 // the session it belongs to, may be empty
  std::vector<ProbeFieldInfo> fields;  // named facts its answer may carry
  std::vector<SourceRef> sources;      // where its method comes from, may be empty
  std::string notes;                   // corrections made to the sources, and why
  // Disabled by an override: never asked (its fallback applies), as if the
  // host's channel policy disabled it; `changes` says where.
  bool disabled = false;
  std::vector<RuleChange> changes;  // overrides applied to it
};

// Probes one invocation of a channel answers together (one Run Command
// script, one serial console session, one read of the VM's instance view).
// The first member asked in an evaluation pays cost_s; each member adds its
// own cost_s on top.
struct SessionInfo {
  std::string id;
  std::string title;
  Channel channel = Channel::kClient;
  double cost_s = 0;
  std::vector<std::string> probes;  // members, in declaration order
  std::string file;                 // rule file it came from
};

// Evidence that a stage of the path works for this client: while `when`
// holds, every cause acting at one of `clears` is ruled out, except those
// listed in `except` (which can still fail after that evidence).
struct GateInfo {
  std::string id;
  std::string title;
  std::string explanation;
  std::vector<Stage> clears;
  std::vector<std::string> except;  // cause ids
  std::vector<std::string> probes;  // probes its condition reads
  std::vector<SourceRef> sources;
  std::string file;
};

struct SymptomInfo {
  std::string id;
  std::string title;
  std::vector<std::string> messages;  // client messages that indicate it
  // The layer this symptom points to before any probe runs, when it points
  // to one (a timeout: the network path; a refusal: the listener). An
  // inconclusive report names it while a candidate of that layer is open.
  std::optional<Layer> layer;
  // Broader symptoms this one narrows ("timeout" is within "no_connection"):
  // its candidates are among theirs, and a client error that shows it
  // refines theirs.
  std::vector<std::string> within;
};

// One code a client reports ("0x904", ERRCONNECT_DNS_NAME_NOT_FOUND, event
// 4625's 0xC000006A) and what it says about the failure.
struct ClientCodeInfo {
  std::string code;                  // as the rules write it: "0x904", "131"
  std::uint64_t value = 0;           // its number
  std::string name;                  // symbolic name, may be empty
  std::vector<std::string> aliases;  // other names it goes by
  std::string meaning;               // what it means, in words
  std::string symptom;               // the symptom it shows; empty when it says nothing
  std::string cause;                 // the leading cause when the code is that precise
};

// A family of codes from one client or log (mstsc disconnect reasons,
// FreeRDP errors, xfreerdp exit codes, Windows logon status codes...).
struct ClientCodeTableInfo {
  std::string id;      // e.g. "mstsc.disconnect_reason"
  std::string title;   // one line
  std::string source;  // where the table comes from (a document, a header)
  std::vector<ClientCodeInfo> codes;
  std::string file;  // rule file it came from
};

// A client message ("Remote Desktop can't find the computer") and what it
// says about the failure.
struct ClientMessageInfo {
  std::string id;
  std::vector<std::string> phrases;  // matched case-, space- and punctuation-insensitively
  std::string meaning;
  std::string symptom;  // empty when the message says nothing about the failure
  std::string cause;    // the leading cause, when the message is that precise
  std::string file;
};

// Limits on what RuleSet::load accepts. Exceeding one fails the load with
// ErrorCode::kLimitExceeded naming the file.
struct LoadOptions {
  // Extra rule files or directories (every *.json inside, sorted by name),
  // loaded on top of the bundled rules. Ids must not collide; a file
  // changes a bundled cause or probe through "overrides" instead.
  std::vector<std::filesystem::path> paths;
  // Signed rule packs (rule_pack.h): when not empty, every entry of
  // `paths` must be a pack directory whose manifest is signed by one of
  // these Ed25519 public keys (PEM) and matches its rule files; anything
  // else fails the load with kUntrusted (a key that is not an Ed25519
  // public key: kInvalidArgument). RuleSet::packs() lists what was loaded.
  //
  // The bundled rules are not a pack: they are trusted as part of the
  // installed library, wherever they are found (bundled_dir,
  // $RDPTRIAGE_RULES_DIR or the package; see bundled_rules_dir()). Whoever
  // can change those can change the library or the program's environment
  // as well. A host that wants every rule file signed sets
  // include_bundled = false and loads a signed copy of the bundled rules
  // as a pack (`sign_rule_pack()` on a copy of bundled_rules_dir()).
  std::vector<std::string> trusted_pack_keys;
  // Replay protection: a pack named here is refused below this version (a
  // host records the versions RuleSet::packs() reports and passes them
  // back). A name no loaded pack has is not required. Needs
  // trusted_pack_keys: set without them, the load fails with
  // kInvalidArgument, since unsigned files have no version to check.
  std::map<std::string, std::uint64_t, std::less<>> min_pack_versions;
  // Load the bundled rules first. Default true.
  bool include_bundled = true;
  // Where the bundled rules are; empty means find them (bundled_rules_dir()).
  std::filesystem::path bundled_dir;

  std::size_t max_file_bytes = 4u << 20;  // per file
  std::size_t max_files = 256;
  std::size_t max_rules = 4096;  // causes across all files
  std::size_t max_probes = 4096;
  std::size_t max_overrides = 1024;  // entries of "overrides" across all files
  std::size_t max_depth = 32;        // JSON nesting depth
  // Client-error patterns (code patterns, message phrases and code names)
  // across all files, and the memory RE2 may use for each of the two sets
  // that screen a text for all of them at once (program and DFA), and at
  // most for any one pattern.
  std::size_t max_client_patterns = 16384;
  std::size_t client_pattern_max_mem = 64u << 20;
  // The total compiled size of all of them, in RE2 program instructions as
  // RE2 measures them (RE2::ProgramSize() plus ReverseProgramSize() of each
  // code pattern; a literal costs about one per character, x{1000} about a
  // thousand). Loading stops at the pattern that crosses it, with one error
  // naming its file and JSON path (the pattern's index), so a file of
  // thousands of huge patterns fails in milliseconds instead of compiling
  // for seconds. The bundled rules use about 40,000.
  std::size_t max_client_program_size = 1u << 20;
  // The memory all single patterns together may use, each for its program
  // and the DFA RE2 builds while it reads a text: a pattern gets a share in
  // proportion to its program size (at most client_pattern_max_mem, and at
  // least what it needs to compile: 64 bytes per instruction and 16 KiB).
  // A pattern whose DFA outgrows its share is run by RE2's slower NFA
  // instead, so many patterns whose DFAs explode cannot take more memory
  // than this in all (about 1 GB for 15,800 such patterns before).
  std::size_t max_client_dfa_mem = 256u << 20;
};

// Finds the bundled rules directory, first match wins:
//   1. $RDPTRIAGE_RULES_DIR, when set and not empty (used as given);
//   2. the rdptriage package this program was built against: a program
//      configured with find_package(rdptriage) records the package's
//      share/rdptriage/rules, wherever the package was moved to before the
//      program was configured;
//   3. beside the running program: <program dir>/../share/rdptriage/rules
//      (the installed CLI, and every program in a build tree).
// Returns an empty path when 2 and 3 do not exist; RuleSet::load then
// fails with kNotFound naming every place it looked. The library never
// looks in a source tree. Thread-safe.
std::filesystem::path bundled_rules_dir();

class RuleSet {
 public:
  // Loads and checks the rule files named by `options`. On failure returns
  // kNotFound (bundled rules not found, or a directory without rule files),
  // kParseError, kValidationError, kLimitExceeded or kIoError with one
  // Diagnostic per problem found; nothing is partially loaded.
  static StatusOr<RuleSet> load(const LoadOptions& options);

  // As load(), from in-memory documents: pairs of (name used in
  // diagnostics, JSON text). Bundled rules are not included.
  static StatusOr<RuleSet> load_documents(
      const std::vector<std::pair<std::string, std::string>>& documents,
      const LoadOptions& options = {});

  // Identifies the rule set in effect: "sha256:" and a SHA-256 over the
  // sorted SHA-256s of every rule document's content (its JSON as parsed,
  // so formatting does not count) and over the order, by id, of each list
  // the engine walks in load order: causes in path order (ties within a
  // stage go by load order), probes, gates, sessions, symptoms, client-code
  // tables and messages. Any change to any file gives another digest; the
  // same files loaded in another order keep it exactly when that order
  // leaves all of those lists as they were (and so cannot change an
  // outcome). Reports carry it.
  const std::string& digest() const;

  // The signed packs loaded (LoadOptions::trusted_pack_keys), in load
  // order: name, version, the key that verified each, its directory and
  // files. Empty when no keys were given.
  const std::vector<PackInfo>& packs() const;

  // Every change the files' "overrides" made, in load order, and the notes
  // the load left (references to a disabled cause that were dropped), as
  // diagnostics naming file, line and column. Both empty without overrides.
  const std::vector<RuleChange>& changes() const;
  const std::vector<Diagnostic>& notes() const;

  // Causes in path order (the order the engine considers them).
  const std::vector<CauseInfo>& causes() const;
  const std::vector<ProbeInfo>& probes() const;
  const std::vector<SymptomInfo>& symptoms() const;
  // Channel sessions and layer gates, in load order.
  const std::vector<SessionInfo>& sessions() const;
  const std::vector<GateInfo>& gates() const;
  // What the client-error intake recognises, in load order.
  const std::vector<ClientCodeTableInfo>& client_code_tables() const;
  const std::vector<ClientMessageInfo>& client_messages() const;
  // nullptr when absent. The pointer lives as long as any copy of the RuleSet.
  const CauseInfo* find_cause(std::string_view id) const;
  const ProbeInfo* find_probe(std::string_view id) const;
  const SymptomInfo* find_symptom(std::string_view id) const;
  // True when symptom `narrower` sits within `broader` (its "within",
  // transitively); false for unknown ids and for a symptom and itself.
  bool symptom_within(std::string_view narrower, std::string_view broader) const;

  // The Markdown layer table: symptom | layer | cause | confirming test | fix.
  std::string layer_table_markdown() const;
  // Graphviz dot of the decision graph: symptoms -> causes -> probes.
  std::string decision_graph_dot() const;

  // Internal; used by Triage.
  const std::shared_ptr<const internal::CompiledRules>& compiled() const { return impl_; }

 private:
  explicit RuleSet(std::shared_ptr<const internal::CompiledRules> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const internal::CompiledRules> impl_;
  friend struct internal::CompiledRules;
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_RULES_H_
