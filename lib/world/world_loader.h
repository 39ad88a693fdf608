// Internal: parses and validates a world file into a WorldModel. Every
// problem is reported (JSON path, line, column); nothing is guessed.
#ifndef RDPTRIAGE_LIB_WORLD_WORLD_LOADER_H_
#define RDPTRIAGE_LIB_WORLD_WORLD_LOADER_H_

#include "json/json_document.h"
#include "rdptriage/status.h"
#include "world/world_model.h"

namespace rdptriage::internal::world {

StatusOr<WorldModel> build_world(const JsonDocument& doc);

}  // namespace rdptriage::internal::world

#endif  // RDPTRIAGE_LIB_WORLD_WORLD_LOADER_H_
