// Internal: a loaded world (rdptriage.world/1) with world.md's healthy
// defaults filled in. Plain data; the loader builds it, playout and the
// adapter read it.
#ifndef RDPTRIAGE_LIB_WORLD_WORLD_MODEL_H_
#define RDPTRIAGE_LIB_WORLD_WORLD_MODEL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rdptriage::internal::world {

struct PortRange {
  int low = 0;
  int high = 65535;
};

struct SecurityRule {
  std::string name;
  int priority = 0;
  bool inbound = true;
  bool allow = true;
  std::string protocol = "*";                // Tcp, Udp, *
  std::vector<std::string> sources = {"*"};  // CIDR, address, *, or tag
  std::vector<std::string> destinations = {"*"};
  std::vector<PortRange> ports = {{0, 65535}};  // destination ports
};

struct Account {
  std::string name;
  bool password_expired = false;
  bool locked_out = false;
  bool disabled = false;
  bool rdp_rights = true;
  std::string profile = "ok";  // ok, temporary, corrupt
};

struct Domain {
  std::string name;
  std::string dns_name;
  bool dc_reachable = true;
  bool dc_healthy = true;
  std::string secure_channel = "ok";  // ok, broken
  std::string dc_name = "DC01";       // the domain controller the VM finds
  bool conditional_access_blocks_rdp = false;
  std::vector<Account> accounts;
};

// An Entra ID (Azure AD) account allowed on an Entra-joined VM.
struct EntraAccount {
  std::string name;                       // user principal name, e.g. jdoe@contoso.com
  std::string vm_login_role = "user";     // administrator, user, none
  std::string per_user_mfa = "disabled";  // disabled, enabled, enforced
};

// The VM is Entra joined (AADLoginForWindows): Entra ID accounts sign in.
struct Entra {
  std::string tenant_domain;  // the UPN suffix of the tenant's accounts
  std::vector<EntraAccount> accounts;
};

struct Client {
  std::string source_ip;  // defaulted by location
  std::string location = "internet";
  std::string dial_host;  // defaulted to the VM's address
  int dial_port = 3389;
  std::map<std::string, std::string> dns;
  bool local_software_blocks_rdp = false;
  bool edge_device_blocks_rdp = false;
  bool credssp_patched = true;
  // AllowEncryptionOracle: force_updated_clients (0), mitigated (1, the
  // default once patched), vulnerable (2).
  std::string credssp_encryption_oracle = "mitigated";
  int max_encryption_level = 3;
  bool tls12 = true;  // the client can use TLS 1.2
  std::string user = ".\\azureadmin";
  bool password_correct = true;
  // How an Entra ID account signs in: plain NLA ("nla", fails for Entra
  // accounts), from an Entra joined or registered PC ("joined"), or with
  // web account sign-in ("web_account", enablerdsaadauth).
  std::string entra_sign_in = "nla";
  bool rdp_load_balance_info = false;  // the .rdp file carries loadbalanceinfo
  bool nla = true;                     // the connection offers NLA (CredSSP)
};

struct Guest {
  std::string computer_name = "MYVM";
  std::string agent = "ready";
  std::string termservice = "running";
  bool firewall_enabled = true;
  bool firewall_rdp_rule_enabled = true;
  bool firewall_outbound_blocks_rdp = false;
  bool security_software_blocks_rdp = false;
  bool deny_connections = false;
  // HKLM\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services
  // fDenyTSConnections: "not_set", "deny" (1) or "allow" (0); it overrides
  // deny_connections.
  std::string deny_connections_policy = "not_set";
  int rdp_port = 3389;
  bool nla = true;
  int min_encryption_level = 2;
  std::string certificate = "valid";
  bool rdsh_installed = false;
  std::string rdsh_licensing = "ok";
  bool tls1_0 = true, tls1_1 = true, tls1_2 = true;
  bool fips = false;
  bool disable_domain_creds = false;
  bool credssp_patched = true;
  std::string credssp_encryption_oracle = "mitigated";
  bool is_domain_controller = false;
  std::vector<Account> local_accounts = {Account{"azureadmin"}};
  std::optional<Domain> domain;
  double c_free_mb = 40960;
  double c_total_mb = 130048;
  std::string shell = "ok";               // ok, update_in_progress, driver_failure
  std::string top_process = "w3wp";       // the process holding the most memory
  int top_process_pid = 4012;             // its process id
  std::optional<double> top_process_pct;  // its share; derived from memory when unset
  int max_sessions = 2;
  std::vector<std::string> signed_in;
  bool logoff_policy = false;
  std::optional<Entra> entra;         // null: not Entra joined
  bool rd_connection_broker = false;  // runs the RD Connection Broker role
};

// A load balancer inbound NAT rule that forwards a frontend address and
// port to the VM's backend port (the dialed port differs by design).
struct LbNat {
  std::string load_balancer = "myLoadBalancer";
  std::string rule = "rdp-nat";
  std::string frontend_ip;
  int frontend_port = 50001;
  int backend_port = 3389;
};

struct Vm {
  std::string name = "myVm";
  std::string resource_group = "myResourceGroup";
  // Resource names (defaults follow az vm create: <vm>VMNic, <vm>NSG,
  // <vm>PublicIP, ipconfig<vm>); filled in by the loader when absent.
  std::string nic_name;
  std::string ip_config;
  std::string public_ip_name;
  std::string nsg_subnet_name;
  std::string nsg_nic_name;
  std::string nsg_resource_group;
  std::string route_table;
  std::string route_table_resource_group;  // defaulted to the VM's
  std::string next_hop_ip;
  std::optional<LbNat> lb_nat;
  std::string deployment = "arm";
  std::string power_state = "running";
  std::string boot = "healthy";
  bool boot_diagnostics = true;
  std::string platform_health = "available";
  std::optional<std::string> public_ip = "52.160.10.20";
  std::string public_ip_allocation = "static";
  std::string private_ip = "10.0.0.4";
  std::vector<std::string> vnet_prefixes = {"10.0.0.0/16"};
  std::optional<std::vector<SecurityRule>> nsg_subnet;
  std::optional<std::vector<SecurityRule>> nsg_nic;
  std::string next_hop = "Internet";
  bool appliance_allows_rdp = true;
  bool return_path_symmetric = true;
  bool jit_enabled = false;
  bool jit_requested_for_source = false;
  int classic_public_port = 0;   // 0: dial port
  int classic_private_port = 0;  // 0: dial port
  bool classic_acl_permits = true;
  double cpu_pct = 20;
  double available_memory_mb = 4096;
  double os_disk_busy_pct = 10;
  Guest guest;
};

struct WorldModel {
  std::string title;
  std::string expect_cause, expect_layer, expect_status;
  Client client;
  Vm vm;
};

}  // namespace rdptriage::internal::world

#endif  // RDPTRIAGE_LIB_WORLD_WORLD_MODEL_H_
