// The installed JSON Schema of the report (schema/report.schema.json) names
// exactly the library's vocabularies, so it cannot fall behind them. (Real
// reports are validated against it by test/schema/report_schema_test.py.)
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "rdptriage/probe.h"
#include "rdptriage/report.h"
#include "rdptriage/rules.h"
#include "rules/steps.h"

namespace rdptriage {
namespace {

boost::json::value schema() {
  std::ifstream in(std::string(RDPTRIAGE_TEST_SOURCE_DIR) + "/schema/report.schema.json");
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text.str(), ec);
  INFO(ec.message());
  REQUIRE(!ec);
  return v;
}

std::set<std::string> strings(const boost::json::value& array) {
  std::set<std::string> out;
  for (const auto& s : array.as_array()) out.insert(std::string(s.as_string()));
  return out;
}

TEST_CASE("the report schema names the library's layers, channels, runs and schema version") {
  const boost::json::value s = schema();
  const auto& defs = s.at("$defs");
  std::set<std::string> layers, channels, runs;
  for (Layer l : {Layer::kNetwork, Layer::kService, Layer::kAuth, Layer::kGuest, Layer::kBoundary})
    layers.insert(std::string(layer_name(l)));
  for (int c = 0; c <= static_cast<int>(Channel::kUser); ++c)
    channels.insert(std::string(channel_name(static_cast<Channel>(c))));
  for (const auto& r : internal::runs_vocabulary()) runs.insert(std::string(r.name));
  CHECK(strings(defs.at("layer").at("enum")) == layers);
  CHECK(strings(defs.at("channel").at("enum")) == channels);
  CHECK(strings(defs.at("fix_step").at("properties").at("runs").at("enum")) == runs);
  CHECK(s.at("properties").at("schema").at("const").as_string() == kReportSchema);
  std::set<std::string> verdicts;
  for (Verdict v : {Verdict::kConfirmed, Verdict::kInconclusive, Verdict::kHealthy})
    verdicts.insert(std::string(verdict_name(v)));
  CHECK(strings(s.at("properties").at("status").at("enum")) == verdicts);
}

}  // namespace
}  // namespace rdptriage
