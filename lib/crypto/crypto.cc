#include "crypto/crypto.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>
#include <vector>

namespace rdptriage::internal {
namespace {

EVP_PKEY* as_pkey(void* p) { return static_cast<EVP_PKEY*>(p); }

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xF];
  }
  return out;
}

// OpenSSL asks this for the passphrase of an encrypted key. Without one it
// would prompt on the terminal and wait; this records the question and
// refuses, so the read fails at once.
int no_passphrase(char*, int, int, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

struct PemRead {
  EVP_PKEY* key = nullptr;
  bool encrypted = false;  // OpenSSL asked for a passphrase
};

PemRead read_pem(std::string_view pem, bool private_key) {
  PemRead out;
  if (pem.size() > (1u << 20)) return out;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (bio) {
    out.key = private_key
                  ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, &out.encrypted)
                  : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, &out.encrypted);
  }
  // A failed read leaves errors in the calling thread's OpenSSL queue,
  // where the host's own OpenSSL calls would find them.
  ERR_clear_error();
  return out;
}

bool is_ed25519(EVP_PKEY* k) { return k != nullptr && EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519; }

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  return hex(digest, len);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return {};
  return out;
}

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0 || text.size() > (1u << 24)) return std::nullopt;
  std::string out(3 * (text.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && len > 0; --i) --len;
  out.resize(len);
  return out;
}

std::optional<Ed25519Key> Ed25519Key::private_from_pem(std::string_view pem, std::string* why) {
  PemRead r = read_pem(pem, true);
  if (!is_ed25519(r.key)) {
    EVP_PKEY_free(r.key);
    *why = r.encrypted ? "an encrypted private key; no passphrase is ever asked for, so give "
                         "the key unencrypted (PKCS#8 PEM, \"BEGIN PRIVATE KEY\")"
           : r.key == nullptr ? "not a PEM private key"
                              : "not an Ed25519 key";
    return std::nullopt;
  }
  return Ed25519Key(r.key);
}

std::optional<Ed25519Key> Ed25519Key::public_from_pem(std::string_view pem, std::string* why) {
  PemRead r = read_pem(pem, false);
  if (r.key == nullptr) {
    // Say what it is when it is a private key (encrypted or not): trusting
    // one would mean the verifier holds the signing secret.
    PemRead as_private = read_pem(pem, true);
    EVP_PKEY_free(as_private.key);
    *why = as_private.key != nullptr || as_private.encrypted
               ? "a private key where a public key is expected; give the public key only "
                 "(SPKI PEM, \"BEGIN PUBLIC KEY\")"
               : "not a PEM public key";
    return std::nullopt;
  }
  if (!is_ed25519(r.key)) {
    EVP_PKEY_free(r.key);
    *why = "not an Ed25519 key";
    return std::nullopt;
  }
  return Ed25519Key(r.key);
}

Ed25519Key::Ed25519Key(Ed25519Key&& other) noexcept : pkey_(other.pkey_) { other.pkey_ = nullptr; }

Ed25519Key& Ed25519Key::operator=(Ed25519Key&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(as_pkey(pkey_));
    pkey_ = other.pkey_;
    other.pkey_ = nullptr;
  }
  return *this;
}

Ed25519Key::~Ed25519Key() { EVP_PKEY_free(as_pkey(pkey_)); }

std::string Ed25519Key::fingerprint() const {
  unsigned char raw[64];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(as_pkey(pkey_), raw, &len) != 1) return {};
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(raw), len));
}

std::string Ed25519Key::key_id() const { return fingerprint().substr(0, 16); }

std::string Ed25519Key::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, as_pkey(pkey_)) != 1)
    return {};
  std::size_t len = 0;
  const auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg, message.size()) != 1) return {};
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, msg,
                     message.size()) != 1)
    return {};
  sig.resize(len);
  return sig;
}

bool Ed25519Key::verify(std::string_view message, std::string_view signature) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, as_pkey(pkey_)) != 1)
    return false;
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace rdptriage::internal
