// Values substituted into commands: validated for their kind, then quoted so
// that a hostile value can never become a second command.
#include "engine/render.h"

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "rdptriage/triage.h"

namespace rdptriage {
namespace {

const std::array<const char*, 12> kHostile = {"x'; touch /tmp/pwned; echo '",
                                              "$(touch /tmp/pwned)",
                                              "`touch /tmp/pwned`",
                                              "a\nb",
                                              "a;b",
                                              "a && b",
                                              "a|b",
                                              "\"quoted\"",
                                              "it's",
                                              "${HOME}",
                                              "a b\tc",
                                              "\xE2\x80\x99; touch /tmp/pwned"};

// Runs `script` with bash and returns its stdout.
std::string run_bash(const std::string& script) {
  // One file per process: ctest -j runs this file's test cases at once.
  const std::string path = "/tmp/rdptriage_quote_test." + std::to_string(::getpid()) + ".sh";
  {
    std::ofstream f(path);
    f << script;
  }
  std::string out;
  if (FILE* p = popen(("bash " + path).c_str(), "r")) {
    char buf[256];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::remove(path.c_str());
  return out;
}

TEST_CASE("bash quoting keeps every hostile value one inert word") {
  std::remove("/tmp/pwned");
  for (const char* value : kHostile) {
    std::string quoted = quote_for_shell("bash", value);
    // printf receives exactly one argument and prints it back unchanged.
    std::string out = run_bash("printf '%s|' " + quoted + "\n");
    CHECK(out == std::string(value) + "|");
  }
  std::ifstream pwned("/tmp/pwned");
  CHECK_FALSE(pwned.good());
}

TEST_CASE("plain values are left readable") {
  CHECK(quote_for_shell("bash", "myResourceGroup") == "myResourceGroup");
  CHECK(quote_for_shell("bash", "203.0.113.0/24") == "203.0.113.0/24");
  CHECK(quote_for_shell("powershell", "web01") == "web01");
}

TEST_CASE("powershell quoting doubles every kind of single quote") {
  CHECK(quote_for_shell("powershell", "it's") == "'it''s'");
  CHECK(quote_for_shell("powershell", "$(calc)") == "'$(calc)'");
  CHECK(quote_for_shell("powershell",
                        "a\xE2\x80\x99"
                        "b") ==
        "'a\xE2\x80\x99\xE2\x80\x99"
        "b'");
}

TEST_CASE("cmd quotes what its separators would split and refuses what it cannot quote") {
  CHECK(quote_for_shell("cmd", "plain-name") == "plain-name");
  // Issue #14: ',' and '=' split cmd arguments like spaces.
  CHECK(quote_for_shell("cmd", "a,b") == "\"a,b\"");
  CHECK(quote_for_shell("cmd", "a=b") == "\"a=b\"");
  CHECK(quote_for_shell("cmd", "a&b") == "\"a&b\"");
  CHECK(quote_for_shell("cmd", "%PATH%") == "<unsafe-value>");
  CHECK(quote_for_shell("cmd", "!x!") == "<unsafe-value>");
  CHECK(quote_for_shell("cmd", "say \"hi\"") == "<unsafe-value>");
}

TEST_CASE("powershell quotes the array comma, the splat @ and a leading dash") {
  // Issue #14: a,b is an array and @x a splat in PowerShell's argument mode.
  CHECK(quote_for_shell("powershell", "a,b") == "'a,b'");
  CHECK(quote_for_shell("powershell", "@x") == "'@x'");
  CHECK(quote_for_shell("powershell", "-Force") == "'-Force'");
  CHECK(quote_for_shell("powershell", "a=b") == "a=b");
  CHECK(quote_for_shell("bash", "a,b@c") == "a,b@c");
}

TEST_CASE("context values are validated for their kind") {
  CHECK(validate_context_value("resource_group", "prod-rg_1(eu).x").ok());
  CHECK_FALSE(validate_context_value("resource_group", "ends.with.dot.").ok());
  CHECK_FALSE(validate_context_value("resource_group", std::string(91, 'a')).ok());
  CHECK(validate_context_value("vm", "web01").ok());
  CHECK_FALSE(validate_context_value("vm", "-leading").ok());
  CHECK_FALSE(validate_context_value("vm", "web01;reboot").ok());
  CHECK(validate_context_value("subscription", "0b1f6471-1bf0-4dda-aec3-cb9272f09590").ok());
  CHECK_FALSE(validate_context_value("subscription", "not-a-guid").ok());
  CHECK(validate_context_value("port", "3389").ok());
  CHECK_FALSE(validate_context_value("port", "0").ok());
  CHECK_FALSE(validate_context_value("port", "70000").ok());
  CHECK_FALSE(validate_context_value("port", "33 89").ok());
  CHECK(validate_context_value("source_prefix", "203.0.113.0/24").ok());
  CHECK(validate_context_value("source_prefix", "203.0.113.7").ok());
  CHECK_FALSE(validate_context_value("source_prefix", "203.0.113.0/33").ok());
  CHECK(validate_context_value("client_ip", "2001:db8::1").ok());
  CHECK_FALSE(validate_context_value("client_ip", "256.1.1.1").ok());
  CHECK_FALSE(validate_context_value("client_ip", "01.1.1.1").ok());
  CHECK(validate_context_value("username", "azureadmin").ok());
  CHECK_FALSE(validate_context_value("username", "admin'; drop").ok());
  CHECK(validate_context_value("location", "westeurope").ok());
  CHECK_FALSE(validate_context_value("location", "West Europe").ok());
  CHECK_FALSE(validate_context_value("custom_extra", "line\nbreak").ok());
}

TEST_CASE("never renders an allow rule for every source") {
  for (const char* everywhere : {"*", "0.0.0.0/0", "Internet", "ANY", "::/0"}) {
    Status s = validate_context_value("source_prefix", everywhere);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("Bastion"));
  }
}

TEST_CASE("refuses source prefixes that cover a large share of the internet") {
  // Issue #14: /1 halves of the internet passed the /0-only guard.
  for (const char* broad :
       {"0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/7", "::/1", "2000::/3", "2001:db8::/31"}) {
    INFO(broad);
    Status s = validate_context_value("source_prefix", broad);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("too broad"));
  }
  CHECK(validate_context_value("source_prefix", "10.0.0.0/8").ok());
  CHECK(validate_context_value("source_prefix", "2001:db8::/32").ok());
  CHECK(validate_context_value("source_prefix", "203.0.113.10/32").ok());
}

TEST_CASE("refuses the unspecified address, this network and IPv4 in IPv6 forms") {
  // Audit of issue #14: 0.0.0.0 and :: without a prefix, 0.0.0.0/8, and
  // IPv6 prefixes over the IPv4-mapped range passed the /N guard.
  for (const char* nowhere :
       {"0.0.0.0", "0.0.0.0/8", "0.0.0.0/32", "0.1.2.3", "0.255.0.0/16", "::", "::/128", "::/96",
        "::ffff:0:0/96", "64:ff9b::/96", "::ffff:0:0/100", "::1"}) {
    INFO(nowhere);
    Status s = validate_context_value("source_prefix", nowhere);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("Bastion"));
  }
  // Every IPv6 prefix that holds a whole IPv4-in-IPv6 /96 is all of IPv4.
  for (const char* whole_ipv4 : {"::/32", "::/64", "::/80", "::ffff:0:0/95", "::ffff:0:0/88",
                                 "64:ff9b::/32", "64:ff9b::/64"}) {
    INFO(whole_ipv4);
    Status s = validate_context_value("source_prefix", whole_ipv4);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("too broad"));
    CHECK_THAT(s.message(), Catch::Contains("/96"));
  }
  // An IPv4 range in IPv6 form gets the IPv4 minimum: /8 is /104.
  for (const char* broad :
       {"::ffff:8000:0/97", "::ffff:800:0/100", "::ffff:a00:0/103", "64:ff9b::800:0/100"}) {
    INFO(broad);
    Status s = validate_context_value("source_prefix", broad);
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("too broad"));
  }
  CHECK(validate_context_value("source_prefix", "::ffff:a00:0/104").ok());        // 10.0.0.0/8
  CHECK(validate_context_value("source_prefix", "::ffff:cb00:710a").ok());        // one address
  CHECK(validate_context_value("source_prefix", "64:ff9b::cb00:7100/120").ok());  // a /24
  CHECK(validate_context_value("source_prefix", "1.0.0.0/8").ok());
  CHECK(validate_context_value("source_prefix", "2001:db8::1").ok());
  CHECK(validate_context_value("source_prefix", "2001:db8:ffff::/48").ok());
  // Ranges wider than the minimum are refused whatever the address bits.
  for (unsigned bits = 0; bits < 8; ++bits) {
    const std::string p = "203.0.113.0/" + std::to_string(bits);
    INFO(p);
    CHECK_FALSE(validate_context_value("source_prefix", p).ok());
  }
  for (unsigned bits = 0; bits < 32; ++bits) {
    const std::string p = "2001:db8::/" + std::to_string(bits);
    INFO(p);
    CHECK_FALSE(validate_context_value("source_prefix", p).ok());
  }
}

TEST_CASE("names that would read as options are refused") {
  // Issue #14: --resource-group --debug.
  for (const char* key : {"resource_group", "computer_name", "vm", "nsg", "nic"}) {
    INFO(key);
    Status s = validate_context_value(key, "--debug");
    CHECK_FALSE(s.ok());
    CHECK_THAT(s.message(), Catch::Contains("option"));
  }
  CHECK(validate_context_value("resource_group", "rg-(prod)").ok());
}

TEST_CASE("a password is never accepted as a context value") {
  Status s = validate_context_value("new_password", "Secret123!");
  CHECK_FALSE(s.ok());
  CHECK_THAT(s.message(), !Catch::Contains("Secret123"));
}

TEST_CASE("templates render validated values and never-running markers for the rest") {
  Context ctx = {{"resource_group", "rg1"}, {"vm", "bad;vm"}};
  std::string out = internal::render_template(
      "az vm show --resource-group {resource_group} --name {vm} --nsg-name {nsg} "
      "--scripts \"Get-Process | Select-Object @{n='MB';e={1}}\"",
      "bash", ctx);
  CHECK(out ==
        "az vm show --resource-group rg1 --name ${RDPTRIAGE_MISSING_vm:?} "
        "--nsg-name ${RDPTRIAGE_MISSING_nsg:?} "
        "--scripts \"Get-Process | Select-Object @{n='MB';e={1}}\"");
  // Bash parses it, and refuses to run it.
  CHECK(run_bash("bash -n -c " + quote_for_shell("bash", out) + " && echo parses\n") == "parses\n");
  CHECK(run_bash("f() { echo ran; }; ( f " + internal::render_template("{nsg}", "bash", ctx) +
                 " ) 2>/dev/null\necho rc=$?\n") == "rc=1\n");
  CHECK(internal::render_template("Open {nsg}.", "", ctx) == "Open <nsg>.");
  CHECK(internal::render_template("Stop-Process -Name {nsg}", "powershell", ctx) ==
        "Stop-Process -Name $(throw 'rdptriage: nsg is missing')");
  CHECK(internal::render_template("net user {username} /active:yes", "cmd", ctx) ==
        "net user <username> /active:yes");
}

TEST_CASE("a value is quoted for the quoting it lands in") {
  // Issue #14: a resource group with parentheses inside a double-quoted URL.
  Context ctx = {{"resource_group", "rg(prod)"},
                 {"subscription", "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}};
  std::string url = internal::render_template(
      "printf '%s\\n' \"https://x/subscriptions/{subscription}/resourceGroups/{resource_group}/p\"",
      "bash", ctx);
  CHECK(run_bash(url + "\n") ==
        "https://x/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg(prod)/p\n");
  CHECK(internal::bash_double_quote_expansions(url).empty());
  // Inside bash single quotes the value is spliced in its own quoted word.
  Context hostile = {{"custom", "it's $(touch /tmp/pwned)"}};
  std::string single =
      internal::render_with("printf '%s|' 'a {custom} b'", "bash",
                            [&](const internal::PlaceholderName& n) -> std::optional<std::string> {
                              return n.key == "custom"
                                         ? std::optional<std::string>(hostile.at("custom"))
                                         : std::nullopt;
                            })
          .text;
  CHECK(run_bash(single + "\n") == "a it's $(touch /tmp/pwned) b|");
  // PowerShell: doubled quotes inside single-quoted strings, backticks inside double.
  auto ps = [&](std::string_view text) {
    return internal::render_with(
               text, "powershell",
               [&](const internal::PlaceholderName&) -> std::optional<std::string> {
                 return std::string("it's $x \"q\"");
               })
        .text;
  };
  CHECK(ps("Write-Output '{v}'") == "Write-Output 'it''s $x \"q\"'");
  CHECK(ps("Write-Output \"{v}\"") == "Write-Output \"it's `$x `\"q`\"\"");
  CHECK(ps("Write-Output {v}") == "Write-Output 'it''s $x \"q\"'");
  // cmd inside double quotes: literal unless it would expand or close the quote.
  auto cmd = [&](std::string value) {
    return internal::render_with(
               "reg add \"HKLM\\{v}\" /f", "cmd",
               [&](const internal::PlaceholderName&) { return std::optional(value); })
        .text;
  };
  CHECK(cmd("a b&c") == "reg add \"HKLM\\a b&c\" /f");
  CHECK(cmd("%PATH%") == "reg add \"HKLM\\<unsafe-value>\" /f");
}

TEST_CASE("placeholders are told apart from script blocks and format items") {
  auto refs = internal::find_placeholders(
      "{resource_group} {netwatch.ip_flow_inbound:nsg|nsg} { $_.Owner } '{0:u}' {1:X8} "
      "@{n='MB';e={[int]1}} {client.max_encryption_level} {Nsg}");
  REQUIRE(refs.size() == 3);
  CHECK(refs[0].alternatives == std::vector<std::string>{"resource_group"});
  CHECK(refs[1].alternatives == std::vector<std::string>{"netwatch.ip_flow_inbound:nsg", "nsg"});
  CHECK(refs[2].alternatives == std::vector<std::string>{"client.max_encryption_level"});
  internal::PlaceholderName n = internal::split_placeholder("netwatch.ip_flow_inbound:nsg");
  CHECK(n.probe == "netwatch.ip_flow_inbound");
  CHECK(n.field == "nsg");
  CHECK(n.short_name() == "nsg");
}

TEST_CASE("bash expansions inside double quotes are found, an intended $(az ...) is not") {
  using internal::bash_double_quote_expansions;
  CHECK(bash_double_quote_expansions(
            "az vm run-command invoke --scripts \"Get-X | Where-Object { $_.Owner }\"")
            .size() == 1);
  CHECK(bash_double_quote_expansions("az x --scripts \"Remove-Item $env:TEMP\"").size() == 1);
  CHECK(bash_double_quote_expansions("az x --scripts 'Where-Object { $_.Owner }'").empty());
  CHECK(bash_double_quote_expansions(
            "az monitor metrics list --resource \"$(az vm show --query id -o tsv)\"")
            .empty());
  CHECK(bash_double_quote_expansions("az rest --url \"x?\\$filter=a\"").empty());
  CHECK_FALSE(bash_double_quote_expansions("echo \"`id`\"").empty());
}

}  // namespace
}  // namespace rdptriage
