// rdptriage: a simulated estate, for demos, drills and end-to-end tests.
//
// A world file (rdptriage.world/1; the format is installed as
// share/rdptriage/worlds/FORMAT.md, rdptriage's additional fields in
// README.md beside it; examples/worlds/ in the source tree) describes one
// client trying to reach one Azure Windows VM, stating only what is broken.
// World plays the connection out to find the symptom the client would see,
// and its adapter answers every probe the way the real channel would: the
// client's view, the control plane, boot diagnostics, metrics, Network
// Watcher (IP flow verify evaluated from the NSG rules), Run Command, the
// serial console and a person's answers. Channels that cannot run in the
// world answer "unavailable", never a guess; the engine never sees the world.
//
//   auto world = rdptriage::World::load_file("examples/worlds/nsg.json");
//   if (!world.ok()) return fail(world.status());   // names the JSON path
//   rdptriage::EvaluateRequest req;
//   req.symptom = world->symptom();
//   req.context = world->context();
//   req.adapters.push_back(world->adapter());
//   auto report = triage.evaluate(req);
//
// Thread safety: a World is immutable; its adapter is safe for concurrent use.
#ifndef RDPTRIAGE_WORLD_H_
#define RDPTRIAGE_WORLD_H_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "rdptriage/probe.h"
#include "rdptriage/status.h"

namespace rdptriage {

namespace internal::world {
struct WorldModel;
}  // namespace internal::world

// Limits on what World::load_* accepts; exceeding one is kLimitExceeded.
struct WorldOptions {
  std::size_t max_file_bytes = 1u << 20;  // the file or string, in bytes
  std::size_t max_depth = 16;             // JSON nesting depth
};

class World {
 public:
  // Loads and validates a world. Unknown fields, wrong types, out-of-range
  // values, bad addresses, prefixes or ports, and two NSG rules with the same
  // priority and direction fail with kValidationError, one Diagnostic per
  // problem naming the JSON path, line and column; kParseError, kIoError and
  // kLimitExceeded as for rule files (a path that is not a regular file,
  // such as a FIFO or a device, is kIoError naming it, before it is
  // opened).
  static StatusOr<World> load_file(const std::filesystem::path& path,
                                   const WorldOptions& options = {});
  static StatusOr<World> load_string(std::string_view json, std::string_view name,
                                     const WorldOptions& options = {});

  // The symptom id the client sees when the connection is played out.
  const std::string& symptom() const;
  // Free text from the file.
  const std::string& title() const;
  // The file's "expect" (for tests and drills); empty strings when absent.
  const std::string& expect_cause() const;
  const std::string& expect_layer() const;
  const std::string& expect_status() const;
  // Resource group, VM name, port, client and private IP, for fix commands.
  Context context() const;
  // An adapter answering every probe from this world. Never blocks.
  std::shared_ptr<ProbeAdapter> adapter() const;

 private:
  static StatusOr<World> from_model(
      StatusOr<std::shared_ptr<const internal::world::WorldModel>> model);
  std::shared_ptr<const internal::world::WorldModel> model_;
  std::string symptom_;
};

}  // namespace rdptriage

#endif  // RDPTRIAGE_WORLD_H_
