#include "live/rdp_probe.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <future>
#include <memory>

#include "live/x224.h"

namespace rdptriage::internal::live {
namespace {

int remaining_ms(Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

std::string name_text(X509_NAME* name) {
  if (!name) return {};
  char buf[512];
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

std::string common_name(X509_NAME* name) {
  if (!name) return {};
  char buf[256];
  int n = X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf);
  if (n <= 0) return {};
  return std::string(buf, static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)));
}

std::string time_text(const ASN1_TIME* t) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || !t || ASN1_TIME_print(bio.get(), t) != 1) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

Certificate describe(X509* cert) {
  Certificate c;
  if (!cert) return c;
  c.present = true;
  c.subject = name_text(X509_get_subject_name(cert));
  c.common_name = common_name(X509_get_subject_name(cert));
  c.issuer = name_text(X509_get_issuer_name(cert));
  c.not_before = time_text(X509_get0_notBefore(cert));
  c.not_after = time_text(X509_get0_notAfter(cert));
  c.expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
  c.not_yet_valid = X509_cmp_current_time(X509_get0_notBefore(cert)) > 0;
  c.self_signed = X509_check_issued(cert, cert) == X509_V_OK;
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    int id = EVP_PKEY_get_base_id(key);
    c.key_type = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : OBJ_nid2sn(id);
    c.key_bits = EVP_PKEY_get_bits(key);
  }
  return c;
}

std::string version_text(int v) {
  switch (v) {
    case TLS1_VERSION:
      return "1.0";
    case TLS1_1_VERSION:
      return "1.1";
    case TLS1_2_VERSION:
      return "1.2";
    case TLS1_3_VERSION:
      return "1.3";
  }
  return "unknown";
}

// OpenSSL writes with write(2), which raises SIGPIPE when the peer has gone;
// a probe must never kill its host. Blocks SIGPIPE on this thread for the
// scope and consumes any that became pending before restoring the mask.
class ScopedNoSigpipe {
 public:
  ScopedNoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~ScopedNoSigpipe() {
    if (!blocked_) return;
    if (!was_pending_) {
      timespec zero{0, 0};
      while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
  bool blocked_ = false;
};

}  // namespace

Negotiation negotiate(const std::string& address, int port, std::uint32_t requested,
                      Clock::time_point deadline, Fd* keep) {
  Negotiation n;
  Fd fd;
  n.tcp = tcp_connect(address, port, deadline, &fd);
  if (n.tcp.outcome != "open") {
    n.outcome = "connect_failed";
    n.detail = n.tcp.outcome;
    return n;
  }
  if (!send_all(fd.get(), connection_request(requested), deadline)) {
    n.outcome = "closed";
    n.detail = "the server closed the connection before the request was sent";
    return n;
  }
  std::vector<std::uint8_t> buf;
  while (true) {
    Confirm c = parse_confirm(buf);
    if (c.kind != ConfirmKind::kIncomplete) {
      switch (c.kind) {
        case ConfirmKind::kResponse:
          n.outcome = "response";
          n.selected = protocol_name(c.selected);
          if (keep) *keep = std::move(fd);
          break;
        case ConfirmKind::kFailure:
          n.outcome = "failure";
          n.failure = failure_name(c.failure_code);
          break;
        case ConfirmKind::kNoNegotiationData:
          n.outcome = "no_negotiation_data";
          break;
        default:
          n.outcome = "not_rdp";
          n.detail = c.detail;
      }
      return n;
    }
    ReadStatus s = read_some(fd.get(), &buf, kMaxConfirmBytes, deadline);
    if (s == ReadStatus::kData && buf.size() >= kMaxConfirmBytes &&
        parse_confirm(buf).kind == ConfirmKind::kIncomplete) {
      n.outcome = "not_rdp";
      n.detail =
          "no complete Connection Confirm within " + std::to_string(kMaxConfirmBytes) + " bytes";
      return n;
    }
    if (s == ReadStatus::kClosed || s == ReadStatus::kError) {
      n.outcome = buf.empty() ? "closed" : "not_rdp";
      n.detail = buf.empty() ? "closed without an answer" : "closed mid-answer";
      return n;
    }
    if (s == ReadStatus::kTimeout) {
      n.outcome = buf.empty() ? "no_answer" : "not_rdp";
      n.detail =
          buf.empty() ? "no answer before the deadline" : "incomplete answer before the deadline";
      return n;
    }
  }
}

TlsHandshake tls_probe(const std::string& address, int port, int min_version, int max_version,
                       Clock::time_point deadline) {
  ScopedNoSigpipe no_sigpipe;  // covers every write OpenSSL makes below
  TlsHandshake t;
  Fd fd;
  Negotiation n = negotiate(address, port, kProtocolSsl | kProtocolHybrid, deadline, &fd);
  if (n.outcome != "response" ||
      (n.selected != "ssl" && n.selected != "hybrid" && n.selected != "hybrid_ex")) {
    t.error = "negotiation: " + n.outcome + (n.selected.empty() ? "" : " selected " + n.selected) +
              (n.failure.empty() ? "" : " " + n.failure);
    return t;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  if (!ctx) {
    t.error = "cannot create a TLS context";
    return t;
  }
  // We report what the listener offers; we do not trust it. Old versions and
  // weak ciphers must be allowed to be seen.
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (min_version) SSL_CTX_set_min_proto_version(ctx.get(), min_version);
  if (max_version) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd.get()) != 1) {
    t.error = "cannot create a TLS session";
    return t;
  }
  while (true) {
    ERR_clear_error();
    int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    int err = SSL_get_error(ssl.get(), rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      char buf[256] = "handshake failed";
      if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
      t.error = buf;
      return t;
    }
    pollfd p{fd.get(), static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) {
      t.error = "TLS handshake timed out";
      return t;
    }
  }
  t.ok = true;
  t.version = version_text(SSL_version(ssl.get()));
  t.cipher = SSL_get_cipher_name(ssl.get());
  X509* peer = SSL_get1_peer_certificate(ssl.get());
  t.certificate = describe(peer);
  X509_free(peer);
  return t;
}

std::vector<std::string> tls_versions(const std::string& address, int port,
                                      Clock::time_point deadline) {
  const int versions[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
  std::vector<std::future<TlsHandshake>> running;
  for (int v : versions)
    running.push_back(
        std::async(std::launch::async, [=] { return tls_probe(address, port, v, v, deadline); }));
  std::vector<std::string> accepted;
  for (std::size_t i = 0; i < running.size(); ++i)
    if (running[i].get().ok) accepted.push_back(version_text(versions[i]));
  return accepted;
}

}  // namespace rdptriage::internal::live
