#include "rules/templates.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace rdptriage::internal {
namespace {

constexpr std::array<std::string_view, 2> kComputed = {"nsg_allow_priority", "nsg_allow_rule_name"};

bool lower_or_digit(char c) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) || c == '_';
}

// [a-z][a-z0-9_]*
bool is_word(std::string_view s) {
  return !s.empty() && std::islower(static_cast<unsigned char>(s.front())) &&
         std::all_of(s.begin(), s.end(), lower_or_digit);
}

// word(.segment)*(:word)? where a segment is [a-z0-9_]+
bool is_alternative(std::string_view s) {
  std::size_t colon = s.find(':');
  std::string_view head = s.substr(0, colon);
  if (colon != std::string_view::npos && !is_word(s.substr(colon + 1))) return false;
  std::size_t dot = head.find('.');
  if (!is_word(head.substr(0, dot))) return false;
  while (dot != std::string_view::npos) {
    head.remove_prefix(dot + 1);
    dot = head.find('.');
    std::string_view seg = head.substr(0, dot);
    if (seg.empty() || !std::all_of(seg.begin(), seg.end(), lower_or_digit)) return false;
  }
  return colon == std::string_view::npos || s.find('.') != std::string_view::npos;
}

// UTF-8 typographic quotes PowerShell treats as quotes.
int ps_quote_at(std::string_view t, std::size_t i, char* kind) {
  if (t[i] == '\'' || t[i] == '"') {
    *kind = t[i];
    return 1;
  }
  if (i + 2 < t.size() && static_cast<unsigned char>(t[i]) == 0xE2 &&
      static_cast<unsigned char>(t[i + 1]) == 0x80) {
    auto b = static_cast<unsigned char>(t[i + 2]);
    if (b >= 0x98 && b <= 0x9B) {
      *kind = '\'';
      return 3;
    }
    if (b >= 0x9C && b <= 0x9E) {
      *kind = '"';
      return 3;
    }
  }
  return 0;
}

}  // namespace

std::string PlaceholderName::short_name() const {
  if (!key.empty()) return key;
  if (!field.empty()) return field;
  std::size_t dot = probe.rfind('.');
  return dot == std::string::npos ? probe : probe.substr(dot + 1);
}

std::vector<PlaceholderRef> find_placeholders(std::string_view text) {
  std::vector<PlaceholderRef> out;
  std::size_t i = 0;
  while ((i = text.find('{', i)) != std::string_view::npos) {
    std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) break;
    std::string_view inner = text.substr(i + 1, close - i - 1);
    PlaceholderRef ref;
    ref.begin = i;
    ref.end = close + 1;
    bool ok = !inner.empty();
    while (ok) {
      std::size_t bar = inner.find('|');
      std::string_view alt = inner.substr(0, bar);
      if (!is_alternative(alt)) ok = false;
      ref.alternatives.emplace_back(alt);
      if (bar == std::string_view::npos) break;
      inner.remove_prefix(bar + 1);
    }
    if (ok) {
      out.push_back(std::move(ref));
      i = close + 1;
    } else {
      i = i + 1;
    }
  }
  return out;
}

PlaceholderName split_placeholder(std::string_view alternative) {
  PlaceholderName n;
  std::size_t colon = alternative.find(':');
  std::string_view head = alternative.substr(0, colon);
  if (colon != std::string_view::npos) n.field = std::string(alternative.substr(colon + 1));
  if (head.find('.') == std::string_view::npos)
    n.key = std::string(head);
  else
    n.probe = std::string(head);
  return n;
}

bool is_computed_placeholder(std::string_view name) {
  return std::find(kComputed.begin(), kComputed.end(), name) != kComputed.end();
}

const std::vector<std::string_view>& computed_placeholders() {
  static const std::vector<std::string_view> kList(kComputed.begin(), kComputed.end());
  return kList;
}

QuoteTracker::QuoteTracker(std::string_view shell)
    : shell_(shell == "powershell" ? Shell::kPowerShell
             : shell == "cmd"      ? Shell::kCmd
                                   : Shell::kBash),
      stack_{{'n', 0}} {}

QuoteState QuoteTracker::state() const {
  switch (stack_.back().kind) {
    case '\'':
      return QuoteState::kSingle;
    case '"':
      return QuoteState::kDouble;
    default:
      return QuoteState::kNone;
  }
}

void QuoteTracker::feed(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (escape_) {
      escape_ = false;
      ++i;
      continue;
    }
    switch (shell_) {
      case Shell::kBash:
        feed_bash(text, &i);
        break;
      case Shell::kPowerShell:
        feed_powershell(text, &i);
        break;
      case Shell::kCmd:
        feed_cmd(text, &i);
        break;
    }
  }
}

void QuoteTracker::feed_bash(std::string_view t, std::size_t* i) {
  Frame& top = stack_.back();
  const char c = t[*i];
  ++*i;
  if (top.kind == '\'') {
    if (c == '\'') stack_.pop_back();
    return;
  }
  if (top.kind == '"') {
    if (c == '\\') {
      // Only these are escapes inside double quotes; the rest is literal.
      if (*i < t.size() && std::string_view("$`\"\\\n").find(t[*i]) != std::string_view::npos)
        escape_ = true;
    } else if (c == '"') {
      stack_.pop_back();
    } else if (c == '$' && *i < t.size() && t[*i] == '(') {
      ++*i;
      stack_.push_back({'c', 1});
    }
    return;
  }
  if (c == '\\') {
    escape_ = true;
  } else if (c == '\'') {
    stack_.push_back({'\'', 0});
  } else if (c == '"') {
    stack_.push_back({'"', 0});
  } else if (top.kind == 'c' && c == '(') {
    ++top.parens;
  } else if (top.kind == 'c' && c == ')') {
    if (--top.parens == 0) stack_.pop_back();
  }
}

void QuoteTracker::feed_powershell(std::string_view t, std::size_t* i) {
  Frame& top = stack_.back();
  char quote = 0;
  const int quote_len = ps_quote_at(t, *i, &quote);
  if (top.kind == '\'') {
    if (quote == '\'') {
      *i += static_cast<std::size_t>(quote_len);
      char next = 0;
      if (*i < t.size() && ps_quote_at(t, *i, &next) > 0 && next == '\'')
        *i += static_cast<std::size_t>(ps_quote_at(t, *i, &next));  // doubled: a literal quote
      else
        stack_.pop_back();
      return;
    }
    ++*i;
    return;
  }
  if (top.kind == '"') {
    if (quote == '"') {
      *i += static_cast<std::size_t>(quote_len);
      char next = 0;
      if (*i < t.size() && ps_quote_at(t, *i, &next) > 0 && next == '"')
        *i += static_cast<std::size_t>(ps_quote_at(t, *i, &next));
      else
        stack_.pop_back();
      return;
    }
    const char c = t[*i];
    ++*i;
    if (c == '`') {
      escape_ = true;
    } else if (c == '$' && *i < t.size() && t[*i] == '(') {
      ++*i;
      stack_.push_back({'c', 1});
    }
    return;
  }
  if (quote != 0) {
    *i += static_cast<std::size_t>(quote_len);
    stack_.push_back({quote, 0});
    return;
  }
  const char c = t[*i];
  ++*i;
  if (c == '`') {
    escape_ = true;
  } else if (top.kind == 'c' && c == '(') {
    ++top.parens;
  } else if (top.kind == 'c' && c == ')') {
    if (--top.parens == 0) stack_.pop_back();
  }
}

void QuoteTracker::feed_cmd(std::string_view t, std::size_t* i) {
  const char c = t[*i];
  ++*i;
  if (stack_.back().kind == '"') {
    if (c == '"') stack_.pop_back();
    return;
  }
  if (c == '^')
    escape_ = true;
  else if (c == '"')
    stack_.push_back({'"', 0});
}

std::string bash_single_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string run_command_invocation(std::string_view quoted_script) {
  return "az vm run-command invoke --resource-group {resource_group} --name {vm} "
         "--command-id RunPowerShellScript --scripts " +
         std::string(quoted_script);
}

std::string run_command_template(std::string_view script) {
  return run_command_invocation(bash_single_quote(script));
}

std::vector<std::string> bash_double_quote_expansions(std::string_view command) {
  std::vector<std::string> out;
  QuoteTracker tracker("bash");
  for (std::size_t i = 0; i < command.size(); ++i) {
    if (tracker.state() == QuoteState::kDouble && (command[i] == '$' || command[i] == '`')) {
      // An escaped \$ was consumed by the tracker before reaching here only
      // when fed; check the preceding backslash explicitly.
      bool escaped = i > 0 && command[i - 1] == '\\';
      std::string_view rest = command.substr(i);
      bool expands =
          command[i] == '`' ||
          (rest.size() > 1 &&
           (std::isalpha(static_cast<unsigned char>(rest[1])) || rest[1] == '_' || rest[1] == '{' ||
            rest[1] == '(' || std::isdigit(static_cast<unsigned char>(rest[1])) ||
            std::string_view("?!#$*@-").find(rest[1]) != std::string_view::npos));
      bool intended_az = false;
      if (rest.starts_with("$(")) {
        std::string_view inner = rest.substr(2);
        while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
        intended_az = inner.starts_with("az ");
      }
      if (!escaped && expands && !intended_az) out.emplace_back(rest.substr(0, 24));
    }
    tracker.feed(command.substr(i, 1));
  }
  return out;
}

std::vector<std::string> bash_syntax_hazards(std::string_view command) {
  std::vector<std::string> out;
  bool single = false, dbl = false, escaped = false;
  int depth = 0;  // inside $( ), outside quotes
  bool word_start = true;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (escaped) {
      escaped = false;
      word_start = false;
      continue;
    }
    if (single) {
      single = c != '\'';
      continue;
    }
    if (dbl) {
      if (c == '\\') escaped = true;
      if (c == '"') dbl = false;
      continue;
    }
    const bool at_word_start = word_start;
    word_start = c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|';
    if (c == '\\') {
      escaped = true;
    } else if (c == '\'') {
      single = true;
    } else if (c == '"') {
      dbl = true;
    } else if (c == '#' && at_word_start) {
      break;  // a comment runs to the end
    } else if (c == '$' && i + 1 < command.size() && command[i + 1] == '(') {
      ++depth;
      ++i;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (c == '(' || c == ')') {
      out.emplace_back(command.substr(i, 24));
    } else if (c == '<' || c == '>') {
      out.emplace_back(command.substr(i, 24));
    }
  }
  return out;
}

}  // namespace rdptriage::internal
