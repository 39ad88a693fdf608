// rdptriage: signed rule packs.
//
// A rule pack is a directory of rule files plus a manifest, `pack.manifest`,
// that names the pack, gives its version and the SHA-256 of every rule file
// (*.json) in it, and is signed with Ed25519. A host that loads rules from
// elsewhere (a shared store, a chat-ops bot's configuration repository) can
// require every pack to be signed by a key it trusts
// (LoadOptions::trusted_pack_keys): an unsigned pack, a changed, added or
// removed rule file, a manifest signed by another key, or one older than the
// host last accepted is then refused, as OPA refuses an unverified bundle.
//
//   openssl genpkey -algorithm ed25519 -out pack-key.pem
//   openssl pkey -in pack-key.pem -pubout -out pack-key.pub.pem
//   rdptriage rules sign my-rules/ --key pack-key.pem --name acme --version 7
//   rdptriage diagnose --rules my-rules/ --trusted-key pack-key.pub.pem ...
//
//   rdptriage::LoadOptions o;
//   o.paths = {"/srv/rules/acme"};
//   o.trusted_pack_keys = {read_file("/etc/rdptriage/acme.pub.pem")};
//   o.min_pack_versions = {{"acme", last_seen_version}};
//   auto rules = rdptriage::RuleSet::load(o);   // kUntrusted if it does not check out
//
// Keys are PEM: an Ed25519 private key unencrypted (PKCS#8, "BEGIN PRIVATE
// KEY"; the library never asks for a passphrase, so an encrypted key is
// refused at once), a public key as SPKI ("BEGIN PUBLIC KEY"; a private key
// given where a public one is expected is refused).
//
// Thread safety: the functions are reentrant; they read and write only the
// pack directory given.
#ifndef RDPTRIAGE_RULE_PACK_H_
#define RDPTRIAGE_RULE_PACK_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rdptriage/status.h"

namespace rdptriage {

// The manifest's file name inside a pack directory.
inline constexpr const char* kPackManifestName = "pack.manifest";

struct PackSigningOptions {
  std::string name;           // required: [a-z0-9_.-]+, how hosts refer to the pack
  std::uint64_t version = 1;  // raise it with every release (replay protection)
};

// A signed pack as signed, verified or loaded (RuleSet::packs()).
struct PackInfo {
  std::string name;
  std::uint64_t version = 0;
  // The key that signed it (sign) or the trusted key that verified it: the
  // first 16 hex digits of key_fingerprint.
  std::string key_id;
  // "sha256:" and the SHA-256 of the raw 32-byte Ed25519 public key.
  std::string key_fingerprint;
  std::string dir;                 // the pack directory, as given
  std::vector<std::string> files;  // rule file names, sorted
};

// Signs the rule files (*.json) of `dir` with `private_key_pem` (an Ed25519
// private key) and writes dir/pack.manifest, replacing any. Fails with
// kInvalidArgument (bad name, not an Ed25519 private key, an encrypted
// one), kNotFound (no rule
// files) or kIoError (a file cannot be read or the manifest written).
StatusOr<PackInfo> sign_rule_pack(const std::filesystem::path& dir,
                                  std::string_view private_key_pem,
                                  const PackSigningOptions& options);

// Checks dir/pack.manifest against `trusted_public_keys_pem` (Ed25519
// public keys, PEM) and the rule files in `dir`. Fails with kUntrusted
// naming what does not check out (no manifest, a signature by no trusted
// key or one that does not verify, a rule file changed, added or missing, a
// version below min_versions[name]), kInvalidArgument for a key that is
// not an Ed25519 public key (a private key included), kIoError when a file
// cannot be read.
StatusOr<PackInfo> verify_rule_pack(
    const std::filesystem::path& dir, const std::vector<std::string>& trusted_public_keys_pem,
    const std::map<std::string, std::uint64_t, std::less<>>& min_versions = {});

}  // namespace rdptriage

#endif  // RDPTRIAGE_RULE_PACK_H_
