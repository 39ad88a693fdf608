// Every bundled world, diagnosed through the Azure adapter and the fake ARM
// (with the world's own adapter after it for what Azure cannot answer),
// reaches the same verdict as through the world adapter alone; and every
// answer the Azure adapter gives equals the world's.
#include <boost/json/serialize.hpp>
#include <catch2/catch.hpp>

#include "fake_arm_fixture.h"
#include "rdptriage/world.h"
#include "support/bundled_triage.h"

namespace rdptriage::testing {
namespace {

Context azure_context(const World& world, std::size_t index, const boost::json::value& facts) {
  Context c = world.context();
  c["subscription"] = subscription_of(index);
  // The user as typed ("AUTHORITY\\name", ".\\name", "name@domain"): the
  // account name and, for a domain account, its domain.
  std::string typed(facts.at("username").as_string());
  std::string authority, name = typed;
  if (auto slash = typed.find('\\'); slash != std::string::npos) {
    authority = typed.substr(0, slash);
    name = typed.substr(slash + 1);
  } else if (auto at = typed.find('@'); at != std::string::npos) {
    authority = typed.substr(at + 1);
    name = typed.substr(0, at);
  }
  // Only names the fix commands accept go into the context.
  if (validate_context_value("username", name).ok()) {
    c["username"] = name;
    if (!authority.empty() && authority != ".") c["user_domain"] = authority;
  }
  c["connectivity_source"] = "jumpbox01";
  return c;
}

bool same_value(const ProbeValue& a, const ProbeValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) return std::abs(*x - std::get<double>(b)) < 1e-6;
  return a == b;
}

TEST_CASE("every bundled world reaches the same verdict through the Azure adapter", "[azure]") {
  FakeArm fake;
  AzureOptions options = fake.options();
  auto azure = AzureAdapter::create(options);
  REQUIRE(azure.ok());
  const Triage& triage = bundled_triage();
  const auto& all = facts().at("worlds").as_array();
  REQUIRE(all.size() == world_files().size());
  int azure_answers = 0, with_fields = 0, guest_answers = 0;
  for (std::size_t i = 0; i < world_files().size(); ++i) {
    const auto& path = world_files()[i];
    INFO("world " << path.filename().string());
    auto world = World::load_file(path);
    REQUIRE(world.ok());
    EvaluateRequest plain;
    plain.symptom = world->symptom();
    plain.context = azure_context(*world, i, all[i]);
    plain.adapters = {world->adapter()};
    EvaluateRequest through_azure = plain;
    through_azure.adapters = {*azure, world->adapter()};
    through_azure.options.probe_deadline = std::chrono::seconds(20);
    auto expected = triage.evaluate(plain);
    auto got = triage.evaluate(through_azure);
    REQUIRE(expected.ok());
    REQUIRE(got.ok());
    std::string trail;
    for (const Evidence& e : got->evidence)
      trail += e.probe + "=" + (e.result.has_value() ? to_string(e.result.value) : "-") + " [" +
               e.adapter + "] " + e.result.reason + "\n";
    INFO(trail);
    CHECK(verdict_name(got->status) == verdict_name(expected->status));
    CHECK(got->cause == expected->cause);
    CHECK(got->layer == expected->layer);
    // What Azure answered is what the world shows through that probe.
    auto world_adapter = world->adapter();
    std::atomic<bool> cancelled{false};
    for (const Evidence& e : got->evidence) {
      if (e.adapter != "azure") continue;
      ++azure_answers;
      if (e.probe.rfind("guest.", 0) == 0) ++guest_answers;
      ProbeRequest req;
      req.probe_id = e.probe;
      req.context = &through_azure.context;
      req.cancelled = &cancelled;
      ProbeResult w = world_adapter->run(req);
      INFO("probe " << e.probe << ": azure says " << e.result.reason);
      CHECK(static_cast<int>(e.result.kind) == static_cast<int>(w.kind));
      if (e.result.has_value() && w.has_value()) CHECK(same_value(e.result.value, w.value));
      if (e.result.has_value()) CHECK_THAT(e.result.reason, Catch::Contains("x-ms-request-id"));
      // IP flow verify names the rule the world's NSG evaluation decided on.
      if (e.probe == "netwatch.ip_flow_inbound" && e.result.has_value()) {
        const auto& flow = all[i].at("estate").at("flow");
        if (!flow.at("rule").as_string().empty()) {
          ++with_fields;
          CHECK(e.result.fields.at("rule") == std::string(flow.at("rule").as_string()));
          CHECK(e.result.fields.at("priority") == std::to_string(flow.at("priority").as_int64()));
          CHECK(e.result.fields.at("nsg_scope") == std::string(flow.at("nsg").as_string()));
          CHECK(e.result.fields.at("nsg_resource_group") == world->context().at("resource_group"));
          CHECK(e.result.fields.count("nsg") == 1);
          CHECK(e.result.fields.count("nsg_priorities_in_use") == 1);
        }
      }
    }
  }
  // The comparison is not empty: Azure answered most of what was asked.
  CHECK(azure_answers > 200);
  CHECK(guest_answers > 20);
  CHECK(with_fields > 5);
}

}  // namespace
}  // namespace rdptriage::testing
