// Internal: the token sources of the default credential chain, the chain
// itself and a cache in front of it.
//
// Thread safety: every class here is safe for concurrent use.
#ifndef RDPTRIAGE_LIB_AZURE_CREDENTIALS_H_
#define RDPTRIAGE_LIB_AZURE_CREDENTIALS_H_

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "azure/http.h"
#include "azure/redact.h"
#include "rdptriage/azure.h"

namespace rdptriage::internal::azure {

// Client credentials grant against {authority}/{tenant}/oauth2/v2.0/token.
class ClientSecretCredential : public AzureTokenSource {
 public:
  ClientSecretCredential(std::shared_ptr<const HttpClient> http, AzureCredentialOptions options,
                         std::shared_ptr<Redactor> redactor);
  StatusOr<AzureAccessToken> get_token(std::string_view resource, Clock::time_point deadline,
                                       const std::atomic<bool>* cancelled) override;
  std::string name() const override { return "environment (service principal)"; }

 private:
  std::shared_ptr<const HttpClient> http_;
  AzureCredentialOptions options_;
  std::shared_ptr<Redactor> redactor_;
};

// IDENTITY_ENDPOINT + IDENTITY_HEADER (api-version 2019-08-01), else IMDS
// (api-version 2018-02-01, "Metadata: true", never through a proxy).
class ManagedIdentityCredential : public AzureTokenSource {
 public:
  ManagedIdentityCredential(std::shared_ptr<const HttpClient> http, AzureCredentialOptions options,
                            std::shared_ptr<Redactor> redactor);
  StatusOr<AzureAccessToken> get_token(std::string_view resource, Clock::time_point deadline,
                                       const std::atomic<bool>* cancelled) override;
  std::string name() const override { return "managed identity"; }

 private:
  std::shared_ptr<const HttpClient> http_;
  AzureCredentialOptions options_;
  std::shared_ptr<Redactor> redactor_;
};

// `az account get-access-token --resource R --output json`, no shell.
class AzureCliCredential : public AzureTokenSource {
 public:
  AzureCliCredential(AzureCredentialOptions options, std::shared_ptr<Redactor> redactor);
  StatusOr<AzureAccessToken> get_token(std::string_view resource, Clock::time_point deadline,
                                       const std::atomic<bool>* cancelled) override;
  std::string name() const override { return "azure cli"; }

 private:
  AzureCredentialOptions options_;
  std::shared_ptr<Redactor> redactor_;
};

// Tries each source in order; the first that yields a token is used from
// then on (as DefaultAzureCredential does). Each source passed over is
// named with why as the chain moves on (on_skip, and passed_over() once a
// source worked); when all fail, the error names each.
class ChainedCredential : public AzureTokenSource {
 public:
  // Receives "credential NAME passed over: WHY"; the text is the source's
  // error, which never holds a secret (the caller still scrubs it).
  using SkipReporter = std::function<void(const std::string&)>;
  explicit ChainedCredential(std::vector<std::shared_ptr<AzureTokenSource>> sources,
                             SkipReporter on_skip = {});
  StatusOr<AzureAccessToken> get_token(std::string_view resource, Clock::time_point deadline,
                                       const std::atomic<bool>* cancelled) override;
  std::string name() const override;
  // "token from NAME; passed over: A: why; B: why" once a source after
  // the first yielded the token; "" otherwise.
  std::string passed_over() const;

 private:
  std::vector<std::shared_ptr<AzureTokenSource>> sources_;
  SkipReporter on_skip_;
  mutable std::mutex mutex_;
  std::shared_ptr<AzureTokenSource> chosen_;
  std::string skipped_;
};

// The chain AzureCredentialOptions describe: environment, managed identity,
// Azure CLI, leaving out the steps the options disable or leave empty.
std::shared_ptr<ChainedCredential> make_default_chain(std::shared_ptr<const HttpClient> http,
                                                      const AzureCredentialOptions& options,
                                                      std::shared_ptr<Redactor> redactor,
                                                      ChainedCredential::SkipReporter on_skip = {});

// Keeps one token per resource until `margin` before it expires; every
// token it hands out is registered with the redactor. One fetch per
// resource at a time: concurrent callers wait for it (a condition
// variable), each only until its own deadline or cancellation.
class TokenCache {
 public:
  TokenCache(std::shared_ptr<AzureTokenSource> source, std::chrono::seconds margin,
             std::shared_ptr<Redactor> redactor);
  StatusOr<std::string> token(const std::string& resource, Clock::time_point deadline,
                              const std::atomic<bool>* cancelled);
  // Drops `token` if it is still the cached one (after a 401).
  void invalidate(const std::string& resource, const std::string& token);
  // How many tokens were fetched from the source (for tests).
  int fetches() const;

 private:
  std::shared_ptr<AzureTokenSource> source_;
  std::chrono::seconds margin_;
  std::shared_ptr<Redactor> redactor_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, AzureAccessToken> cached_;
  std::set<std::string> fetching_;
  int fetches_ = 0;
};

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_CREDENTIALS_H_
