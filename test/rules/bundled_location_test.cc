// Where the bundled rules are found: an explicit setting is used as given,
// a missing or empty rules directory fails with one clear status, and
// entries a loader cannot read are errors, never silently skipped.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "rdptriage/rules.h"
#include "support/expect_problem.h"

namespace rdptriage {
namespace {

namespace fs = std::filesystem;
using testing::expect_problem;

const std::string kSource = RDPTRIAGE_TEST_SOURCE_DIR;

// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rdptriage-rules-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  std::string old;
  bool had;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    const char* v = std::getenv(name.c_str());
    had = v != nullptr;
    if (had) old = v;
    setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had)
      setenv(name.c_str(), old.c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

TEST_CASE("RDPTRIAGE_RULES_DIR is used as given and a wrong one fails loudly") {
  {
    ScopedEnv env("RDPTRIAGE_RULES_DIR", kSource + "/rules");
    CHECK(bundled_rules_dir() == fs::path(kSource + "/rules"));
    CHECK(RuleSet::load({}).ok());
  }
  ScopedEnv env("RDPTRIAGE_RULES_DIR", "/nonexistent/rdptriage/rules");
  CHECK(bundled_rules_dir() == fs::path("/nonexistent/rdptriage/rules"));
  StatusOr<RuleSet> r = RuleSet::load({});
  Diagnostic d = expect_problem(r, "RDPTRIAGE_RULES_DIR");
  CHECK(r.status().code() == ErrorCode::kNotFound);
  CHECK(d.file == "/nonexistent/rdptriage/rules");
}

TEST_CASE("without a setting the library never reaches into a source tree") {
  ScopedEnv env("RDPTRIAGE_RULES_DIR", "");
  // The test program lives in build/bin, beside build/share/rdptriage/rules:
  // exactly where an installed program finds its package's rules.
  fs::path found = bundled_rules_dir();
  REQUIRE_FALSE(found.empty());
  CHECK(found.filename() == "rules");
  CHECK(found.parent_path().filename() == "rdptriage");
  CHECK(found.lexically_normal() != fs::path(kSource + "/rules").lexically_normal());
  CHECK(RuleSet::load({}).ok());
}

TEST_CASE("a bundled directory without rule files is not taken for the rules") {
  TempDir dir;
  LoadOptions o;
  o.bundled_dir = dir.path;
  StatusOr<RuleSet> r = RuleSet::load(o);
  expect_problem(r, "holds no rule files");
  CHECK(r.status().code() == ErrorCode::kNotFound);
}

TEST_CASE("a problem of no file is not counted as one in a file") {
  LoadOptions o;
  o.max_files = 1;  // the bundled rules are several files
  StatusOr<RuleSet> r = RuleSet::load(o);
  Diagnostic d = expect_problem(r, "exceed max_files (1)");
  CHECK(d.file.empty());
  CHECK(r.status().message() == "1 problem; nothing was loaded");
}

TEST_CASE("FIFOs, devices and dangling links named *.json are errors, not skipped") {
  TempDir dir;
  std::ofstream(dir.path / "good.json") << R"({"schema": "rdptriage.rules/1"})";
  REQUIRE(mkfifo((dir.path / "pipe.json").c_str(), 0600) == 0);
  fs::create_symlink(dir.path / "missing-target.json", dir.path / "dangling.json");
  fs::create_symlink(dir.path / "loop.json", dir.path / "loop.json.tmp");
  fs::rename(dir.path / "loop.json.tmp", dir.path / "loop.json");
  fs::create_symlink("/dev/zero", dir.path / "zero.json");
  LoadOptions o;
  o.include_bundled = false;
  o.paths = {dir.path};
  StatusOr<RuleSet> r = RuleSet::load(o);
  CHECK(expect_problem(r, "a FIFO").file == (dir.path / "pipe.json").string());
  CHECK(expect_problem(r, "a dangling or looping symbolic link").file.find("dangling.json") !=
        std::string::npos);
  CHECK(expect_problem(r, "a device").file == (dir.path / "zero.json").string());
  int links = 0;
  for (const Diagnostic& d : r.status().diagnostics())
    links += d.message == "a dangling or looping symbolic link";
  CHECK(links == 2);
  // Named directly, a FIFO is refused before anything blocks on opening it.
  o.paths = {dir.path / "pipe.json"};
  expect_problem(RuleSet::load(o), "a FIFO");
}

}  // namespace
}  // namespace rdptriage
