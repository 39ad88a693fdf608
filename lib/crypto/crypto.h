// Internal: the few cryptographic primitives rdptriage uses, over OpenSSL's
// EVP interface: SHA-256, Base64, and Ed25519 signatures for rule packs.
// Nothing throws; failures return false or an empty value.
#ifndef RDPTRIAGE_LIB_CRYPTO_CRYPTO_H_
#define RDPTRIAGE_LIB_CRYPTO_CRYPTO_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rdptriage::internal {

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// `n` bytes from OpenSSL's CSPRNG; empty when it cannot provide them.
std::string random_bytes(std::size_t n);

std::string base64_encode(std::string_view data);
// Empty optional for text that is not Base64.
std::optional<std::string> base64_decode(std::string_view text);

// An Ed25519 key read from PEM (a private key, or a public key: SPKI).
class Ed25519Key {
 public:
  // Reads an unencrypted PEM private key; empty on failure, with the reason
  // in *why. An encrypted key is refused at once: OpenSSL is never let
  // prompt for a passphrase. Leaves the thread's OpenSSL error queue empty.
  static std::optional<Ed25519Key> private_from_pem(std::string_view pem, std::string* why);
  // Reads a PEM public key (SPKI). A private key is refused, not used as
  // the public key it contains. As private_from_pem otherwise.
  static std::optional<Ed25519Key> public_from_pem(std::string_view pem, std::string* why);
  Ed25519Key(Ed25519Key&& other) noexcept;
  Ed25519Key& operator=(Ed25519Key&& other) noexcept;
  ~Ed25519Key();

  // The SHA-256 of the raw public key, hex.
  std::string fingerprint() const;
  // Its first 16 hex digits: how a manifest names the key that signed it.
  std::string key_id() const;
  // Signs `message`; empty on failure (a public key cannot sign).
  std::string sign(std::string_view message) const;
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  explicit Ed25519Key(void* pkey) : pkey_(pkey) {}
  void* pkey_ = nullptr;  // EVP_PKEY*
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_CRYPTO_CRYPTO_H_
