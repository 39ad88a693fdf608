#include "live/x224.h"

#include <cctype>

namespace rdptriage::internal::live {
namespace {

constexpr std::uint8_t kTpktVersion = 3;
constexpr std::uint8_t kX224ConnectionRequest = 0xE0;
constexpr std::uint8_t kX224ConnectionConfirm = 0xD0;
constexpr std::uint8_t kTypeNegRsp = 0x02;
constexpr std::uint8_t kTypeNegFailure = 0x03;

std::uint32_t le32(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::string printable_prefix(const std::vector<std::uint8_t>& b) {
  std::string s;
  for (std::size_t i = 0; i < b.size() && i < 24; ++i)
    s += std::isprint(b[i]) ? static_cast<char>(b[i]) : '.';
  return s;
}

}  // namespace

std::vector<std::uint8_t> connection_request(std::uint32_t requested) {
  std::vector<std::uint8_t> out = {kTpktVersion,
                                   0,
                                   0,
                                   19,  // TPKT: version, reserved, length 19
                                   14,
                                   kX224ConnectionRequest,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0,  // X.224 CR: LI 14, dst-ref, src-ref, class
                                   0x01,
                                   0x00,
                                   0x08,
                                   0x00,  // RDP_NEG_REQ: type, flags, length 8
                                   static_cast<std::uint8_t>(requested),
                                   static_cast<std::uint8_t>(requested >> 8),
                                   static_cast<std::uint8_t>(requested >> 16),
                                   static_cast<std::uint8_t>(requested >> 24)};
  return out;
}

Confirm parse_confirm(const std::vector<std::uint8_t>& b) {
  Confirm c;
  if (b.empty()) return c;
  if (b[0] != kTpktVersion) {
    c.kind = ConfirmKind::kNotRdp;
    c.detail = "not TPKT version 3: \"" + printable_prefix(b) + "\"";
    return c;
  }
  if (b.size() < 4) return c;
  const std::size_t length = (static_cast<std::size_t>(b[2]) << 8) | b[3];
  if (length < 11 || length > kMaxConfirmBytes) {
    c.kind = ConfirmKind::kNotRdp;
    c.detail = "TPKT length " + std::to_string(length) + " is not a Connection Confirm";
    return c;
  }
  if (b.size() < length) return c;
  const std::uint8_t li = b[4];
  if ((b[5] & 0xF0) != kX224ConnectionConfirm || li + 1u + 4u > length) {
    c.kind = ConfirmKind::kNotRdp;
    c.detail = "not an X.224 Connection Confirm";
    return c;
  }
  // Negotiation data follows the 7-byte X.224 header when LI leaves room.
  if (li < 14 || length < 19) {
    c.kind = ConfirmKind::kNoNegotiationData;
    return c;
  }
  const std::uint8_t* neg = b.data() + 11;
  const std::uint16_t neg_len = static_cast<std::uint16_t>(neg[2] | (neg[3] << 8));
  if (neg_len != 8) {
    c.kind = ConfirmKind::kNotRdp;
    c.detail = "negotiation structure of length " + std::to_string(neg_len);
    return c;
  }
  c.flags = neg[1];
  if (neg[0] == kTypeNegRsp) {
    c.kind = ConfirmKind::kResponse;
    c.selected = le32(neg + 4);
  } else if (neg[0] == kTypeNegFailure) {
    c.kind = ConfirmKind::kFailure;
    c.failure_code = le32(neg + 4);
  } else {
    c.kind = ConfirmKind::kNotRdp;
    c.detail = "unknown negotiation type " + std::to_string(neg[0]);
  }
  return c;
}

std::string protocol_name(std::uint32_t selected) {
  switch (selected) {
    case kProtocolRdp:
      return "rdp";
    case kProtocolSsl:
      return "ssl";
    case kProtocolHybrid:
      return "hybrid";
    case kProtocolRdstls:
      return "rdstls";
    case kProtocolHybridEx:
      return "hybrid_ex";
  }
  return "unknown";
}

std::string failure_name(std::uint32_t code) {
  switch (code) {
    case 1:
      return "ssl_required_by_server";
    case 2:
      return "ssl_not_allowed_by_server";
    case 3:
      return "ssl_cert_not_on_server";
    case 4:
      return "inconsistent_flags";
    case 5:
      return "hybrid_required_by_server";
    case 6:
      return "ssl_with_user_auth_required_by_server";
  }
  return "code_" + std::to_string(code);
}

}  // namespace rdptriage::internal::live
