#include "json/json_document.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace rdptriage::internal {
namespace {

TEST_CASE("positions of nested values by JSON pointer") {
  const char* text = "{\n  \"a\": [1,\n    {\"b/c\": \"x\\\"y\", \"d\": true}],\n  \"e\": null\n}";
  auto doc = JsonDocument::parse(text, "t.json");
  REQUIRE(doc.ok());
  CHECK(doc->position("").line == 1);
  SourcePos a1 = doc->position("/a/1");
  CHECK(a1.line == 3);
  CHECK(a1.column == 5);
  SourcePos d = doc->position("/a/1/d");
  CHECK(d.line == 3);
  CHECK(d.column == 26);
  CHECK(doc->position("/a/1/b~1c").column == 13);
  CHECK(doc->position("/e").line == 4);
  // A missing member resolves to its nearest existing ancestor.
  CHECK(doc->position("/a/1/zzz").column == 5);
}

TEST_CASE("paths read like code") {
  CHECK(pointer_to_path("/rules/3/confirm/all/1") == "rules[3].confirm.all[1]");
  CHECK(pointer_to_path("") == "(root)");
  CHECK(pointer_to_path(pointer_join("/results", "a/b")) == "results.a/b");
}

TEST_CASE("limits and syntax errors") {
  auto big = JsonDocument::parse("[1,2,3]", "x", {4, 32});
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == ErrorCode::kLimitExceeded);
  auto deep = JsonDocument::parse("[[[[1]]]]", "x", {100, 3});
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().code() == ErrorCode::kLimitExceeded);
  auto bad = JsonDocument::parse("{\"a\": 1,}", "x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kParseError);
  CHECK(bad.status().diagnostics()[0].column == 9);
  auto trailing = JsonDocument::parse("{} {}", "x");
  CHECK_FALSE(trailing.ok());
  auto missing = JsonDocument::parse_file("/nonexistent/file.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCode::kIoError);
}

// A scratch directory removed at the end of the test.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "rdptriage-json-XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// Issue 14, item 6: a FIFO blocked on open and /dev/zero never ended. Every
// loader reads files through parse_file, so each is refused by its type,
// at once, naming the file.
TEST_CASE("files that are not regular files are refused before they are opened") {
  ScratchDir dir;
  const std::string fifo = (dir.path / "rules.json").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto start = std::chrono::steady_clock::now();
  struct Case {
    std::string path, why;
  };
  for (const Case& c : {Case{fifo, "a FIFO"}, Case{"/dev/zero", "a device"},
                        Case{"/dev/urandom", "a device"}, Case{dir.path.string(), "a directory"}}) {
    auto doc = JsonDocument::parse_file(c.path);
    INFO(c.path);
    REQUIRE_FALSE(doc.ok());
    CHECK(doc.status().code() == ErrorCode::kIoError);
    REQUIRE(doc.status().diagnostics().size() == 1);
    CHECK(doc.status().diagnostics()[0].file == c.path);
    CHECK_THAT(doc.status().message(), Catch::StartsWith(c.path) && Catch::Contains(c.why));
  }
  // A symbolic link is followed to what it names.
  const std::filesystem::path link = dir.path / "link.json";
  std::filesystem::create_symlink("/dev/zero", link);
  auto linked = JsonDocument::parse_file(link.string());
  REQUIRE_FALSE(linked.ok());
  CHECK_THAT(linked.status().message(), Catch::Contains("a device"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("a regular file is read whole, and bounded by max_bytes") {
  ScratchDir dir;
  const std::string file = (dir.path / "doc.json").string();
  std::ofstream(file) << "{\"a\": [1, 2, 3]}\n";
  auto doc = JsonDocument::parse_file(file);
  REQUIRE(doc.ok());
  CHECK(doc->root().at("a").as_array().size() == 3);
  auto big = JsonDocument::parse_file(file, {8, 32});
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().code() == ErrorCode::kLimitExceeded);
  CHECK(big.status().diagnostics()[0].file == file);
  // A /proc file says its size is 0: what is read is bounded all the same.
  auto proc = JsonDocument::parse_file("/proc/self/status", {16, 32});
  REQUIRE_FALSE(proc.ok());
  CHECK(proc.status().code() == ErrorCode::kLimitExceeded);
}

}  // namespace
}  // namespace rdptriage::internal
