// Internal: the text of command templates, shared by the rule loader (which
// checks them) and the fix renderer (which fills them in).
//
// A placeholder is `{alternative|alternative|...}`; each alternative is a
// context key (`{nsg}`), a computed value (`{nsg_allow_priority}`), a probe's
// answer (`{client.max_encryption_level}`) or a named field of a probe's
// answer (`{netwatch.ip_flow_inbound:nsg}`). The first alternative with a
// value is used. Braces around anything else (PowerShell script blocks,
// `'{0:u}' -f` format items, hashtables) are text.
//
// The quote trackers follow which quoting a position of a command sits in,
// so a value is quoted for exactly that spot (a resource group inside a
// double-quoted URL, a user name inside a single-quoted PowerShell string).
#ifndef RDPTRIAGE_LIB_RULES_TEMPLATES_H_
#define RDPTRIAGE_LIB_RULES_TEMPLATES_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rdptriage::internal {

struct PlaceholderRef {
  std::size_t begin = 0;  // offset of '{'
  std::size_t end = 0;    // one past '}'
  std::vector<std::string> alternatives;
};

// One alternative, split: `probe` is empty for context keys and computed
// values; `field` is empty unless the alternative names a field.
struct PlaceholderName {
  std::string key;    // context key or computed value name (no probe)
  std::string probe;  // probe id
  std::string field;  // field of that probe's answer
  // The short name shown to people and used in missing-value markers:
  // the key, the field, or the probe id's last segment.
  std::string short_name() const;
};

// Every placeholder in `text`, in order.
std::vector<PlaceholderRef> find_placeholders(std::string_view text);
PlaceholderName split_placeholder(std::string_view alternative);

// Computed values the fix renderer derives from the evidence.
bool is_computed_placeholder(std::string_view name);
const std::vector<std::string_view>& computed_placeholders();

enum class QuoteState { kNone, kSingle, kDouble };

// Follows the quoting of `shell` ("bash", "powershell", "cmd") through a
// command, one character at a time. Inside $( ) (bash) and $( ) in a
// PowerShell double-quoted string the state is kNone again.
class QuoteTracker {
 public:
  explicit QuoteTracker(std::string_view shell);
  // Consumes text that is part of the command, updating the state.
  void feed(std::string_view text);
  QuoteState state() const;

 private:
  struct Frame {
    char kind;  // 'n' top, 'c' command or subexpression, '\'' single, '"' double
    int parens;
  };
  enum class Shell { kBash, kPowerShell, kCmd };
  void feed_bash(std::string_view text, std::size_t* i);
  void feed_powershell(std::string_view text, std::size_t* i);
  void feed_cmd(std::string_view text, std::size_t* i);
  Shell shell_;
  std::vector<Frame> stack_;
  bool escape_ = false;  // the next character is escaped
};

// `text` as one bash single-quoted word: 'it'\''s'.
std::string bash_single_quote(std::string_view text);

// The bash command that hands `quoted_script` (already one bash word) to
// Run Command on the VM: az vm run-command invoke ... --scripts <word>.
std::string run_command_invocation(std::string_view quoted_script);
// The same with {resource_group} and {vm} left as placeholders and the
// script single-quoted, for showing a probe's test before it is rendered.
std::string run_command_template(std::string_view script);

// Places in a bash command where bash would expand something inside double
// quotes ($var, ${...}, $(...), `...`), other than an intended $(az ...):
// the PowerShell `$_` that bash eats. Returns a short excerpt of each.
std::vector<std::string> bash_double_quote_expansions(std::string_view command);

// Places where bash would read prose in a command as syntax: an unquoted
// < or > (a redirection: "<load balancer>") or a parenthesis outside $( )
// ("(open the URI)"). A # comment at the start of a word ends the scan.
// Returns a short excerpt of each.
std::vector<std::string> bash_syntax_hazards(std::string_view command);

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_RULES_TEMPLATES_H_
