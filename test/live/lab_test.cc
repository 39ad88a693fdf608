// The live-probe lab: real xrdp servers and nftables rules inside the network
// namespace lab.sh created. Nothing leaves loopback.
#include "live/lab_support.h"

namespace rdptriage {
namespace {

using namespace lab;

TEST_CASE("negotiate: the server selects TLS and shows its certificate") {
  Xrdp server(14001, tls_globals("negotiate"));
  LiveObservations s = look(14001);
  CHECK(s.tcp == "open");
  CHECK(s.negotiation == "response");
  CHECK(s.selected_protocol == "ssl");
  CHECK(s.nla == "not_required");
  CHECK(s.tls == "ok");
  CHECK_THAT(s.certificate_subject, Catch::Contains("rdptriage-lab"));
  CHECK(s.certificate_common_name == "rdptriage-lab");
  CHECK(s.certificate_self_signed);
  CHECK(s.certificate_state == "valid");
  CHECK(s.certificate_key_type == "RSA");
  CHECK(s.certificate_key_bits == 2048);
  CHECK(std::find(s.tls_versions.begin(), s.tls_versions.end(), "1.2") != s.tls_versions.end());
}

TEST_CASE("a healthy listener is never localized to the network or the listener") {
  Xrdp server(14007, tls_globals("negotiate"));
  // Without Azure access the machine that answered cannot be proved to be
  // the VM (its address may belong to another machine now): the layer stays
  // unknown and the next test is the one that proves it.
  CliRun r = cli_probe("127.0.0.1:14007", 2);
  CHECK(r.exit_code == 3);
  CHECK(r.report.at("layer").is_null());
  CHECK(r.report.at("next_test").at("probe") == "azure.computer_name");
  // Told the VM's computer name (the certificate's), the gate passes and
  // every client, platform, network and listener cause is ruled out.
  CliRun named =
      cli("probe 127.0.0.1:14007 --timeout 2 --context resource_group=lab-rg "
          "--context vm=lab-vm --vm-computer-name rdptriage-lab");
  const auto& layer = named.report.at("layer");
  CHECK((layer.is_null() || (layer != "network" && layer != "service")));
  bool gate = false;
  for (const auto& e : named.report.at("evidence").as_array())
    if (const auto* g = e.as_object().if_contains("gates"))
      for (const auto& id : g->as_array()) gate = gate || id == "rdp_listener_answered";
  CHECK(gate);
  for (const auto& c : named.report.at("candidates").as_array()) {
    CHECK(c.at("layer") != "network");
    CHECK(c.at("layer") != "boundary");
  }
}

TEST_CASE("tls: the server selects TLS") {
  Xrdp server(14002, tls_globals("tls"));
  LiveObservations s = look(14002);
  CHECK(s.negotiation == "response");
  CHECK(s.selected_protocol == "ssl");
  CHECK(s.tls == "ok");
}

TEST_CASE("rdp only: standard RDP security is selected even when TLS is asked for") {
  Xrdp server(14003, tls_globals("rdp"));
  LiveObservations s = look(14003);
  INFO(s.negotiation << " " << s.selected_protocol << " " << s.negotiation_failure);
  CHECK(s.negotiation == "response");
  CHECK(s.selected_protocol == "rdp");
  CHECK(s.tls == "not_attempted");
}

TEST_CASE("tls without its certificate answers SSL_CERT_NOT_ON_SERVER and is diagnosed") {
  Xrdp server(
      14004,
      "security_layer=tls\ncertificate=/nonexistent/cert.pem\nkey_file=/nonexistent/key.pem\n");
  LiveObservations s = look(14004);
  CHECK(s.negotiation == "failure");
  CHECK(s.negotiation_failure == "ssl_cert_not_on_server");
  CliRun r = cli_probe("127.0.0.1:14004", 2);
  CHECK(r.exit_code == 0);
  CHECK(r.report.at("status") == "confirmed");
  CHECK(r.report.at("cause") == "service.listener_certificate");
}

TEST_CASE("a listener restricted to one TLS version accepts only it") {
  Xrdp tls12(14005, tls_globals("tls", "ssl_protocols=TLSv1.2\n"));
  CHECK(look(14005).tls_versions == std::vector<std::string>{"1.2"});
  Xrdp tls13(14006, tls_globals("tls", "ssl_protocols=TLSv1.3\n"));
  LiveObservations s = look(14006);
  CHECK(s.tls_versions == std::vector<std::string>{"1.3"});
  CHECK(s.tls_version == "1.3");
}

TEST_CASE("an NSG-style silent drop times out in about one timeout and points at IP flow verify") {
  Xrdp server(14010, tls_globals("negotiate"));
  nft("add table inet rdpt_lab");
  nft("'add chain inet rdpt_lab input { type filter hook input priority 0; }'");
  nft("add rule inet rdpt_lab input tcp dport 14010 drop");
  const double timeout = 1.5;
  auto start = Clock::now();
  LiveObservations s = look(14010, timeout);
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  CHECK(s.tcp == "timeout");
  WARN("silent drop: wall " << wall << " s for a " << timeout << " s timeout");
  CHECK(wall >= timeout * 0.9);
  CHECK(wall < timeout * 2);  // concurrent probes: one timeout, not several
  CliRun r = cli_probe("127.0.0.1:14010", timeout);
  CHECK(r.exit_code == 3);
  CHECK(r.report.at("symptom") == "timeout");
  bool ip_flow = false;
  for (const auto& c : r.report.at("candidates").as_array())
    if (c.at("cause") == "network.nsg_denies_rdp")
      ip_flow = std::string(c.at("next_test").as_string())
                    .find("az network watcher test-ip-flow --resource-group lab-rg --vm lab-vm") !=
                std::string::npos;
  CHECK(ip_flow);
  nft("delete table inet rdpt_lab");
}

TEST_CASE("a reset is refused; a closed port is refused") {
  Xrdp server(14011, tls_globals("negotiate"));
  nft("add table inet rdpt_lab2");
  nft("'add chain inet rdpt_lab2 input { type filter hook input priority 0; }'");
  nft("add rule inet rdpt_lab2 input tcp dport 14011 reject with tcp reset");
  CHECK(look(14011).tcp == "refused");
  nft("delete table inet rdpt_lab2");
  CHECK(look(14099).tcp == "refused");
  CliRun r = cli_probe("127.0.0.1:14099", 1);
  CHECK(r.report.at("symptom") == "refused");
  CHECK(r.report.at("layer") == "service");
}

TEST_CASE("a server that is not RDP is recognised") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(14020);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::listen(fd, 8);
  std::thread server([fd] {
    for (int i = 0; i < 6; ++i) {
      int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      ::send(c, "SSH-2.0-OpenSSH_9.2p1 Debian\r\n", 30, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ::close(c);
    }
  });
  LiveObservations s = look(14020, 1);
  CHECK(s.negotiation == "not_rdp");
  CHECK_THAT(s.negotiation_detail, Catch::Contains("SSH-2.0"));
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  server.join();
}

TEST_CASE("DNS: no such name is told apart from a resolver that does not answer") {
  FakeDns dns;
  LiveObservations missing = look_host("missing.rdptriage.test", 2);
  CHECK(missing.dns == "nxdomain");
  CHECK(missing.tcp.empty());
  auto start = Clock::now();
  LiveObservations silent = look_host("silent.rdptriage.test", 3);
  CHECK(silent.dns == "no_answer");
  CHECK(Clock::now() - start < std::chrono::seconds(5));
  CliRun r = cli_probe("missing.rdptriage.test", 2);
  CHECK(r.report.at("symptom") == "name_not_found");
  CHECK(r.report.at("cause") == "network.name_unresolvable");
}

TEST_CASE("no route is unreachable; a local firewall is a local error") {
  // The namespace has only loopback: no route anywhere else, so nothing is sent.
  CHECK(look_host("198.51.100.1", 1).tcp == "unreachable");
  // A local policy that refuses the destination (as a host firewall does)
  // fails the connect at once with EACCES; nothing is sent.
  REQUIRE(std::system("ip route add prohibit 198.51.100.2/32") == 0);
  LiveObservations s = look_host("198.51.100.2", 1);
  CHECK(s.tcp == "local_error");
  CHECK(s.tcp_errno == EACCES);
  CHECK(s.tcp_elapsed_s < 0.5);  // refused by the local stack, not a silent drop
  CliRun r = cli_probe("198.51.100.2", 1);
  CHECK(r.report.at("cause") == "network.client_local_block");
  std::system("ip route del prohibit 198.51.100.2/32");
}

}  // namespace
}  // namespace rdptriage
