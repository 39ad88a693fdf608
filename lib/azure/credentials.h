// Internal: the token sources of the default credential chain, the chain
// itself and a cache in front of it.
//
// Thread safety: every class here is safe for concurrent use.
#ifndef RDPTRIAGE_LIB_AZURE_CREDENTIALS_H_
#define RDPTRIAGE_LIB_AZURE_CREDENTIALS_H_

#include <map>
#include <memory>
#include <mutex>
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
// then on (as DefaultAzureCredential does). When all fail, the error names
// each source and why it was passed over.
class ChainedCredential : public AzureTokenSource {
 public:
  explicit ChainedCredential(std::vector<std::shared_ptr<AzureTokenSource>> sources);
  StatusOr<AzureAccessToken> get_token(std::string_view resource, Clock::time_point deadline,
                                       const std::atomic<bool>* cancelled) override;
  std::string name() const override;

 private:
  std::vector<std::shared_ptr<AzureTokenSource>> sources_;
  std::mutex mutex_;
  std::shared_ptr<AzureTokenSource> chosen_;
};

// The chain AzureCredentialOptions describe: environment, managed identity,
// Azure CLI, leaving out the steps the options disable or leave empty.
std::shared_ptr<AzureTokenSource> make_default_chain(std::shared_ptr<const HttpClient> http,
                                                     const AzureCredentialOptions& options,
                                                     std::shared_ptr<Redactor> redactor);

// Keeps one token per resource until `margin` before it expires; every
// token it hands out is registered with the redactor.
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
  std::map<std::string, AzureAccessToken> cached_;
  int fetches_ = 0;
};

}  // namespace rdptriage::internal::azure

#endif  // RDPTRIAGE_LIB_AZURE_CREDENTIALS_H_
