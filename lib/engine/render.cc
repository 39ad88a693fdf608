#include "engine/render.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <vector>

#include "rdptriage/triage.h"
#include "rules/templates.h"

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

// The shortest prefixes an RDP allow rule may name. An IPv4 /8 is 16.7
// million addresses, already more than any one organisation's range; a /1 is
// half the internet. IPv6 /32 is a whole ISP allocation.
constexpr unsigned kMinIpv4PrefixBits = 8;
constexpr unsigned kMinIpv6PrefixBits = 32;

// An IPv4 address or prefix as a 32-bit number.
std::uint32_t ipv4_number(std::string_view s) {
  std::uint32_t out = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = s.find('.');
    unsigned part = 0;
    parse_uint(s.substr(0, dot), 255, &part);
    out = (out << 8) | part;
    s.remove_prefix(dot == std::string_view::npos ? s.size() : dot + 1);
  }
  return out;
}

// An IPv6 address (is_ipv6() holds) as 16 bytes.
std::array<std::uint8_t, 16> ipv6_bytes(std::string_view s) {
  std::vector<std::uint16_t> head, tail;
  std::vector<std::uint16_t>* groups = &head;
  for (std::size_t i = 0; i < s.size();) {
    if (s.substr(i, 2) == "::") {
      groups = &tail;
      i += 2;
      continue;
    }
    std::size_t end = s.find(':', i);
    std::string_view g = s.substr(i, end == std::string_view::npos ? end : end - i);
    unsigned v = 0;
    std::from_chars(g.data(), g.data() + g.size(), v, 16);
    groups->push_back(static_cast<std::uint16_t>(v));
    if (end == std::string_view::npos) break;
    i = end + (s.substr(end, 2) == "::" ? 0 : 1);
  }
  std::array<std::uint16_t, 8> all{};
  std::copy(head.begin(), head.end(), all.begin());
  std::copy(tail.begin(), tail.end(), all.end() - static_cast<std::ptrdiff_t>(tail.size()));
  std::array<std::uint8_t, 16> out{};
  for (std::size_t k = 0; k < 8; ++k) {
    out[2 * k] = static_cast<std::uint8_t>(all[k] >> 8);
    out[2 * k + 1] = static_cast<std::uint8_t>(all[k] & 0xff);
  }
  return out;
}

// Whether the first `bits` bits of `a` and `b` agree.
bool same_prefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                 unsigned bits) {
  for (unsigned i = 0; i < bits; ++i) {
    const unsigned byte = i / 8, bit = 7 - i % 8;
    if (((a[byte] >> bit) & 1) != ((b[byte] >> bit) & 1)) return false;
  }
  return true;
}

// The IPv6 /96 ranges whose last 32 bits are an IPv4 address, so that a
// prefix over them is an IPv4 range: IPv4-mapped (::ffff:0:0/96, how a
// dual-stack socket shows an IPv4 client), NAT64 (64:ff9b::/96, RFC 6052)
// and the deprecated IPv4-compatible form (::/96).
constexpr std::array<std::string_view, 3> kIpv4InIpv6 = {"::ffff:0:0", "64:ff9b::", "::"};

constexpr std::string_view kScopeIt =
    "; scope it to your own address or range, or use Azure Bastion";

Status too_broad(std::string_view v, std::string_view what) {
  return invalid("source_prefix", v,
                 "is too broad: " + std::string(what) +
                     ", so an RDP allow rule for it is as good as open to everyone" +
                     std::string(kScopeIt));
}

// An IPv4 range (address `a`, `bits` long) as a source of RDP: not in
// 0.0.0.0/8 ("this network": no client's address, and the unspecified
// 0.0.0.0 that tools read as "any"), not shorter than kMinIpv4PrefixBits.
// `written_as` says how it was given when that was not IPv4.
Status check_ipv4_range(std::string_view v, std::uint32_t a, unsigned bits,
                        std::string_view written_as) {
  if (bits < kMinIpv4PrefixBits)
    return too_broad(v, "a prefix shorter than /" + std::to_string(kMinIpv4PrefixBits) + " (IPv4)" +
                            std::string(written_as) + " covers a large share of the internet");
  if ((a >> 24) == 0)
    return invalid("source_prefix", v,
                   "is in 0.0.0.0/8" + std::string(written_as) +
                       ", \"this network\" (RFC 1122): no client connects from it, and "
                       "0.0.0.0 is read as \"any\" by some tools" +
                       std::string(kScopeIt));
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
  const bool v4 = is_ipv4(addr);
  const unsigned max = v4 ? 32 : 128;
  unsigned bits = max;  // an address alone is one address
  if (slash != std::string_view::npos && !parse_uint(v.substr(slash + 1), max, &bits))
    return invalid("source_prefix", v, "has an invalid prefix length");
  if (v4) return check_ipv4_range(v, ipv4_number(addr), bits, "");

  const std::array<std::uint8_t, 16> a = ipv6_bytes(addr);
  if (std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; }) && bits >= 96)
    return invalid("source_prefix", v,
                   "is the unspecified address (::), no client's address and read as \"any\" "
                   "by some tools" +
                       std::string(kScopeIt));
  for (std::string_view embedding : kIpv4InIpv6) {
    const std::array<std::uint8_t, 16> e = ipv6_bytes(embedding);
    if (bits < 96 && same_prefix(a, e, bits))
      return too_broad(v, "it contains " + std::string(embedding) +
                              "/96, where every IPv4 address has an IPv6 form");
    if (bits >= 96 && same_prefix(a, e, 96)) {
      const std::uint32_t a4 = (std::uint32_t{a[12]} << 24) | (std::uint32_t{a[13]} << 16) |
                               (std::uint32_t{a[14]} << 8) | a[15];
      return check_ipv4_range(v, a4, bits - 96,
                              " once read as the IPv4 range it stands for (" +
                                  std::string(embedding) + "/96 embeds IPv4)");
    }
  }
  if (bits < kMinIpv6PrefixBits)
    return too_broad(v, "a prefix shorter than /" + std::to_string(kMinIpv6PrefixBits) +
                            " (IPv6) covers a large share of the internet");
  return Status();
}

}  // namespace

Status validate_context_value(std::string_view key, std::string_view v) {
  if (key == "subscription")
    return is_guid(v) ? Status() : invalid(key, v, "is not a subscription id (a GUID)");
  if (!v.empty() && v.front() == '-' &&
      (key == "resource_group" || key == "computer_name" || key == "vm" || key == "nsg" ||
       key == "nic" || key == "username" || key == "location" || key == "source_vm"))
    return invalid(key, v,
                   "starts with '-', which a command would read as an option (argument "
                   "injection); Azure names never start with '-'");
  if (key == "resource_group") {
    if (v.empty() || v.size() > 90 || !all_of(v, is_rg_char) || v.back() == '.')
      return invalid(key, v,
                     "is not a valid resource group name (1-90 letters, digits, '_', '-', '.', "
                     "'(', ')'; not ending in '.')");
    return Status();
  }
  if (key == "vm" || key == "source_vm") return check_resource_name(key, v, 64);
  if (key == "new_vm_size") {
    if (v.size() < 3 || v.size() > 64 ||
        !all_of(v, [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; }) ||
        !(v.starts_with("Standard_") || v.starts_with("Basic_")))
      return invalid(key, v, "is not a VM size like Standard_D4s_v5");
    return Status();
  }
  if (key == "new_os_disk_size_gb") {
    unsigned gb;
    return parse_uint(v, 4095, &gb) && gb > 0
               ? Status()
               : invalid(key, v, "is not an OS disk size in GiB (1 to 4095)");
  }
  if (key == "domain_admin") {
    std::size_t sep = v.find_first_of("\\@");
    auto part_ok = [](std::string_view p) {
      return !p.empty() && p.size() <= 64 && all_of(p, is_name_char) &&
             is_alnum(static_cast<unsigned char>(p.front()));
    };
    bool ok = sep == std::string_view::npos
                  ? part_ok(v)
                  : part_ok(v.substr(0, sep)) && part_ok(v.substr(sep + 1)) &&
                        v.find_first_of("\\@", sep + 1) == std::string_view::npos;
    return ok ? Status()
              : invalid(key, v, "is not an account name like CONTOSO\\admin or admin@contoso.com");
  }
  if (key == "new_password")
    return invalid(key, "(hidden)",
                   "is refused: rdptriage never writes a password into a command or report; "
                   "type it where the command shows the placeholder");
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
  // Characters that are one plain word in every supported shell: no
  // quoting, expansion, globbing, separators or (at the start) options.
  //   bash: also , @ + = : / are plain.
  //   PowerShell: ',' builds an array and '@' starts a splat or here-string.
  //   cmd: ',' ';' '=' separate arguments like spaces.
  auto plain = [&](unsigned char c) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':' || c == '+')
      return true;
    if (c == ',' || c == '@') return shell == "bash";
    if (c == '=') return shell != "cmd";
    return false;
  };
  const bool leading_dash = !value.empty() && value.front() == '-';
  if (!value.empty() && !(leading_dash && shell == "powershell") &&
      std::all_of(value.begin(), value.end(),
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
    // Inside double quotes cmd.exe takes & | < > ( ) , ; = ^ and spaces
    // literally, but it still expands %VAR% (and !VAR! with delayed
    // expansion) and cannot escape a quote: those values are refused with
    // a redirection cmd fails on before running anything.
    bool quotable = std::all_of(value.begin(), value.end(), [](char c) {
      auto u = static_cast<unsigned char>(c);
      return u >= 0x20 && u != 0x7f && c != '"' && c != '%' && c != '!';
    });
    return quotable ? "\"" + std::string(value) + "\"" : "<unsafe-value>";
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
namespace {

std::string variable_name(std::string_view short_name) {
  std::string out = "RDPTRIAGE_MISSING_";
  for (char c : short_name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

std::string missing_marker(std::string_view shell, QuoteState state, std::string_view name) {
  if (shell == "bash") {
    std::string guard = bash_missing_marker(name);
    if (state == QuoteState::kDouble) return "\"" + guard + "\"";
    if (state == QuoteState::kSingle) return "'" + guard + "'";
    return guard;
  }
  if (shell == "powershell" && state != QuoteState::kSingle)
    return "$(throw 'rdptriage: " + std::string(name) + " is missing')";
  if (shell == "cmd" && state == QuoteState::kDouble) return "\"<" + std::string(name) + ">\"";
  return "<" + std::string(name) + ">";
}

bool is_ps_quote(std::string_view rest, char kind) {
  if (rest.empty()) return false;
  if (rest.front() == kind) return true;
  if (rest.size() < 3 || static_cast<unsigned char>(rest[0]) != 0xE2 ||
      static_cast<unsigned char>(rest[1]) != 0x80)
    return false;
  auto b = static_cast<unsigned char>(rest[2]);
  return kind == '\'' ? (b >= 0x98 && b <= 0x9B) : (b >= 0x9C && b <= 0x9E);
}

std::string quote_in_context(std::string_view shell, QuoteState state, std::string_view v) {
  if (shell.empty()) return std::string(v);
  if (state == QuoteState::kNone) return quote_for_shell(shell, v);
  if (shell == "bash") {
    if (quote_for_shell("bash", v) == v) return std::string(v);
    // Close the quote, add the value as its own single-quoted word, reopen:
    // bash joins adjacent words, and single quotes expand nothing.
    return state == QuoteState::kDouble ? "\"" + bash_single_quote(v) + "\""
                                        : "'" + bash_single_quote(v) + "'";
  }
  if (shell == "powershell") {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      std::string_view rest = v.substr(i);
      std::size_t len = static_cast<unsigned char>(v[i]) == 0xE2 && rest.size() >= 3 ? 3 : 1;
      if (state == QuoteState::kSingle && is_ps_quote(rest, '\'')) {
        out.append(rest.substr(0, len)).append(rest.substr(0, len));  // doubled: literal
      } else if (state == QuoteState::kDouble &&
                 (v[i] == '`' || v[i] == '$' || is_ps_quote(rest, '"'))) {
        out += '`';
        out.append(rest.substr(0, len));
      } else {
        out.append(rest.substr(0, len));
      }
      i += len - 1;
    }
    return out;
  }
  // cmd inside double quotes: everything but a quote and %/! expansions is literal.
  bool safe = std::all_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u != 0x7f && c != '"' && c != '%' && c != '!';
  });
  return safe ? std::string(v) : "<unsafe-value>";
}

}  // namespace

std::string bash_missing_marker(std::string_view short_name) {
  return "${" + variable_name(short_name) + ":?}";
}

Status validate_context(const Context& context) {
  for (const auto& [key, value] : context) {
    Status s = validate_context_value(key, value);
    if (!s.ok()) return s;
  }
  return Status();
}

Status validate_kind(std::string_view kind, std::string_view value) {
  if (kind == "azure_name") {
    if (!value.empty() && value.front() == '-')
      return invalid(kind, value, "starts with '-', which a command would read as an option");
    return check_resource_name(kind, value, 80);
  }
  if (kind == "integer") {
    unsigned n;
    return parse_uint(value, 4294967295u, &n) ? Status() : invalid(kind, value, "is not a number");
  }
  if (kind == "ip") return is_ip(value) ? Status() : invalid(kind, value, "is not an IP address");
  if (kind == "text" || kind.empty()) {
    if (!value.empty() && value.front() == '-')
      return invalid(kind, value, "starts with '-', which a command would read as an option");
    if (value.empty() || value.size() > 256 || !all_of(value, is_printable))
      return invalid(kind, value, "is empty, too long or holds control characters");
    return Status();
  }
  return validate_context_value(kind, value);
}

RenderedText render_with(std::string_view text, std::string_view shell,
                         const PlaceholderLookup& lookup, MissingStyle style) {
  RenderedText out;
  out.text.reserve(text.size() + 32);
  QuoteTracker tracker(shell.empty() ? "bash" : shell);
  std::size_t at = 0;
  for (const PlaceholderRef& ref : find_placeholders(text)) {
    std::string_view before = text.substr(at, ref.begin - at);
    out.text.append(before);
    tracker.feed(before);
    std::optional<std::string> value;
    for (const std::string& alt : ref.alternatives) {
      value = lookup(split_placeholder(alt));
      if (value) break;
    }
    if (value) {
      out.text += quote_in_context(shell, tracker.state(), *value);
    } else {
      PlaceholderName first = split_placeholder(ref.alternatives.front());
      const std::string name = first.short_name();
      out.text += style == MissingStyle::kSentinel && !shell.empty()
                      ? "\x01" + name + "\x02"
                      : missing_marker(shell, tracker.state(), name);
      bool seen = std::any_of(out.missing.begin(), out.missing.end(),
                              [&](const PlaceholderName& m) { return m.short_name() == name; });
      if (!seen) out.missing.push_back(std::move(first));
    }
    at = ref.end;
  }
  out.text.append(text.substr(at));
  return out;
}

std::string render_template(std::string_view text, std::string_view shell, const Context& context) {
  return render_with(text, shell,
                     [&](const PlaceholderName& n) -> std::optional<std::string> {
                       if (n.key.empty()) return std::nullopt;
                       auto it = context.find(n.key);
                       if (it == context.end() || !validate_context_value(n.key, it->second).ok())
                         return std::nullopt;
                       return it->second;
                     })
      .text;
}

}  // namespace internal
}  // namespace rdptriage
