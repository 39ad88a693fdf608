// Internal: answers the probes a pasted client error itself shows (event
// 4625's sub-status, the server's RDP_NEG_FAILURE code in an xfreerdp log).
// evaluate() puts it after the host's adapters, so a fresh observation by a
// real channel always wins over what was pasted.
#ifndef RDPTRIAGE_LIB_INTAKE_CLIENT_ERROR_ADAPTER_H_
#define RDPTRIAGE_LIB_INTAKE_CLIENT_ERROR_ADAPTER_H_

#include <map>
#include <string>
#include <utility>

#include "rdptriage/probe.h"

namespace rdptriage::internal {

class ClientErrorAdapter : public ProbeAdapter {
 public:
  explicit ClientErrorAdapter(std::map<std::string, ProbeValue, std::less<>> observations)
      : observations_(std::move(observations)) {}

  ProbeResult run(const ProbeRequest& request) override {
    auto it = observations_.find(request.probe_id);
    if (it == observations_.end()) return ProbeResult::unavailable("not in the client error");
    return ProbeResult::value_of(it->second, "shown by the client error");
  }
  std::string name() const override { return "client error"; }
  bool may_block() const override { return false; }

 private:
  const std::map<std::string, ProbeValue, std::less<>> observations_;
};

}  // namespace rdptriage::internal

#endif  // RDPTRIAGE_LIB_INTAKE_CLIENT_ERROR_ADAPTER_H_
