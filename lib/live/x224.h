// Internal: the first RDP exchange (MS-RDPBCGR 2.2.1.1 and 2.2.1.2): an X.224
// Connection Request carrying an RDP Negotiation Request, and the parsing of
// the server's Connection Confirm. Pure functions over bytes.
#ifndef RDPTRIAGE_LIB_LIVE_X224_H_
#define RDPTRIAGE_LIB_LIVE_X224_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rdptriage::internal::live {

// requestedProtocols / selectedProtocol flags.
inline constexpr std::uint32_t kProtocolRdp = 0x0;
inline constexpr std::uint32_t kProtocolSsl = 0x1;
inline constexpr std::uint32_t kProtocolHybrid = 0x2;
inline constexpr std::uint32_t kProtocolRdstls = 0x4;
inline constexpr std::uint32_t kProtocolHybridEx = 0x8;

// TPKT header (4) + X.224 CR (7) + RDP_NEG_REQ (8).
std::vector<std::uint8_t> connection_request(std::uint32_t requested_protocols);

enum class ConfirmKind {
  kResponse,           // RDP_NEG_RSP: `selected` holds the protocol
  kFailure,            // RDP_NEG_FAILURE: `failure_code`
  kNoNegotiationData,  // a Connection Confirm without negotiation data (old servers)
  kNotRdp,             // not TPKT version 3 / not an X.224 Connection Confirm
  kIncomplete,         // need more bytes
};

struct Confirm {
  ConfirmKind kind = ConfirmKind::kIncomplete;
  std::uint32_t selected = 0;
  std::uint32_t failure_code = 0;
  std::uint8_t flags = 0;
  std::string detail;  // for kNotRdp: what was seen instead
};

// Largest Connection Confirm we accept; anything longer is not a confirm.
inline constexpr std::size_t kMaxConfirmBytes = 64;

// Parses what has arrived so far. Never reads past `bytes`.
Confirm parse_confirm(const std::vector<std::uint8_t>& bytes);

// "ssl", "hybrid", "hybrid_ex", "rdstls", "rdp" (standard RDP security).
std::string protocol_name(std::uint32_t selected);
// "ssl_required_by_server", ... (MS-RDPBCGR 2.2.1.2.2); "code_N" if unknown.
std::string failure_name(std::uint32_t code);

}  // namespace rdptriage::internal::live

#endif  // RDPTRIAGE_LIB_LIVE_X224_H_
