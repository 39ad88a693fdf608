#include "common.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace rdptriage::cli {

int report_error(const Status& status) {
  std::string line = safe(status.message());
  const auto& diags = status.diagnostics();
  if (!diags.empty()) {
    line = diags.front().to_string();
    if (diags.size() > 1) line += fmt::format(" (and {} more problems)", diags.size() - 1);
  }
  fmt::print(stderr, "rdptriage: {}\n", safe(line));
  return status.code() == ErrorCode::kInternal ? kInternal : kBadInput;
}

int report_all(const Status& status) {
  if (status.diagnostics().empty()) return report_error(status);
  for (const Diagnostic& d : status.diagnostics()) fmt::print(stderr, "{}\n", safe(d.to_string()));
  fmt::print(stderr, "rdptriage: {}\n", safe(status.message()));
  return status.code() == ErrorCode::kInternal ? kInternal : kBadInput;
}

int usage_error(const std::string& message) {
  fmt::print(stderr, "rdptriage: {}\n", safe(message));
  return kBadInput;
}

std::filesystem::path bundled_worlds() {
  // Installed and in the build tree, the worlds sit beside the rules under
  // share/rdptriage, next to the program's bin/.
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / "share" / "rdptriage" / "worlds";
}

void add_client_error_input(CLI::App* app, std::string* text, std::string* file) {
  app->add_option("--client-error", *text,
                  "What the RDP client showed, verbatim: a message, codes (0x904, "
                  "ERRCONNECT_*, 4625 Sub Status), an xfreerdp log");
  app->add_option("--client-error-file", *file,
                  "The same from a file, e.g. a whole xfreerdp log (- reads standard input)");
}

namespace {

// Why a file of mode `mode` is not read as a client error, or empty.
std::string not_regular_reason(mode_t mode) {
  if (S_ISREG(mode)) return "";
  if (S_ISFIFO(mode)) return "a FIFO, not a regular file";
  if (S_ISSOCK(mode)) return "a socket, not a regular file";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device, not a regular file";
  if (S_ISDIR(mode)) return "a directory, not a regular file";
  return "not a regular file";
}

Status read_failure(const std::string& name, ErrorCode code, const std::string& why) {
  return Status(code, name + ": " + why, {Diagnostic{name, 0, 0, "", "", why}});
}

struct TailRead {
  std::string tail;         // the last bytes read (at least `keep` of them, when there were)
  std::uint64_t total = 0;  // bytes read
  bool ended = false;       // reached the end of the input
};

// Reads `fd` to its end, or `limit` bytes when it goes on longer, keeping
// the last `keep` bytes at least. -1 with errno set on a read error.
int read_tail(int fd, std::size_t keep, std::uint64_t limit, TailRead* out) {
  char buf[65536];
  while (true) {
    // One byte past the limit tells an input of exactly `limit` bytes from
    // one that goes on.
    const std::uint64_t room = limit + 1 - out->total;
    const ssize_t n =
        ::read(fd, buf, static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buf, room)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) {
      out->ended = true;
      return 0;
    }
    out->total += static_cast<std::uint64_t>(n);
    out->tail.append(buf, static_cast<std::size_t>(n));
    if (out->tail.size() > 2 * keep) out->tail.erase(0, out->tail.size() - keep);
    if (out->total > limit) return 0;
  }
}

}  // namespace

StatusOr<std::string> client_error_text(const std::string& text, const std::string& file,
                                        std::size_t max_bytes) {
  if (file.empty()) return text;
  const bool from_stdin = file == "-";
  const std::string name = from_stdin ? "standard input" : file;
  int fd = STDIN_FILENO;
  if (!from_stdin) {
    // Look before opening: a FIFO would block the open until a writer
    // comes, and a device such as /dev/zero never ends.
    struct stat st;
    if (::stat(file.c_str(), &st) != 0)
      return read_failure(file, ErrorCode::kIoError, std::strerror(errno));
    if (std::string why = not_regular_reason(st.st_mode); !why.empty())
      return read_failure(file, ErrorCode::kIoError,
                          S_ISFIFO(st.st_mode)
                              ? why + " (to read a pipe, give - and redirect it to standard input)"
                              : why);
    fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return read_failure(file, ErrorCode::kIoError, std::strerror(errno));
  }
  struct Closer {
    int fd;
    bool owned;
    ~Closer() {
      if (owned) ::close(fd);
    }
  } closer{fd, !from_stdin};
  struct stat st;
  if (::fstat(fd, &st) != 0) return read_failure(name, ErrorCode::kIoError, std::strerror(errno));
  if (!from_stdin && !S_ISREG(st.st_mode))  // swapped after the check above
    return read_failure(file, ErrorCode::kIoError, not_regular_reason(st.st_mode));

  // A regular file (standard input too, when redirected from one) longer
  // than max_bytes is read from its end, where a log's last error is,
  // without reading the rest. Anything else (a pipe, a terminal, a device
  // given as standard input) is read up to kMaxStreamFactor * max_bytes,
  // keeping its end; an input still going at that point is refused, as it
  // may never end.
  TailRead read;
  if (S_ISREG(st.st_mode)) {
    // Standard input may not be at the file's start.
    const off_t at = ::lseek(fd, 0, SEEK_CUR);
    const off_t start = st.st_size - static_cast<off_t>(max_bytes);
    if (at >= 0 && start > at && ::lseek(fd, start, SEEK_SET) == start)
      read.total = static_cast<std::uint64_t>(start - at);  // skipped, counted as read
  }
  const std::uint64_t limit = static_cast<std::uint64_t>(max_bytes) * kMaxStreamFactor;
  if (read_tail(fd, max_bytes, read.total + limit, &read) != 0)
    return read_failure(name, ErrorCode::kIoError,
                        std::string("read error: ") + std::strerror(errno));
  if (!read.ended)
    return read_failure(
        name, ErrorCode::kLimitExceeded,
        fmt::format("still going after {} bytes; it may never end. Give the log's last part "
                    "(e.g. tail -c {} LOG) or a regular file",
                    limit, max_bytes));
  std::string content = std::move(read.tail);
  if (read.total > max_bytes) {
    if (content.size() > max_bytes) content.erase(0, content.size() - max_bytes);
    // Start at a line, not inside one.
    if (std::size_t nl = content.find('\n'); nl != std::string::npos) content.erase(0, nl + 1);
    fmt::print(stderr,
               "rdptriage: {} is {} bytes; reading its last {} bytes, where the last error is\n",
               safe(name), read.total, content.size());
  }
  if (text.empty()) return content;
  return text + "\n" + content;
}

void add_plan_options(CLI::App* app, PlanArgs* args) {
  app->add_option("--disable", args->disable,
                  "A channel (run_command, serial_console, user, ...) or probe id never to ask "
                  "(repeatable): its fallback is used and the report names it");
  app->add_option("--exclusion-budget", args->exclusion_budget_s,
                  "Once a cause is confirmed, exclude earlier candidates whose test costs at "
                  "most this many seconds (default 50)");
  app->add_option("--deadline", args->deadline_s,
                  "End the evaluation after this many seconds with the report so far");
  app->add_option("--decision-id", args->decision_id,
                  "The id the report carries (e.g. your ticket id; letters, digits and ._:-); "
                  "default a random UUID");
}

Status apply_plan_options(const PlanArgs& args, const RuleSet& rules, EvaluateOptions* options) {
  for (const std::string& d : args.disable) {
    Channel channel;
    if (parse_channel(d, &channel))
      options->disabled_channels.push_back(channel);
    else if (rules.find_probe(d) != nullptr)
      options->disabled_probes.push_back(d);
    else
      return Status(ErrorCode::kInvalidArgument,
                    "--disable " + d +
                        ": neither a channel (client, control_plane, boot_diagnostics, metrics, "
                        "network_watcher, run_command, serial_console, user) nor a probe id");
  }
  if (args.exclusion_budget_s >= 0) options->exclusion_budget_s = args.exclusion_budget_s;
  if (args.deadline_s < 0 || args.deadline_s > 86400)
    return Status(ErrorCode::kInvalidArgument, "--deadline must be between 0 and 86400 seconds");
  if (args.deadline_s > 0)
    options->evaluation_deadline =
        std::chrono::milliseconds(static_cast<long long>(args.deadline_s * 1000));
  return Status();
}

namespace {

std::atomic<bool> interrupted{false};
struct sigaction previous_sigint;

extern "C" void on_sigint(int) {
  if (interrupted.exchange(true)) _exit(130);
}

}  // namespace

InterruptToCancel::InterruptToCancel() {
  interrupted = false;
  struct sigaction sa = {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &previous_sigint);
}

InterruptToCancel::~InterruptToCancel() { sigaction(SIGINT, &previous_sigint, nullptr); }

const std::atomic<bool>* InterruptToCancel::flag() const { return &interrupted; }

namespace {
std::vector<std::string> leading_rules;
bool leading_json = false;
}  // namespace

void set_leading_options(std::vector<std::string> rules, bool json) {
  leading_rules = std::move(rules);
  leading_json = json;
}

bool json_output(bool given_after) { return given_after || leading_json; }

StatusOr<std::string> read_small_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Status(ErrorCode::kIoError, path + ": not a readable file",
                  {Diagnostic{path, 0, 0, "", "", "not a readable file"}});
  if (std::filesystem::file_size(path, ec) > (64u << 10))
    return Status(ErrorCode::kIoError, path + ": larger than 64 KB, not a key",
                  {Diagnostic{path, 0, 0, "", "", "larger than 64 KB"}});
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return Status(ErrorCode::kIoError, path + ": " + std::strerror(errno),
                  {Diagnostic{path, 0, 0, "", "", std::strerror(errno)}});
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out.size() < (64u << 10))
    out.append(buf, n);
  std::fclose(f);
  return out;
}

void add_min_version_option(CLI::App* app, PackArgs* args) {
  app->add_option("--min-version", args->min_versions,
                  "NAME=VERSION: refuse the signed pack NAME below VERSION, an old manifest "
                  "replayed (repeatable)");
}

Status parse_min_versions(const std::vector<std::string>& given,
                          std::map<std::string, std::uint64_t, std::less<>>* out) {
  for (const std::string& mv : given) {
    const auto eq = mv.find('=');
    const std::string digits = eq == std::string::npos ? "" : mv.substr(eq + 1);
    if (eq == 0 || digits.empty() || digits.size() > 19 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      return Status(ErrorCode::kInvalidArgument,
                    "--min-version takes NAME=VERSION, got \"" + mv + "\"");
    (*out)[mv.substr(0, eq)] = std::stoull(digits);
  }
  return Status();
}

StatusOr<Triage> load_triage(const std::vector<std::string>& extra, bool include_bundled,
                             const PackArgs& packs) {
  TriageOptions options;
  options.rules.include_bundled = include_bundled;
  for (const std::string& p : leading_rules) options.rules.paths.emplace_back(p);
  for (const std::string& p : extra) options.rules.paths.emplace_back(p);
  for (const std::string& f : packs.trusted_keys) {
    StatusOr<std::string> pem = read_small_file(f);
    if (!pem.ok()) return pem.status();
    options.rules.trusted_pack_keys.push_back(std::move(pem).value());
  }
  if (!packs.min_versions.empty() && packs.trusted_keys.empty())
    return Status(ErrorCode::kInvalidArgument,
                  "--min-version goes with --trusted-key: only a signed pack has a version");
  Status minimum = parse_min_versions(packs.min_versions, &options.rules.min_pack_versions);
  if (!minimum.ok()) return minimum;
  return Triage::create(options);
}

}  // namespace rdptriage::cli
