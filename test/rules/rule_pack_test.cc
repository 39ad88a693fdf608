// Signed rule packs: a pack signed by a trusted key loads; one changed,
// extended, shortened, re-signed by another key, replayed at an older
// version, or never signed is refused with kUntrusted naming what is wrong.
// Keys: an encrypted one is refused at once (no passphrase prompt), a
// private key is never taken as a trusted public key. The loaded packs are
// listed. And the rule set's digest identifies the rules in effect: their
// content and the orders load order decides.
#include "rdptriage/rule_pack.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "rdptriage/report.h"
#include "rdptriage/rules.h"
#include "rdptriage/triage.h"
#include "support/expect_problem.h"
#include "support/fake_adapter.h"

namespace rdptriage {
namespace {

namespace fs = std::filesystem;

struct KeyPair {
  std::string private_pem, public_pem;
  std::string encrypted_pem;  // the private key, PKCS#8 encrypted with "secret"
};

KeyPair new_key() {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(k != nullptr);
  enum class Form { kPrivate, kPublic, kEncrypted };
  auto pem = [&](Form form) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    char pass[] = "secret";
    if (form == Form::kPrivate)
      PEM_write_bio_PrivateKey(bio.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
    else if (form == Form::kPublic)
      PEM_write_bio_PUBKEY(bio.get(), k);
    else
      PEM_write_bio_PKCS8PrivateKey(bio.get(), k, EVP_aes_256_cbc(), pass, 6, nullptr, nullptr);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
  };
  KeyPair out{pem(Form::kPrivate), pem(Form::kPublic), pem(Form::kEncrypted)};
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

TEST_CASE("an encrypted key is refused at once, and no OpenSSL error is left behind") {
  KeyPair key = new_key();
  REQUIRE(key.encrypted_pem.find("ENCRYPTED") != std::string::npos);
  Pack pack;
  // With no passphrase callback OpenSSL would prompt on the terminal and
  // wait there; the library refuses instead, whatever stdin is.
  ERR_clear_error();
  StatusOr<PackInfo> signed_info = sign_rule_pack(pack.dir, key.encrypted_pem, {"acme", 1});
  REQUIRE_FALSE(signed_info.ok());
  CHECK(signed_info.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(signed_info.status().message(), Catch::Contains("encrypted private key"));
  // A library message names no CLI command.
  CHECK_THAT(signed_info.status().message(), !Catch::Contains("rdptriage "));
  CHECK(ERR_peek_error() == 0);
  CHECK_FALSE(fs::exists(pack.dir / kPackManifestName));
  // Given as a trusted key it is a private key all the same.
  REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 1}).ok());
  StatusOr<PackInfo> verified = verify_rule_pack(pack.dir, {key.encrypted_pem});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(verified.status().message(),
             Catch::Contains("a private key where a public key is expected"));
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("a private key is never taken as a trusted public key") {
  KeyPair key = new_key();
  Pack pack;
  REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"acme", 1}).ok());
  // It holds the public key, and would verify: refused all the same, since
  // a verifier holding the signing secret is a mistake to stop.
  StatusOr<PackInfo> verified = verify_rule_pack(pack.dir, {key.private_pem});
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(verified.status().message(),
             Catch::Contains("trusted pack key 1: a private key where a public key is expected"));
  StatusOr<RuleSet> rules = load_pack(pack, {key.private_pem});
  REQUIRE_FALSE(rules.ok());
  CHECK(rules.status().code() == ErrorCode::kInvalidArgument);
  // A public key where a private one is expected cannot sign.
  StatusOr<PackInfo> resigned = sign_rule_pack(pack.dir, key.public_pem, {"acme", 2});
  REQUIRE_FALSE(resigned.ok());
  CHECK(resigned.status().code() == ErrorCode::kInvalidArgument);
  CHECK(ERR_peek_error() == 0);
}

TEST_CASE("the loaded packs are listed, and a report names them") {
  KeyPair key = new_key();
  Pack pack;
  StatusOr<PackInfo> signed_info = sign_rule_pack(pack.dir, key.private_pem, {"acme", 7});
  REQUIRE(signed_info.ok());
  CHECK(signed_info->key_fingerprint.size() == 7 + 64);
  CHECK(signed_info->key_fingerprint.substr(7, 16) == signed_info->key_id);
  StatusOr<RuleSet> rules = load_pack(pack, {key.public_pem});
  REQUIRE(rules.ok());
  REQUIRE(rules->packs().size() == 1);
  const PackInfo& p = rules->packs()[0];
  CHECK(p.name == "acme");
  CHECK(p.version == 7);
  CHECK(p.key_id == signed_info->key_id);
  CHECK(p.key_fingerprint == signed_info->key_fingerprint);
  CHECK(p.dir == pack.dir.string());
  CHECK(p.files == std::vector<std::string>{"site.json"});

  Triage triage = Triage::from_rules(*rules);
  EvaluateRequest req;
  req.symptom = "timeout";
  req.adapters.push_back(std::make_shared<testing::MapAdapter>(
      std::map<std::string, ProbeResult>{{"azure.power_state", testing::V("running")}}));
  StatusOr<Report> report = triage.evaluate(req);
  REQUIRE(report.ok());
  REQUIRE(report->rule_packs.size() == 1);
  CHECK(report->rule_packs[0].name == "acme");
  CHECK(report->rules_schema == "rdptriage.rules/1");
  const std::string json = report_to_json(*report);
  CHECK_THAT(json, Catch::Contains("\"rules_schema\":\"rdptriage.rules/1\""));
  CHECK_THAT(json,
             Catch::Contains("\"rule_packs\":[{\"name\":\"acme\",\"version\":7,\"key_id\":\"" +
                             p.key_id + "\""));
  CHECK_THAT(to_text(*report), Catch::Contains("; packs acme 7 (key " + p.key_id + ")"));

  // Without keys nothing is a pack, and a minimum version has nothing to
  // hold on to: the host is told rather than ignored.
  LoadOptions plain;
  plain.paths = {pack.dir};
  StatusOr<RuleSet> unsigned_load = RuleSet::load(plain);
  REQUIRE(unsigned_load.ok());
  CHECK(unsigned_load->packs().empty());
  plain.min_pack_versions = {{"acme", 7}};
  StatusOr<RuleSet> no_keys = RuleSet::load(plain);
  REQUIRE_FALSE(no_keys.ok());
  CHECK(no_keys.status().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(no_keys.status().message(), Catch::Contains("needs trusted_pack_keys"));
}

TEST_CASE("a host can require every rule file signed: a signed copy of the bundled rules") {
  KeyPair key = new_key();
  Pack pack;
  fs::remove(pack.dir / "site.json");
  const fs::path bundled = bundled_rules_dir();
  REQUIRE(fs::is_directory(bundled));
  for (const auto& entry : fs::directory_iterator(bundled))
    if (entry.path().extension() == ".json")
      fs::copy_file(entry.path(), pack.dir / entry.path().filename());
  REQUIRE(sign_rule_pack(pack.dir, key.private_pem, {"bundled", 1}).ok());
  LoadOptions o;
  o.include_bundled = false;
  o.paths = {pack.dir};
  o.trusted_pack_keys = {key.public_pem};
  StatusOr<RuleSet> signed_rules = RuleSet::load(o);
  INFO(signed_rules.status().to_string());
  REQUIRE(signed_rules.ok());
  StatusOr<RuleSet> installed = RuleSet::load({});
  REQUIRE(installed.ok());
  // The same rules, in the same order: the same digest.
  CHECK(signed_rules->digest() == installed->digest());
  CHECK(signed_rules->packs().size() == 1);
}

TEST_CASE("the digest names the rules and the orders load order decides") {
  constexpr const char* kA = R"({"schema": "rdptriage.rules/1",
    "probes": [{"id": "p.a", "title": "a", "channel": "client", "cost_s": 1, "result": {"type": "bool"}, "how": "a"}],
    "symptoms": [{"id": "s", "title": "s"}]})";
  constexpr const char* kB = R"({"schema": "rdptriage.rules/1",
    "rules": [{"id": "network.a", "layer": "network", "stage": "client", "title": "a", "explanation": "a",
     "symptoms": ["s"], "confirm": {"probe": "p.a", "eq": true}, "confirm_text": "a",
     "fix": [{"text": "a"}], "sources": [{"seed": "003", "section": "x"}]}]})";
  // Swapping a and b changes no order (the probe, the symptom and the cause
  // each come from one file): the same rules, the same digest.
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

// Two host files, each with a cause at the same stage, confirmed by the
// same answer: ties within a stage go by load order, so which one the
// report names depends on it, and so does the digest.
TEST_CASE("two loads of the same files that diagnose differently have different digests") {
  auto cause = [](const std::string& name) {
    return R"({"id": "network.site_)" + name +
           R"(", "layer": "network", "stage": "network", "title": "site )" + name +
           R"(", "explanation": "e", "symptoms": ["site_down"],
        "confirm": {"probe": "site.link_down", "eq": true}, "confirm_text": "c",
        "fix": [{"text": "f"}], "sources": [{"seed": "003_344dbb31c73e95e9.txt", "section": "x"}]})";
  };
  Pack files;  // a.json declares the probe, the symptom and site_a; b.json site_b
  fs::remove(files.dir / "site.json");
  files.write("a.json", R"({"schema": "rdptriage.rules/1",
    "probes": [{"id": "site.link_down", "title": "Is the site link down?", "channel": "user",
                "cost_s": 10, "result": {"type": "bool"}, "how": "Is the site link down?"}],
    "symptoms": [{"id": "site_down", "title": "The site cannot reach Azure"}],
    "rules": [)" + cause("a") +
                            "]}");
  files.write("b.json", R"({"schema": "rdptriage.rules/1", "rules": [)" + cause("b") + "]}");
  struct Outcome {
    std::string digest, cause;
  };
  auto diagnose = [&](std::vector<fs::path> order) {
    LoadOptions o;
    o.paths = std::move(order);
    StatusOr<RuleSet> rules = RuleSet::load(o);
    INFO(rules.status().to_string());
    REQUIRE(rules.ok());
    EvaluateRequest req;
    req.symptom = "site_down";
    req.adapters.push_back(std::make_shared<testing::MapAdapter>(
        std::map<std::string, ProbeResult>{{"site.link_down", testing::V(true)}}));
    StatusOr<Report> report = Triage::from_rules(*rules).evaluate(req);
    REQUIRE(report.ok());
    CHECK(report->rules_digest == rules->digest());
    return Outcome{rules->digest(), report->cause};
  };
  const Outcome ab = diagnose({files.dir / "a.json", files.dir / "b.json"});
  const Outcome ba = diagnose({files.dir / "b.json", files.dir / "a.json"});
  const Outcome ab_again = diagnose({files.dir / "a.json", files.dir / "b.json"});
  CHECK(ab.cause == "network.site_a");
  CHECK(ba.cause == "network.site_b");
  CHECK(ab.digest != ba.digest);
  CHECK(ab_again.digest == ab.digest);
}

}  // namespace
}  // namespace rdptriage
