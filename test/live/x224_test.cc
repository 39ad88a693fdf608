#include "live/x224.h"

#include <catch2/catch.hpp>

namespace rdptriage::internal::live {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes confirm(std::uint8_t type, std::uint32_t value) {
  return {3,    0,    0, 19,   14, 0xD0, 0, 0,
          0x12, 0x34, 0, type, 0,  8,    0, static_cast<std::uint8_t>(value),
          0,    0,    0};
}

TEST_CASE("the Connection Request carries an RDP_NEG_REQ") {
  Bytes req = connection_request(kProtocolSsl | kProtocolHybrid);
  REQUIRE(req.size() == 19);
  CHECK(req[0] == 3);
  CHECK(req[3] == 19);
  CHECK(req[5] == 0xE0);
  CHECK(req[11] == 1);  // TYPE_RDP_NEG_REQ
  CHECK(req[13] == 8);  // length
  CHECK(req[15] == 3);  // SSL | HYBRID
}

TEST_CASE("responses, failures and old servers are told apart") {
  Confirm r = parse_confirm(confirm(2, kProtocolHybrid));
  CHECK(r.kind == ConfirmKind::kResponse);
  CHECK(protocol_name(r.selected) == "hybrid");
  Confirm f = parse_confirm(confirm(3, 5));
  CHECK(f.kind == ConfirmKind::kFailure);
  CHECK(failure_name(f.failure_code) == "hybrid_required_by_server");
  CHECK(failure_name(3) == "ssl_cert_not_on_server");
  CHECK(parse_confirm({3, 0, 0, 11, 6, 0xD0, 0, 0, 0, 0, 0}).kind ==
        ConfirmKind::kNoNegotiationData);
}

TEST_CASE("anything else is not RDP, and short input asks for more") {
  Bytes ssh = {'S', 'S', 'H', '-', '2', '.', '0'};
  Confirm s = parse_confirm(ssh);
  CHECK(s.kind == ConfirmKind::kNotRdp);
  CHECK_THAT(s.detail, Catch::Contains("SSH-2.0"));
  CHECK(parse_confirm({3, 0, 0xFF, 0xFF}).kind == ConfirmKind::kNotRdp);  // huge TPKT length
  CHECK(parse_confirm({3, 0, 0, 19, 14}).kind == ConfirmKind::kIncomplete);
  CHECK(parse_confirm({}).kind == ConfirmKind::kIncomplete);
  CHECK(parse_confirm({3, 0, 0, 19, 14, 0xE0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 1, 0, 0, 0}).kind ==
        ConfirmKind::kNotRdp);  // a request echoed back is not a confirm
}

}  // namespace
}  // namespace rdptriage::internal::live
