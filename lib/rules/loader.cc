// RuleSet::load: gathers the rule files (bundled first, then the host's),
// enforces the file limits, and hands the documents to the compiler.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "rules/bundled_location.h"
#include "rules/compiler.h"
#include "rules/rule_pack.h"

namespace rdptriage {
namespace fs = std::filesystem;

namespace {

// Why `path` cannot be read as a rule file, or empty when it can. Follows
// symbolic links: a dangling one reports not_found, a looping one ELOOP.
std::string unreadable_reason(const fs::path& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec && (st.type() == fs::file_type::not_found ||
             ec == std::make_error_condition(std::errc::too_many_symbolic_link_levels)))
    return "a dangling or looping symbolic link";
  if (ec) return "cannot be read: " + ec.message();
  switch (st.type()) {
    case fs::file_type::regular:
      return "";
    case fs::file_type::fifo:
      return "a FIFO, not a regular file";
    case fs::file_type::socket:
      return "a socket, not a regular file";
    case fs::file_type::block:
    case fs::file_type::character:
      return "a device, not a regular file";
    case fs::file_type::directory:
      return "a directory named like a rule file";
    default:
      return "not a regular file";
  }
}

// Expands a file or directory into rule files; records problems. Entries
// named *.json that cannot be read as files are errors, never skipped, so
// `rules check` cannot say ok about a file it did not read. Counts the
// entries named *.json of a directory in `json_files`, if given.
void collect(const fs::path& path, internal::RuleCompiler& compiler, std::vector<fs::path>* out,
             std::size_t* json_files = nullptr) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    compiler.add_error(ErrorCode::kIoError,
                       Diagnostic{path.string(), 0, 0, "", "", "no such file or directory"});
    return;
  }
  if (!fs::is_directory(st)) {
    if (std::string why = unreadable_reason(path); !why.empty()) {
      compiler.add_error(ErrorCode::kIoError, Diagnostic{path.string(), 0, 0, "", "", why});
      return;
    }
    out->push_back(path);
    return;
  }
  std::vector<fs::path> files;
  fs::directory_iterator it(path, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json") continue;
    if (json_files != nullptr) ++*json_files;
    if (std::string why = unreadable_reason(it->path()); !why.empty()) {
      compiler.add_error(ErrorCode::kIoError, Diagnostic{it->path().string(), 0, 0, "", "", why});
      continue;
    }
    files.push_back(it->path());
  }
  if (ec) {
    compiler.add_error(ErrorCode::kIoError,
                       Diagnostic{path.string(), 0, 0, "", "", "cannot list: " + ec.message()});
    return;
  }
  std::sort(files.begin(), files.end());
  out->insert(out->end(), files.begin(), files.end());
}

internal::JsonLimits limits_of(const LoadOptions& o) { return {o.max_file_bytes, o.max_depth}; }

void add_parsed(StatusOr<internal::JsonDocument> doc, internal::RuleCompiler& compiler) {
  if (doc.ok()) {
    compiler.add_document(std::move(doc).value());
    return;
  }
  for (const Diagnostic& d : doc.status().diagnostics()) compiler.add_error(doc.status().code(), d);
}

}  // namespace

fs::path bundled_rules_dir() { return internal::find_bundled_rules().dir; }

StatusOr<RuleSet> RuleSet::load(const LoadOptions& options) {
  try {
    internal::RuleCompiler compiler(options);
    if (!options.min_pack_versions.empty() && options.trusted_pack_keys.empty())
      return Status(ErrorCode::kInvalidArgument,
                    "min_pack_versions needs trusted_pack_keys: only a signed pack has a version "
                    "to check");
    std::vector<fs::path> files;
    if (options.include_bundled) {
      fs::path dir = options.bundled_dir;
      if (dir.empty()) {
        internal::BundledRulesSearch search = internal::find_bundled_rules();
        if (search.dir.empty()) {
          compiler.add_error(
              ErrorCode::kNotFound,
              Diagnostic{"", 0, 0, "", "",
                         "the bundled rules were not found; looked for " + search.looked +
                             ". Set LoadOptions::bundled_dir or "
                             "RDPTRIAGE_RULES_DIR to the rules directory"});
          return compiler.finish();
        }
        if (search.from_environment && !fs::is_directory(search.dir)) {
          compiler.add_error(ErrorCode::kNotFound,
                             Diagnostic{search.dir.string(), 0, 0, "", "",
                                        "named by RDPTRIAGE_RULES_DIR, is not a directory"});
          return compiler.finish();
        }
        dir = search.dir;
      }
      std::size_t found = 0;
      collect(dir, compiler, &files, &found);
      if (found == 0 && fs::is_directory(dir))
        compiler.add_error(ErrorCode::kNotFound,
                           Diagnostic{dir.string(), 0, 0, "", "",
                                      "holds no rule files (*.json); is this the bundled rules "
                                      "directory?"});
    }
    // Signed packs are read here, once: the bytes verified are the bytes parsed.
    std::vector<std::pair<std::string, std::string>> verified;
    for (const fs::path& p : options.paths) {
      if (options.trusted_pack_keys.empty()) {
        collect(p, compiler, &files);
        continue;
      }
      StatusOr<internal::VerifiedPack> pack = internal::verify_pack(
          p, options.trusted_pack_keys, options.min_pack_versions, options.max_file_bytes);
      if (!pack.ok()) {
        for (const Diagnostic& d : pack.status().diagnostics())
          compiler.add_error(pack.status().code(), d);
        if (pack.status().diagnostics().empty())
          compiler.add_error(pack.status().code(),
                             Diagnostic{p.string(), 0, 0, "", "", pack.status().message()});
        continue;
      }
      for (auto& file : pack->files) verified.push_back(std::move(file));
      compiler.add_pack(std::move(pack->info));
    }
    if (files.size() + verified.size() > options.max_files) {
      compiler.add_error(ErrorCode::kLimitExceeded,
                         Diagnostic{"", 0, 0, "", "",
                                    std::to_string(files.size() + verified.size()) +
                                        " rule files exceed max_files (" +
                                        std::to_string(options.max_files) + ")"});
      return compiler.finish();
    }
    for (const fs::path& f : files)
      add_parsed(internal::JsonDocument::parse_file(f.string(), limits_of(options)), compiler);
    for (const auto& [path, text] : verified)
      add_parsed(internal::JsonDocument::parse(text, path, limits_of(options)), compiler);
    return compiler.finish();
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("loading rules failed: ") + e.what());
  }
}

StatusOr<RuleSet> RuleSet::load_documents(
    const std::vector<std::pair<std::string, std::string>>& documents, const LoadOptions& options) {
  try {
    internal::RuleCompiler compiler(options);
    if (documents.size() > options.max_files) {
      compiler.add_error(
          ErrorCode::kLimitExceeded,
          Diagnostic{documents[options.max_files].first, 0, 0, "", "",
                     std::to_string(documents.size()) + " rule documents exceed max_files (" +
                         std::to_string(options.max_files) + ")"});
      return compiler.finish();
    }
    for (const auto& [name, text] : documents)
      add_parsed(internal::JsonDocument::parse(text, name, limits_of(options)), compiler);
    return compiler.finish();
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("loading rules failed: ") + e.what());
  }
}

}  // namespace rdptriage
