// rdptriage_world_facts: prints what a simulated estate shows through every
// probe, as JSON, for the fake ARM server (test/azure/fake_arm.py).
//
//   rdptriage_world_facts WORLD.json... > facts.json
//
// The fake translates these answers into ARM-shaped responses; it never
// re-implements the world's semantics. Besides the probe answers it carries
// the estate's NSG rules and the flow verdict the world computed (IP flow
// verify's deciding rule), which the effective-NSG and IP flow responses
// are built from. Test-only; it reads lib/world internals.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <iostream>

#include "json/json_document.h"
#include "rdptriage/rules.h"
#include "rdptriage/world.h"
#include "world/nsg_evaluator.h"
#include "world/playout.h"
#include "world/world_loader.h"

namespace {

using namespace rdptriage;
namespace w = rdptriage::internal::world;

boost::json::value to_json(const ProbeValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b;
  if (const double* d = std::get_if<double>(&v)) return *d;
  return boost::json::string(std::get<std::string>(v));
}

boost::json::value rules_json(const std::optional<std::vector<w::SecurityRule>>& rules) {
  if (!rules) return nullptr;
  boost::json::array out;
  for (const w::SecurityRule& r : *rules) {
    boost::json::object o;
    o["name"] = r.name;
    o["priority"] = r.priority;
    o["direction"] = r.inbound ? "Inbound" : "Outbound";
    o["access"] = r.allow ? "Allow" : "Deny";
    o["protocol"] = r.protocol;
    boost::json::array sources, destinations, ports;
    for (const auto& s : r.sources) sources.emplace_back(s);
    for (const auto& d : r.destinations) destinations.emplace_back(d);
    for (const auto& p : r.ports)
      ports.emplace_back(std::to_string(p.low) + "-" + std::to_string(p.high));
    o["sourceAddressPrefixes"] = std::move(sources);
    o["destinationAddressPrefixes"] = std::move(destinations);
    o["destinationPortRanges"] = std::move(ports);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  auto rules = RuleSet::load({});
  if (!rules.ok()) {
    std::cerr << rules.status().to_string() << "\n";
    return 1;
  }
  boost::json::array worlds;
  for (int i = 1; i < argc; ++i) {
    const std::string path = argv[i];
    auto world = World::load_file(path);
    auto doc = internal::JsonDocument::parse_file(path);
    if (!world.ok() || !doc.ok()) {
      std::cerr << path << ": " << (world.ok() ? doc.status() : world.status()).to_string() << "\n";
      return 1;
    }
    auto model = w::build_world(*doc);
    if (!model.ok()) return 1;
    boost::json::object facts;
    facts["file"] = std::filesystem::path(path).filename().string();
    facts["symptom"] = world->symptom();
    boost::json::object context;
    for (const auto& [k, v] : world->context()) context[k] = v;
    facts["context"] = std::move(context);
    facts["username"] = model->client.user;
    // Every probe, as the world's adapter answers it.
    auto adapter = world->adapter();
    std::atomic<bool> cancelled{false};
    Context ctx = world->context();
    boost::json::object answers;
    for (const ProbeInfo& p : rules->probes()) {
      ProbeRequest req;
      req.probe_id = p.id;
      req.channel = p.channel;
      req.context = &ctx;
      req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      req.cancelled = &cancelled;
      ProbeResult r = adapter->run(req);
      boost::json::object a;
      a["kind"] = r.kind == ProbeResult::Kind::kValue    ? "value"
                  : r.kind == ProbeResult::Kind::kFailed ? "failed"
                                                         : "unavailable";
      if (r.has_value()) a["value"] = to_json(r.value);
      a["reason"] = r.reason;
      answers[p.id] = std::move(a);
    }
    facts["answers"] = std::move(answers);
    // The estate's network as configured, and the flow verdict the world
    // computed for the client's RDP connection.
    const w::WorldModel& m = *model;
    boost::json::object estate;
    estate["vm"] = m.vm.name;
    estate["resource_group"] = m.vm.resource_group;
    estate["private_ip"] = m.vm.private_ip;
    estate["client_ip"] = m.client.source_ip;
    estate["port"] = m.client.dial_port;
    estate["nsg_subnet"] = rules_json(m.vm.nsg_subnet);
    estate["nsg_nic"] = rules_json(m.vm.nsg_nic);
    w::NsgVerdict verdict = w::client_flow_verdict(m);
    boost::json::object flow;
    flow["allowed"] = verdict.allowed;
    flow["nsg"] = verdict.nsg;
    flow["rule"] = verdict.rule;
    flow["priority"] = verdict.priority;
    estate["flow"] = std::move(flow);
    facts["estate"] = std::move(estate);
    worlds.push_back(std::move(facts));
  }
  boost::json::object out;
  out["worlds"] = std::move(worlds);
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}
