#include "engine/render.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "rdptriage/triage.h"

namespace rdptriage {
namespace {

bool all_of(std::string_view s, bool (*pred)(unsigned char)) {
  return std::all_of(s.begin(), s.end(),
                     [&](char c) { return pred(static_cast<unsigned char>(c)); });
}

bool is_alnum(unsigned char c) { return std::isalnum(c) != 0; }
bool is_name_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; }
bool is_rg_char(unsigned char c) { return is_name_char(c) || c == '(' || c == ')'; }
bool is_hex(unsigned char c) { return std::isxdigit(c) != 0; }
bool is_lower_alnum(unsigned char c) { return std::islower(c) || std::isdigit(c); }
bool is_netbios_char(unsigned char c) { return std::isalnum(c) || c == '-'; }
bool is_printable(unsigned char c) { return c >= 0x20 && c != 0x7f; }

Status invalid(std::string_view key, std::string_view value, std::string_view why) {
  std::string shown(value.substr(0, 64));
  for (char& c : shown)
    if (!is_printable(static_cast<unsigned char>(c))) c = '?';
  return Status(ErrorCode::kInvalidArgument,
                "context." + std::string(key) + ": \"" + shown + "\" " + std::string(why));
}

bool parse_uint(std::string_view s, unsigned max, unsigned* out) {
  if (s.empty() || s.size() > 10 ||
      !all_of(s, [](unsigned char c) { return std::isdigit(c) != 0; }))
    return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

bool is_ipv4(std::string_view s) {
  int parts = 0;
  while (true) {
    std::size_t dot = s.find('.');
    std::string_view part = s.substr(0, dot);
    unsigned v;
    if (part.empty() || part.size() > 3 || !parse_uint(part, 255, &v)) return false;
    if (part.size() > 1 && part[0] == '0') return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool is_ipv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  int groups = 0;
  bool gap = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 2) == "::") {
      if (gap) return false;
      gap = true;
      i += 2;
      continue;
    }
    std::size_t end = s.find(':', i);
    std::string_view g = s.substr(i, end == std::string_view::npos ? end : end - i);
    if (g.empty() || g.size() > 4 || !all_of(g, is_hex)) return false;
    ++groups;
    if (end == std::string_view::npos) break;
    i = end + (s.substr(end, 2) == "::" ? 0 : 1);
  }
  return gap ? groups < 8 : groups == 8;
}

bool is_ip(std::string_view s) { return is_ipv4(s) || is_ipv6(s); }

bool is_guid(std::string_view s) {
  static constexpr std::array<std::size_t, 5> kGroups = {8, 4, 4, 4, 12};
  for (std::size_t i = 0; i < kGroups.size(); ++i) {
    std::string_view g = s.substr(0, kGroups[i]);
    if (g.size() != kGroups[i] || !all_of(g, is_hex)) return false;
    s.remove_prefix(kGroups[i]);
    if (i + 1 < kGroups.size()) {
      if (s.empty() || s[0] != '-') return false;
      s.remove_prefix(1);
    }
  }
  return s.empty();
}

// Azure resource names for NICs, NSGs and VMs: letters, digits, '_', '.',
// '-'; start with a letter or digit; end with a letter, digit or '_'.
Status check_resource_name(std::string_view key, std::string_view v, std::size_t max) {
  if (v.empty() || v.size() > max)
    return invalid(key, v, "must be 1 to " + std::to_string(max) + " characters");
  if (!all_of(v, is_name_char) || !is_alnum(static_cast<unsigned char>(v.front())) ||
      !(is_alnum(static_cast<unsigned char>(v.back())) || v.back() == '_'))
    return invalid(key, v,
                   "is not a valid Azure resource name (letters, digits, '_', '.', '-'; "
                   "starts with a letter or digit, ends with a letter, digit or '_')");
  return Status();
}

Status check_source_prefix(std::string_view v) {
  static constexpr std::array<std::string_view, 5> kEverywhere = {"*", "0.0.0.0/0", "internet",
                                                                  "any", "::/0"};
  std::string lower(v);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view e : kEverywhere)
    if (lower == e)
      return invalid("source_prefix", v,
                     "would open RDP to every address; scope it to your own address or range, "
                     "or use Azure Bastion");
  std::size_t slash = v.find('/');
  std::string_view addr = v.substr(0, slash);
  if (!is_ip(addr)) return invalid("source_prefix", v, "is not an IP address or CIDR prefix");
  if (slash != std::string_view::npos) {
    unsigned bits;
    unsigned max = is_ipv4(addr) ? 32 : 128;
    if (!parse_uint(v.substr(slash + 1), max, &bits) || bits == 0)
      return invalid("source_prefix", v, "has an invalid prefix length");
  }
  return Status();
}

}  // namespace

Status validate_context_value(std::string_view key, std::string_view v) {
  if (key == "subscription")
    return is_guid(v) ? Status() : invalid(key, v, "is not a subscription id (a GUID)");
  if (key == "resource_group") {
    if (v.empty() || v.size() > 90 || !all_of(v, is_rg_char) || v.back() == '.')
      return invalid(key, v,
                     "is not a valid resource group name (1-90 letters, digits, '_', '-', '.', "
                     "'(', ')'; not ending in '.')");
    return Status();
  }
  if (key == "vm") return check_resource_name(key, v, 64);
  if (key == "nic" || key == "nsg") return check_resource_name(key, v, 80);
  if (key == "port") {
    unsigned port;
    return parse_uint(v, 65535, &port) && port > 0 ? Status()
                                                   : invalid(key, v, "is not a port 1-65535");
  }
  if (key == "source_prefix") return check_source_prefix(v);
  if (key == "client_ip" || key == "private_ip" || key == "public_ip")
    return is_ip(v) ? Status() : invalid(key, v, "is not an IP address");
  if (key == "username") {
    if (v.empty() || v.size() > 20 || !all_of(v, is_name_char) ||
        !is_alnum(static_cast<unsigned char>(v.front())))
      return invalid(key, v,
                     "is not a user name rdptriage will render (1-20 letters, digits, '_', '.', "
                     "'-')");
    return Status();
  }
  if (key == "location")
    return !v.empty() && v.size() <= 40 && all_of(v, is_lower_alnum)
               ? Status()
               : invalid(key, v, "is not an Azure region name (lower-case letters and digits)");
  if (key == "computer_name")
    return !v.empty() && v.size() <= 15 && all_of(v, is_netbios_char)
               ? Status()
               : invalid(key, v, "is not a Windows computer name (1-15 letters, digits, '-')");
  if (v.size() > 256 || !all_of(v, is_printable))
    return invalid(key, v, "holds control characters or is longer than 256 characters");
  return Status();
}

std::string quote_for_shell(std::string_view shell, std::string_view value) {
  auto plain = [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':' ||
           c == ',' || c == '@' || c == '+' || c == '=';
  };
  if (!value.empty() && std::all_of(value.begin(), value.end(),
                                    [&](char c) { return plain(static_cast<unsigned char>(c)); }))
    return std::string(value);
  if (shell == "powershell") {
    // Single-quoted strings expand nothing; a quote is escaped by doubling,
    // and PowerShell also treats the typographic single quotes as quotes.
    std::string out = "'";
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string_view rest = value.substr(i);
      if (rest.starts_with("\xE2\x80\x98") || rest.starts_with("\xE2\x80\x99") ||
          rest.starts_with("\xE2\x80\x9A") || rest.starts_with("\xE2\x80\x9B")) {
        out.append(rest.substr(0, 3)).append(rest.substr(0, 3));
        i += 2;
        continue;
      }
      if (value[i] == '\'') out += '\'';
      out += value[i];
    }
    return out + "'";
  }
  if (shell == "cmd") {
    // cmd.exe expands %VAR% and !VAR! even inside quotes and has no way to
    // escape a quote there: anything beyond plain characters is refused.
    return "<unsafe-value>";
  }
  // POSIX shells: single quotes expand nothing; end, escape, reopen for '.
  std::string out = "'";
  for (char c : value) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

namespace internal {

Status validate_context(const Context& context) {
  for (const auto& [key, value] : context) {
    Status s = validate_context_value(key, value);
    if (!s.ok()) return s;
  }
  return Status();
}

std::string render_template(std::string_view text, std::string_view shell, const Context& context) {
  std::string out;
  out.reserve(text.size() + 32);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    std::size_t close = text.find('}', open + 1);
    if (close == std::string_view::npos) break;
    std::string_view key = text.substr(open + 1, close - open - 1);
    bool is_key = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::islower(static_cast<unsigned char>(c)) || c == '_';
    });
    out.append(text.substr(i, open - i));
    if (!is_key) {
      out.append(text.substr(open, close - open + 1));
    } else {
      auto it = context.find(key);
      if (it != context.end() && validate_context_value(key, it->second).ok())
        out += shell.empty() ? it->second : quote_for_shell(shell, it->second);
      else
        out += "<" + std::string(key) + ">";
    }
    i = close + 1;
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace internal
}  // namespace rdptriage
