#include "json/json_document.h"

#include <catch2/catch.hpp>

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

}  // namespace
}  // namespace rdptriage::internal
