#include "rules/rule_pack.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "crypto/crypto.h"

namespace rdptriage {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxManifestBytes = 1u << 20;
constexpr std::size_t kDefaultMaxFileBytes = 4u << 20;

Status untrusted(const fs::path& where, const std::string& why) {
  return Status(ErrorCode::kUntrusted, where.string() + ": " + why,
                {Diagnostic{where.string(), 0, 0, "", "", why}});
}

Status io_error(const fs::path& where, const std::string& why) {
  return Status(ErrorCode::kIoError, where.string() + ": " + why,
                {Diagnostic{where.string(), 0, 0, "", "", why}});
}

bool valid_pack_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

// Reads a regular file of at most `max` bytes.
StatusOr<std::string> read_regular(const fs::path& p, std::size_t max) {
  std::error_code ec;
  fs::file_status st = fs::status(p, ec);
  if (ec || !fs::exists(st)) return io_error(p, "no such file");
  if (!fs::is_regular_file(st)) return io_error(p, "not a regular file");
  auto size = fs::file_size(p, ec);
  if (ec) return io_error(p, "cannot read: " + ec.message());
  if (size > max) return io_error(p, "larger than " + std::to_string(max) + " bytes");
  std::ifstream in(p, std::ios::binary);
  if (!in) return io_error(p, "cannot open");
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  if (text.size() > max) return io_error(p, "larger than " + std::to_string(max) + " bytes");
  return text;
}

// The rule files of a pack: every *.json directly inside it, sorted.
StatusOr<std::vector<std::string>> rule_file_names(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return io_error(dir, "a rule pack must be a directory");
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json") names.push_back(it->path().filename().string());
  if (ec) return io_error(dir, "cannot list: " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

StatusOr<PackInfo> sign_rule_pack(const fs::path& dir, std::string_view private_key_pem,
                                  const PackSigningOptions& options) {
  if (!valid_pack_name(options.name))
    return Status(ErrorCode::kInvalidArgument,
                  "a pack name is 1-64 lower-case letters, digits, '_', '.', '-'");
  std::string why;
  std::optional<internal::Ed25519Key> key =
      internal::Ed25519Key::private_from_pem(private_key_pem, &why);
  if (!key) return Status(ErrorCode::kInvalidArgument, "the signing key: " + why);
  StatusOr<std::vector<std::string>> names = rule_file_names(dir);
  if (!names.ok()) return names.status();
  if (names->empty())
    return Status(ErrorCode::kNotFound, dir.string() + ": holds no rule files (*.json) to sign");
  boost::json::object files;
  for (const std::string& name : *names) {
    StatusOr<std::string> text = read_regular(dir / name, kDefaultMaxFileBytes);
    if (!text.ok()) return text.status();
    files[name] = internal::sha256_hex(*text);
  }
  boost::json::object payload;
  payload["name"] = options.name;
  payload["version"] = options.version;
  payload["files"] = std::move(files);
  const std::string payload_text = boost::json::serialize(payload);
  const std::string signature = key->sign(payload_text);
  if (signature.empty()) return Status(ErrorCode::kInternal, "signing failed");
  boost::json::object manifest;
  manifest["schema"] = "rdptriage.pack/1";
  manifest["payload"] = internal::base64_encode(payload_text);
  manifest["signatures"] =
      boost::json::array{boost::json::object{{"key_id", key->key_id()},
                                             {"algorithm", "ed25519"},
                                             {"signature", internal::base64_encode(signature)}}};
  const fs::path out = dir / kPackManifestName;
  {
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << boost::json::serialize(manifest) << "\n";
    if (!f) return io_error(out, "cannot write");
  }
  PackInfo info;
  info.name = options.name;
  info.version = options.version;
  info.key_id = key->key_id();
  info.key_fingerprint = "sha256:" + key->fingerprint();
  info.dir = dir.string();
  info.files = *names;
  return info;
}

StatusOr<PackInfo> verify_rule_pack(
    const fs::path& dir, const std::vector<std::string>& trusted_public_keys_pem,
    const std::map<std::string, std::uint64_t, std::less<>>& min_versions) {
  StatusOr<internal::VerifiedPack> pack =
      internal::verify_pack(dir, trusted_public_keys_pem, min_versions, kDefaultMaxFileBytes);
  if (!pack.ok()) return pack.status();
  return std::move(pack)->info;
}

namespace internal {

StatusOr<VerifiedPack> verify_pack(
    const fs::path& dir, const std::vector<std::string>& trusted_public_keys_pem,
    const std::map<std::string, std::uint64_t, std::less<>>& min_versions,
    std::size_t max_file_bytes) {
  std::vector<Ed25519Key> keys;
  for (std::size_t i = 0; i < trusted_public_keys_pem.size(); ++i) {
    std::string why;
    std::optional<Ed25519Key> k = Ed25519Key::public_from_pem(trusted_public_keys_pem[i], &why);
    if (!k)
      return Status(ErrorCode::kInvalidArgument,
                    "trusted pack key " + std::to_string(i + 1) + ": " + why);
    keys.push_back(std::move(*k));
  }
  const fs::path manifest_path = dir / kPackManifestName;
  std::error_code ec;
  if (!fs::exists(manifest_path, ec))
    return untrusted(dir, "not a signed rule pack: there is no " + std::string(kPackManifestName) +
                              " (sign_rule_pack() writes one)");
  StatusOr<std::string> manifest_text = read_regular(manifest_path, kMaxManifestBytes);
  if (!manifest_text.ok()) return manifest_text.status();
  boost::system::error_code jec;
  boost::json::value manifest = boost::json::parse(*manifest_text, jec);
  const boost::json::object* m = manifest.if_object();
  if (jec || m == nullptr || !m->contains("schema") ||
      m->at("schema") != boost::json::value("rdptriage.pack/1") || !m->contains("payload") ||
      !m->at("payload").is_string() || !m->contains("signatures") ||
      !m->at("signatures").is_array())
    return untrusted(manifest_path, "not a rdptriage.pack/1 manifest");
  std::optional<std::string> payload_text =
      base64_decode(std::string_view(m->at("payload").get_string()));
  if (!payload_text) return untrusted(manifest_path, "the payload is not Base64");

  // Signed by a trusted key?
  std::string verified_by, verified_fingerprint;
  std::vector<std::string> seen_ids;
  bool bad_signature = false;
  for (const boost::json::value& sv : m->at("signatures").get_array()) {
    const boost::json::object* s = sv.if_object();
    if (s == nullptr || !s->contains("key_id") || !s->at("key_id").is_string() ||
        !s->contains("signature") || !s->at("signature").is_string() ||
        s->if_contains("algorithm") == nullptr ||
        s->at("algorithm") != boost::json::value("ed25519"))
      continue;
    const std::string key_id(s->at("key_id").get_string());
    seen_ids.push_back(key_id);
    for (const Ed25519Key& k : keys) {
      if (k.key_id() != key_id) continue;
      std::optional<std::string> sig =
          base64_decode(std::string_view(s->at("signature").get_string()));
      if (sig && k.verify(*payload_text, *sig)) {
        verified_by = key_id;
        verified_fingerprint = "sha256:" + k.fingerprint();
      } else {
        bad_signature = true;
      }
    }
    if (!verified_by.empty()) break;
  }
  if (verified_by.empty()) {
    if (bad_signature)
      return untrusted(manifest_path,
                       "the signature by a trusted key does not verify: the manifest was changed "
                       "after it was signed");
    std::string ids;
    for (const std::string& id : seen_ids) ids += (ids.empty() ? "" : ", ") + id;
    return untrusted(manifest_path, "signed by no trusted key (signed by: " +
                                        (ids.empty() ? std::string("nobody") : ids) + ")");
  }

  // What the signed payload says.
  boost::json::value payload = boost::json::parse(*payload_text, jec);
  const boost::json::object* p = payload.if_object();
  if (jec || p == nullptr || !p->contains("name") || !p->at("name").is_string() ||
      !p->contains("version") || !p->at("version").is_number() || !p->contains("files") ||
      !p->at("files").is_object())
    return untrusted(manifest_path, "the signed payload is not a pack manifest");
  VerifiedPack out;
  out.info.name = std::string(p->at("name").get_string());
  out.info.key_id = verified_by;
  out.info.key_fingerprint = verified_fingerprint;
  out.info.dir = dir.string();
  boost::system::error_code nec;
  out.info.version = p->at("version").to_number<std::uint64_t>(nec);
  if (nec || !valid_pack_name(out.info.name))
    return untrusted(manifest_path, "the signed payload has an invalid name or version");
  if (auto it = min_versions.find(out.info.name);
      it != min_versions.end() && out.info.version < it->second)
    return untrusted(manifest_path, "pack \"" + out.info.name + "\" version " +
                                        std::to_string(out.info.version) +
                                        " is older than version " + std::to_string(it->second) +
                                        ", the oldest accepted: an old manifest replayed?");

  // The rule files: exactly those the manifest lists, with their contents.
  StatusOr<std::vector<std::string>> names = rule_file_names(dir);
  if (!names.ok()) return names.status();
  const boost::json::object& listed = p->at("files").get_object();
  for (const std::string& name : *names)
    if (!listed.contains(name))
      return untrusted(dir / name,
                       "a rule file the signed manifest does not list (added after signing)");
  for (const auto& [name_sv, hash] : listed) {
    const std::string name(name_sv);
    if (!std::binary_search(names->begin(), names->end(), name))
      return untrusted(dir / name, "listed in the signed manifest but missing");
    if (!hash.is_string()) return untrusted(manifest_path, "a file hash is not a string");
    StatusOr<std::string> text = read_regular(dir / name, max_file_bytes);
    if (!text.ok()) return text.status();
    if (sha256_hex(*text) != std::string_view(hash.get_string()))
      return untrusted(dir / name, "changed since the pack was signed (its SHA-256 differs)");
    out.info.files.push_back(name);
    out.files.emplace_back((dir / name).string(), std::move(text).value());
  }
  return out;
}

}  // namespace internal
}  // namespace rdptriage
