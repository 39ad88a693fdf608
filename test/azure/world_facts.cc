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
#include <cstdio>
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

// A stable object id for an Entra ID account name (FNV-1a, GUID-shaped).
std::string entra_object_id(const std::string& name) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(h >> 32),
                static_cast<unsigned>((h >> 16) & 0xffff), static_cast<unsigned>(h & 0xfff),
                static_cast<unsigned>((h >> 20) & 0xfff),
                static_cast<unsigned long long>(h & 0xffffffffffffull));
  return buf;
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
      boost::json::object fields;
      for (const auto& [name, v] : r.fields) fields[name] = v;
      a["fields"] = std::move(fields);
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
    // Resource names as the estate has them, so ARM's ids carry them.
    estate["nic_name"] = m.vm.nic_name;
    estate["ip_config"] = m.vm.ip_config;
    estate["public_ip_name"] = m.vm.public_ip_name;
    estate["nsg_subnet_name"] = m.vm.nsg_subnet_name;
    estate["nsg_nic_name"] = m.vm.nsg_nic_name;
    estate["nsg_resource_group"] = m.vm.nsg_resource_group;
    estate["route_table"] = m.vm.route_table;
    estate["route_table_resource_group"] = m.vm.route_table_resource_group;
    estate["next_hop_ip"] = m.vm.next_hop_ip;
    // An Entra ID joined VM (it carries the AADLoginForWindows extension)
    // and, when the account signing in is an Entra ID one, its object id
    // (what a person looks up with az ad user show) and role on the VM.
    estate["entra_joined"] = m.vm.guest.entra.has_value();
    w::AccountLookup who = w::lookup_account(m);
    if (who.kind == w::AccountLookup::kEntra) {
      estate["entra_object_id"] = entra_object_id(who.name);
      estate["entra_upn"] = who.name;
    }
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
