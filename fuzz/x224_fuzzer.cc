// Fuzz target: the X.224 Connection Confirm parser (lib/live/x224.h), fed
// what a hostile server sends back to `rdptriage probe`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "live/x224.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rdptriage::internal::live;
  const std::vector<std::uint8_t> bytes(data, data + size);
  const Confirm c = parse_confirm(bytes);
  static constexpr const char* kKinds[] = {"response", "failure", "no negotiation data", "not RDP",
                                           "incomplete"};
  rdptriage::fuzz::count(kKinds[static_cast<int>(c.kind)]);
  switch (c.kind) {
    case ConfirmKind::kResponse:
      (void)protocol_name(c.selected);
      [[fallthrough]];
    case ConfirmKind::kFailure:
      RDPTRIAGE_FUZZ_CHECK(size >= 19, "negotiation data needs 19 bytes");
      RDPTRIAGE_FUZZ_CHECK(!failure_name(c.failure_code).empty(), "");
      break;
    case ConfirmKind::kNoNegotiationData:
      RDPTRIAGE_FUZZ_CHECK(size >= 11, "a confirm needs 11 bytes");
      break;
    case ConfirmKind::kNotRdp:
      RDPTRIAGE_FUZZ_CHECK(!c.detail.empty(), "kNotRdp says what was seen");
      break;
    case ConfirmKind::kIncomplete:
      RDPTRIAGE_FUZZ_CHECK(size < kMaxConfirmBytes, "a confirm longer than the maximum is decided");
      break;
  }
  // The probe parses what has arrived after every read: a decision, once
  // made, must not change as more bytes arrive.
  std::vector<std::uint8_t> prefix;
  for (std::size_t n = 0; n <= size && n <= 2 * kMaxConfirmBytes; ++n) {
    prefix.assign(data, data + n);
    const Confirm p = parse_confirm(prefix);
    if (p.kind == ConfirmKind::kIncomplete) continue;
    RDPTRIAGE_FUZZ_CHECK(p.kind == c.kind && p.selected == c.selected &&
                             p.failure_code == c.failure_code && p.flags == c.flags,
                         "decided at " + std::to_string(n) + " bytes, then changed");
    break;
  }
  // Our own request, turned into the confirm a server would send, reads
  // back with the protocol it asked for.
  if (size >= 4) {
    const std::uint32_t requested =
        static_cast<std::uint32_t>(data[0]) | (static_cast<std::uint32_t>(data[1]) << 8) |
        (static_cast<std::uint32_t>(data[2]) << 16) | (static_cast<std::uint32_t>(data[3]) << 24);
    std::vector<std::uint8_t> confirm = connection_request(requested);
    RDPTRIAGE_FUZZ_CHECK(confirm.size() == 19, "");
    confirm[5] = 0xD0;   // X.224 Connection Confirm
    confirm[11] = 0x02;  // RDP_NEG_RSP
    const Confirm echo = parse_confirm(confirm);
    RDPTRIAGE_FUZZ_CHECK(echo.kind == ConfirmKind::kResponse && echo.selected == requested,
                         "a well-formed confirm reads back");
  }
  return 0;
}
