// Internal: fills {placeholders} in command templates, validating every
// value and quoting it for the exact spot it lands in (a bare word, a
// single- or double-quoted string of bash, PowerShell or cmd).
#ifndef RDPTRIAGE_LIB_ENGINE_RENDER_H_
#define RDPTRIAGE_LIB_ENGINE_RENDER_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/probe.h"
#include "rdptriage/status.h"
#include "rules/templates.h"

namespace rdptriage::internal {

// Validates every known key of `context` (first failure wins, naming the key).
Status validate_context(const Context& context);

// Validates a value of a named kind: a context key ("nsg", "resource_group",
// "port", ...), or "azure_name", "integer", "ip", "text".
Status validate_kind(std::string_view kind, std::string_view value);

// The raw value of one placeholder alternative, already validated, or
// nullopt when there is none.
using PlaceholderLookup = std::function<std::optional<std::string>(const PlaceholderName&)>;

struct RenderedText {
  std::string text;
  // Placeholders no alternative could fill, by their first alternative,
  // each once.
  std::vector<PlaceholderName> missing;
};

// How a value no alternative can give is written.
enum class MissingStyle {
  kShell,     // the shell's own form that parses but never runs (see below)
  kSentinel,  // "\x01name\x02", for the caller to replace (Run Command scripts)
};

// Replaces each placeholder in `text` for `shell` ("bash", "powershell",
// "cmd"; empty: prose, no quoting). A missing value is written so that the
// command parses but cannot run by accident:
//   bash        ${RDPTRIAGE_MISSING_nsg:?}   bash refuses to run the command
//   powershell  $(throw 'rdptriage: nsg is missing')
//   cmd         <nsg>                        cmd fails on the redirection first
//   prose       <nsg>
RenderedText render_with(std::string_view text, std::string_view shell,
                         const PlaceholderLookup& lookup,
                         MissingStyle style = MissingStyle::kShell);

// render_with() over the context keys only (probe how-texts, explanations).
std::string render_template(std::string_view text, std::string_view shell, const Context& context);

// The bash marker for a missing value: ${RDPTRIAGE_MISSING_<name>:?}.
std::string bash_missing_marker(std::string_view short_name);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_ENGINE_RENDER_H_
