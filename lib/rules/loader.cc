// RuleSet::load: gathers the rule files (bundled first, then the host's),
// enforces the file limits, and hands the documents to the compiler.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "rules/compiler.h"

namespace rdptriage {
namespace fs = std::filesystem;

namespace {

// Expands a file or directory into rule files; records problems.
void collect(const fs::path& path, internal::RuleCompiler& compiler, std::vector<fs::path>* out) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    compiler.add_error(ErrorCode::kIoError,
                       Diagnostic{path.string(), 0, 0, "", "", "no such file or directory"});
    return;
  }
  if (!fs::is_directory(st)) {
    out->push_back(path);
    return;
  }
  std::vector<fs::path> files;
  fs::directory_iterator it(path, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (it->path().extension() == ".json" && it->is_regular_file(fec)) files.push_back(it->path());
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

fs::path bundled_rules_dir() {
  if (const char* env = std::getenv("RDPTRIAGE_RULES_DIR"); env != nullptr && *env != '\0')
    return fs::path(env);
  std::error_code ec;
  fs::path installed(RDPTRIAGE_INSTALL_RULES_DIR);
  if (fs::is_directory(installed, ec)) return installed;
  return fs::path(RDPTRIAGE_SOURCE_RULES_DIR);
}

StatusOr<RuleSet> RuleSet::load(const LoadOptions& options) {
  try {
    internal::RuleCompiler compiler(options);
    std::vector<fs::path> files;
    if (options.include_bundled)
      collect(options.bundled_dir.empty() ? bundled_rules_dir() : options.bundled_dir, compiler,
              &files);
    for (const fs::path& p : options.paths) collect(p, compiler, &files);
    if (files.size() > options.max_files) {
      compiler.add_error(
          ErrorCode::kLimitExceeded,
          Diagnostic{files[options.max_files].string(), 0, 0, "", "",
                     std::to_string(files.size()) + " rule files exceed max_files (" +
                         std::to_string(options.max_files) + ")"});
      return compiler.finish();
    }
    for (const fs::path& f : files)
      add_parsed(internal::JsonDocument::parse_file(f.string(), limits_of(options)), compiler);
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
