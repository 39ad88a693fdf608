// Values substituted into commands: validated for their kind, then quoted so
// that a hostile value can never become a second command.
#include "engine/render.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
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
  const std::string path = "/tmp/rdptriage_quote_test.sh";
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

TEST_CASE("cmd refuses what it cannot quote") {
  CHECK(quote_for_shell("cmd", "plain-name") == "plain-name");
  CHECK(quote_for_shell("cmd", "%PATH%") == "<unsafe-value>");
  CHECK(quote_for_shell("cmd", "a&b") == "<unsafe-value>");
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

TEST_CASE("templates render validated values and placeholders for the rest") {
  Context ctx = {{"resource_group", "rg1"}, {"vm", "bad;vm"}};
  std::string out = internal::render_template(
      "az vm show --resource-group {resource_group} --name {vm} --nsg-name {nsg} "
      "--scripts \"Get-Process | Select-Object @{n='MB';e={1}}\"",
      "bash", ctx);
  CHECK(out ==
        "az vm show --resource-group rg1 --name <vm> --nsg-name <nsg> "
        "--scripts \"Get-Process | Select-Object @{n='MB';e={1}}\"");
}

}  // namespace
}  // namespace rdptriage
