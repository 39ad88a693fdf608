// Internal: fills {placeholders} in command templates from the evaluation
// context, validating and shell-quoting every value.
#ifndef RDPTRIAGE_LIB_ENGINE_RENDER_H_
#define RDPTRIAGE_LIB_ENGINE_RENDER_H_

#include <string>
#include <string_view>

#include "rdptriage/probe.h"
#include "rdptriage/status.h"

namespace rdptriage::internal {

// Validates every known key of `context` (first failure wins, naming the key).
Status validate_context(const Context& context);

// Replaces each {name} in `text` with the context value quoted for `shell`
// ("bash", "powershell", "cmd"; empty: no quoting, for prose). A key with no
// value (or one that fails validation) renders as <name>, so a copied
// command fails loudly instead of acting on a wrong target.
std::string render_template(std::string_view text, std::string_view shell, const Context& context);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_RENDER_H_
