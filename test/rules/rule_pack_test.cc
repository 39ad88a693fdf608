// Signed rule packs: a pack signed by a trusted key loads; one changed,
// extended, shortened, re-signed by another key, replayed at an older
// version, or never signed is refused with kUntrusted naming what is wrong.
// And the rule set's digest identifies the rules whatever their load order.
#include "rdptriage/rule_pack.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "rdptriage/rules.h"
#include "support/expect_problem.h"

namespace rdptriage {
namespace {

namespace fs = std::filesystem;

struct KeyPair {
  std::string private_pem, public_pem;
};

KeyPair new_key() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(k != nullptr);
  auto pem = [&](bool priv) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (priv)
      PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
    else
      PEM_write_bio_PUBKEY(bio.get(), k);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  KeyPair out{pem(true), pem(false)};
  EVP_PKEY_free(k);
  return out;
}

constexpr const char* kSiteRules = R"({"schema": "rdptriage.rules/1",
 "rules": [{"id": "network.site_vpn_down", "layer": "network", "stage": "network",
            "title": "The site's VPN to Azure is down", "explanation": "e",
            "symptoms": ["timeout"], "confirm": {"probe": "netwatch.next_hop", "eq": "None"},
            "confirm_text": "c", "fix": [{"text": "f"}],
            "sources": [{"seed": "003_344dbb31c73e95e9.txt", "section": "x"}]}]})";

struct Pack {
  fs::path dir;
  Pack() {
    std::string tmpl = (fs::temp_directory_path() / "rdptriage-pack-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    write("site.json", kSiteRules);
  }
  ~Pack() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir / name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

StatusOr<RuleSet> load_pack(const Pack& pack, const std::vector<std::string>& keys,
                            std::map<std::string, std::uint64_t, std::less<>> min = {}) {
  LoadOptions o;
  o.paths = {pack.dir};
  o.trusted_pack_keys = keys;
  o.min_pack_versions = std::move(min);
  return RuleSet::load(o);
}

void expect_untrusted(const StatusOr<PackInfo>& r, const std::string& fragment) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kUntrusted);
  CHECK_THAT(r.status().message(), Catch::Contains(fragment));
}

TEST_CASE("a pack signed by a trusted key verifies and loads") {
  KeyPair key = new_key();
  Pack pack;
  StatusOr<PackInfo> signed_info = sign_rule_pack(pack.dir, key.private_pem, {"acme", 7});
  REQUIRE(signed_info.ok());
  CHECK(signed_info->files == std::vector<std::string>{"site.json"});
  StatusOr<PackInfo> info = verify_rule_pack(pack.dir, {key.public_pem});
  REQUIRE(info.ok());
  CHECK(info->name == "acme");
  CHECK(info->version == 7);
  CHECK(info->key_id == signed_info->key_id);
  StatusOr<RuleSet> rules = load_pack(pack, {new_key().public_pem, key.public_pem});
  INFO(rules.status().to_string());
  REQUIRE(rules.ok());
  CHECK(rules->find_cause("network.site_vpn_down") != nullptr);
}

TEST_CASE("a changed, added or missing rule file is refused") {
  KeyPair key = new_key();
  {
    Pack pack;
    REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 1}).ok());
    std::string text = pack.read("site.json");
    text.replace(text.find("VPN"), 3, "vpn");  // one letter's case
    pack.write("site.json", text);
    expect_untrusted(verify_rule_pack(pack.dir, {key.public_pem}),
                     "changed since the pack was signed");
    StatusOr<RuleSet> rules = load_pack(pack, {key.public_pem});
    REQUIRE_FALSE(rules.ok());
    CHECK(rules.status().code() == ErrorCode::kUntrusted);
  }
  {
    Pack pack;
    REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 1}).ok());
    pack.write("zz_extra.json", R"({"schema": "rdptriage.rules/1"})");
    expect_untrusted(verify_rule_pack(pack.dir, {key.public_pem}), "does not list");
  }
  {
    Pack pack;
    pack.write("second.json", R"({"schema": "rdptriage.rules/1"})");
    REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 1}).ok());
    fs::remove(pack.dir / "second.json");
    expect_untrusted(verify_rule_pack(pack.dir, {key.public_pem}), "missing");
  }
}

TEST_CASE("a pack signed by another key, unsigned, or with a changed manifest is refused") {
  KeyPair trusted = new_key(), other = new_key();
  Pack pack;
  expect_untrusted(verify_rule_pack(pack.dir, {trusted.public_pem}), "not a signed rule pack");
  REQUIRE(sign_rule_pack(pack.dir, other.private_pem, {"acme", 1}).ok());
  expect_untrusted(verify_rule_pack(pack.dir, {trusted.public_pem}), "signed by no trusted key");

  // The manifest's payload re-encoded with another version under the
  // trusted key's id and the old signature: the signature no longer holds.
  REQUIRE(sign_rule_pack(pack.dir, trusted.private_pem, {"acme", 1}).ok());
  std::string manifest = pack.read(kPackManifestName);
  const std::string old_payload = "\"payload\":\"";
  auto at = manifest.find(old_payload) + old_payload.size();
  auto end = manifest.find('"', at);
  // Sign a version 2 in another directory, and graft its payload onto the
  // version 1 signature.
  Pack other_pack;
  REQUIRE(sign_rule_pack(other_pack.dir, trusted.private_pem, {"acme", 2}).ok());
  std::string v2 = other_pack.read(kPackManifestName);
  auto at2 = v2.find(old_payload) + old_payload.size();
  manifest.replace(at, end - at, v2.substr(at2, v2.find('"', at2) - at2));
  pack.write(kPackManifestName, manifest);
  expect_untrusted(verify_rule_pack(pack.dir, {trusted.public_pem}), "does not verify");

  // A key that is not Ed25519 (or not a key) is the host's error.
  StatusOr<PackInfo> bad = verify_rule_pack(pack.dir, {"not a key"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("an old manifest replayed is refused below the minimum version") {
  KeyPair key = new_key();
  Pack pack;
  REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 4}).ok());
  const std::string v4 = pack.read(kPackManifestName);
  REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 5}).ok());
  CHECK(verify_rule_pack(pack.dir, {key.public_pem}, {{"acme", 5}}).ok());
  pack.write(kPackManifestName, v4);  // validly signed, but old
  CHECK(verify_rule_pack(pack.dir, {key.public_pem}).ok());
  expect_untrusted(verify_rule_pack(pack.dir, {key.public_pem}, {{"acme", 5}}),
                   "older than version 5");
  StatusOr<RuleSet> rules = load_pack(pack, {key.public_pem}, {{"acme", 5}});
  REQUIRE_FALSE(rules.ok());
  CHECK(rules.status().code() == ErrorCode::kUntrusted);
}

TEST_CASE("the digest names the rules, whatever their load order") {
  constexpr const char* kA = R"({"schema": "rdptriage.rules/1",
    "probes": [{"id": "p.a", "title": "a", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "a"}],
    "symptoms": [{"id": "s", "title": "s"}]})";
  constexpr const char* kB = R"({"schema": "rdptriage.rules/1",
    "rules": [{"id": "network.a", "layer": "network", "stage": "client", "title": "a", "explanation": "a",
     "symptoms": ["s"], "confirm": {"probe": "p.a", "eq": true}, "confirm_text": "a",
     "fix": [{"text": "a"}], "sources": [{"seed": "003", "section": "x"}]}]})";
  auto one = RuleSet::load_documents({{"a.json", kA}, {"b.json", kB}});
  auto two = RuleSet::load_documents({{"b.json", kB}, {"a.json", kA}});
  REQUIRE(one.ok());
  REQUIRE(two.ok());
  CHECK(one->digest().rfind("sha256:", 0) == 0);
  CHECK(one->digest().size() == 7 + 64);
  CHECK(one->digest() == two->digest());
  std::string changed(kB);
  changed.replace(changed.find("\"title\": \"a\""), 12, "\"title\": \"A\"");
  auto three = RuleSet::load_documents({{"a.json", kA}, {"b.json", changed}});
  REQUIRE(three.ok());
  CHECK(three->digest() != one->digest());
}

}  // namespace
}  // namespace rdptriage
