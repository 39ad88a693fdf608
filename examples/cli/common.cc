#include "common.h"

#include <fmt/core.h>
#include <unistd.h>

#include <system_error>

namespace rdptriage::cli {

int report_error(const Status& status) {
  std::string line = status.message();
  const auto& diags = status.diagnostics();
  if (!diags.empty()) {
    line = diags.front().to_string();
    if (diags.size() > 1) line += fmt::format(" (and {} more problems)", diags.size() - 1);
  }
  fmt::print(stderr, "rdptriage: {}\n", line);
  return status.code() == ErrorCode::kInternal ? kInternal : kBadInput;
}

int report_all(const Status& status) {
  if (status.diagnostics().empty()) return report_error(status);
  for (const Diagnostic& d : status.diagnostics()) fmt::print(stderr, "{}\n", d.to_string());
  fmt::print(stderr, "rdptriage: {}\n", status.message());
  return status.code() == ErrorCode::kInternal ? kInternal : kBadInput;
}

int usage_error(const std::string& message) {
  fmt::print(stderr, "rdptriage: {}\n", message);
  return kBadInput;
}

std::filesystem::path bundled_rules() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::filesystem::path beside =
        exe.parent_path().parent_path() / "share" / "rdptriage" / "rules";
    if (std::filesystem::is_directory(beside, ec)) return beside;
  }
  return bundled_rules_dir();
}

StatusOr<Triage> load_triage(const std::vector<std::string>& extra, bool include_bundled) {
  TriageOptions options;
  options.rules.include_bundled = include_bundled;
  options.rules.bundled_dir = bundled_rules();
  for (const std::string& p : extra) options.rules.paths.emplace_back(p);
  return Triage::create(options);
}

}  // namespace rdptriage::cli
