#!/usr/bin/env python3
"""A fake Azure Resource Manager and token service for rdptriage's Azure tests.

HTTPS on 127.0.0.1 (a random port) with a certificate from a CA the test
made; Python standard library only. It serves the ARM calls the Azure
adapter makes, shaped like the published examples in the
azure-rest-api-specs repository (each handler cites its example file), plus
the Entra ID token endpoint, IMDS, the App Service identity endpoint and a
blob for the serial log.

What it answers comes from `rdptriage_world_facts` output: every probe's
answer in a bundled world. This file only translates those answers into ARM
shapes; it never decides anything about the estate itself. Subscription
00000000-0000-0000-0000-00000000000N is world N of the facts file.

Faults (POST /_fake/fault {"mode": ...}) make it misbehave the ways ARM
does or could: throttle (429 with or without Retry-After, 503), an
operation that never ends (Azure-AsyncOperation or Location only), 401
once, 403, 404, a body that is not JSON, 10 MB, a drip-fed body, a reset
connection (on the VM read, or after a Run Command POST arrived), an error
that echoes the caller's token, a nextLink to another host, a power state in
transition, short-lived tokens. GET /_fake/state reports counters and
the tokens it issued (so a test can look for them where they must not be).

It stops by itself after --max-seconds.
"""
import argparse
import json
import os
import re
import secrets
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SUB_PREFIX = "00000000-0000-0000-0000-"
REGION = "westus"
DEFAULT_RULES = [
    # Azure's default rules beneath every NSG (names and priorities as in
    # NetworkInterfaceEffectiveNSGList.json and the NSG documentation).
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "0.0.0.0/0"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "0.0.0.0/0", "0.0.0.0/0"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "0.0.0.0/0", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "0.0.0.0/0", "0.0.0.0/0"),
]
DEFAULT_NAMES = {r[0] for r in DEFAULT_RULES}
ISSUE_TYPES = {
    "network_security_rule": "NetworkSecurityRule",
    "user_defined_route": "UserDefinedRoute",
    "guest_firewall": "GuestFirewall",
    "socket_bind": "SocketBind",
    "platform": "Platform",
}


class State:
    def __init__(self, worlds, script_keys, client_secret, identity_header):
        self.lock = threading.RLock()
        self.worlds = worlds
        self.script_keys = script_keys
        self.client_secret = client_secret
        self.identity_header = identity_header
        self.tokens = []
        self.revoked = set()
        self.fault = {"mode": "none"}
        self.counters = {}
        self.operations = {}
        self.paths = []

    def count(self, name):
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1
            return self.counters[name]

    def issue_token(self):
        token = "fake." + secrets.token_hex(24)
        with self.lock:
            self.tokens.append(token)
        return token


STATE = None
PORT = 0


def answer(world, probe):
    return world["answers"].get(probe, {"kind": "unavailable"})


def value(world, probe, default=None):
    a = answer(world, probe)
    return a.get("value", default) if a.get("kind") == "value" else default


def ids(sub, world):
    """ARM ids of the estate's resources, named as the world names them."""
    rg = world["context"]["resource_group"]
    vm = world["context"]["vm"]
    e = world["estate"]
    base = f"/subscriptions/{sub}/resourceGroups/{rg}"
    nsg_base = f"/subscriptions/{sub}/resourceGroups/{e['nsg_resource_group']}"
    # A hub's route table often lives in another resource group than the VM.
    rt_base = f"/subscriptions/{sub}/resourceGroups/{e['route_table_resource_group']}"
    return {
        "vm": f"{base}/providers/Microsoft.Compute/virtualMachines/{vm}",
        "nic": f"{base}/providers/Microsoft.Network/networkInterfaces/{e['nic_name']}",
        "pip": f"{base}/providers/Microsoft.Network/publicIPAddresses/{e['public_ip_name']}",
        "nic_nsg": f"{nsg_base}/providers/Microsoft.Network/networkSecurityGroups/{e['nsg_nic_name']}",
        "subnet_nsg": f"{nsg_base}/providers/Microsoft.Network/networkSecurityGroups/{e['nsg_subnet_name']}",
        "subnet": f"{base}/providers/Microsoft.Network/virtualNetworks/{rg}-vnet/subnets/default",
        "rt": f"{rt_base}/providers/Microsoft.Network/routeTables/{e['route_table']}",
        "watcher": f"/subscriptions/{sub}/resourceGroups/NetworkWatcherRG/providers/"
                   f"Microsoft.Network/networkWatchers/NetworkWatcher_{REGION}",
    }


def fields(world, probe):
    a = answer(world, probe)
    return a.get("fields", {}) if a.get("kind") == "value" else {}


# ------------------------------------------------------------------ shapes

def vm_body(sub, world):
    """VirtualMachine_Get.json with properties.instanceView as in
    VirtualMachine_Get_InstanceView.json
    (specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable/
    2024-07-01/examples/virtualMachineExamples/)."""
    i = ids(sub, world)
    power = STATE.fault.get("power_state") or value(world, "azure.power_state", "running")
    statuses = [
        {"code": "ProvisioningState/succeeded", "level": "Info",
         "displayStatus": "Provisioning succeeded", "time": "2019-10-14T21:30:12.8051917+00:00"},
        {"code": f"PowerState/{power}", "level": "Info", "displayStatus": f"VM {power}"},
    ]
    instance_view = {
        "computerName": value(world, "azure.computer_name", "myVM"),
        "osName": "Windows Server 2022 Datacenter",
        "osVersion": "Microsoft Windows NT 10.0.20348.0",
        "statuses": statuses,
    }
    # A VM that is not running has no agent to report (as ARM shows it).
    if power == "running":
        ready = value(world, "azure.vm_agent_status") == "ready"
        instance_view["vmAgent"] = {
            "vmAgentVersion": "2.7.41491.949",
            "statuses": [{
                "code": "ProvisioningState/succeeded" if ready else "ProvisioningState/Unavailable",
                "level": "Info" if ready else "Warning",
                "displayStatus": "Ready" if ready else "Not Ready",
                "message": "GuestAgent is running and accepting new configurations." if ready
                else "VM status blob is found but not yet populated.",
                "time": "2019-10-14T23:11:22+00:00"}]}
    body = {
        "name": world["context"]["vm"],
        "id": i["vm"],
        "type": "Microsoft.Compute/virtualMachines",
        "location": "West US",
        "properties": {
            "vmId": "0f47b100-583c-48e3-a4c0-aefc2c9bbcc1",
            "hardwareProfile": {"vmSize": "Standard_DS3_v2"},
            "osProfile": {
                "computerName": value(world, "azure.computer_name", "myVM"),
                "adminUsername": "azureadmin",
                "windowsConfiguration": {"provisionVMAgent": True, "enableAutomaticUpdates": True},
                "secrets": []},
            "networkProfile": {"networkInterfaces": [{"id": i["nic"], "properties": {"primary": True}}]},
            "diagnosticsProfile": {"bootDiagnostics": {
                "enabled": bool(value(world, "azure.boot_diagnostics_enabled", False))}},
            "provisioningState": "Succeeded",
            "instanceView": instance_view,
        },
    }
    # The VM's extensions, as VirtualMachine_Get.json lists them under
    # "resources"; an Entra ID joined VM carries AADLoginForWindows.
    extensions = [{"id": i["vm"] + "/extensions/IaaSAntimalware", "name": "IaaSAntimalware",
                   "type": "Microsoft.Compute/virtualMachines/extensions", "location": "westus",
                   "properties": {"publisher": "Microsoft.Azure.Security", "type": "IaaSAntimalware",
                                  "typeHandlerVersion": "1.3", "autoUpgradeMinorVersion": True,
                                  "provisioningState": "Succeeded"}}]
    if world["estate"].get("entra_joined"):
        extensions.append({"id": i["vm"] + "/extensions/AADLoginForWindows", "name": "AADLoginForWindows",
                           "type": "Microsoft.Compute/virtualMachines/extensions", "location": "westus",
                           "properties": {"publisher": "Microsoft.Azure.ActiveDirectory",
                                          "type": "AADLoginForWindows", "typeHandlerVersion": "2.0",
                                          "autoUpgradeMinorVersion": True,
                                          "provisioningState": "Succeeded"}})
    body["resources"] = extensions
    return body


def nic_body(sub, world):
    """NetworkInterfaceGet.json (Microsoft.Network/stable/2022-01-01/examples)."""
    i = ids(sub, world)
    config = {
        "privateIPAddress": value(world, "azure.private_ip", world["estate"]["private_ip"]),
        "privateIPAllocationMethod": "Dynamic",
        "subnet": {"id": i["subnet"]},
        "primary": True,
        "privateIPAddressVersion": "IPv4",
        "provisioningState": "Succeeded",
    }
    if value(world, "azure.public_ip_present"):
        config["publicIPAddress"] = {"id": i["pip"]}
    props = {
        "provisioningState": "Succeeded",
        "ipConfigurations": [{"name": world["estate"]["ip_config"],
                              "id": i["nic"] + "/ipConfigurations/" + world["estate"]["ip_config"],
                              "properties": config}],
        "primary": True,
        "virtualMachine": {"id": i["vm"]},
    }
    if world["estate"]["nsg_nic"] is not None:
        props["networkSecurityGroup"] = {"id": i["nic_nsg"]}
    return {"name": world["estate"]["nic_name"], "id": i["nic"], "location": REGION,
            "properties": props, "type": "Microsoft.Network/networkInterfaces"}


def pip_body(sub, world):
    """PublicIpAddressGet.json (Microsoft.Network/stable/2023-09-01/examples)."""
    i = ids(sub, world)
    props = {
        "provisioningState": "Succeeded",
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": str(value(world, "azure.public_ip_allocation", "static")).capitalize(),
        "idleTimeoutInMinutes": 4,
        "ipConfiguration": {"id": i["nic"] + "/ipConfigurations/" + world["estate"]["ip_config"]},
    }
    address = value(world, "azure.public_ip_address")
    if address:
        props["ipAddress"] = address
    return {"name": world["estate"]["public_ip_name"], "id": i["pip"], "location": REGION,
            "properties": props, "type": "Microsoft.Network/publicIPAddresses"}


def effective_rule(name, priority, direction, access, protocol, source, destination, ports):
    return {"name": name, "protocol": {"*": "All"}.get(protocol, protocol),
            "sourcePortRange": "0-65535", "destinationPortRange": ports,
            "sourceAddressPrefix": source, "destinationAddressPrefix": destination,
            "access": access, "priority": priority, "direction": direction}


def effective_nsgs_body(sub, world):
    """NetworkInterfaceEffectiveNSGList.json (Microsoft.Network/stable/2022-01-01/examples):
    one entry per NSG that applies, the subnet's and the NIC's, each with the
    published "association" object as it is: the network manager, the subnet
    and the network interface together, whichever NSG the entry is."""
    i = ids(sub, world)
    rg = world["context"]["resource_group"]
    association = {
        "networkManager": {"id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/"
                                 "Microsoft.Network/networkManagers/nm1"},
        "subnet": {"id": i["subnet"]},
        "networkInterface": {"id": i["nic"]},
    }
    groups = []
    for level, nsg_id in (("nsg_subnet", i["subnet_nsg"]), ("nsg_nic", i["nic_nsg"])):
        rules = world["estate"][level]
        if rules is None:
            continue
        effective = []
        for r in rules:
            for port in r["destinationPortRanges"]:
                effective.append(effective_rule(
                    "securityRules/" + r["name"], r["priority"], r["direction"], r["access"],
                    r["protocol"], ",".join(r["sourceAddressPrefixes"]),
                    ",".join(r["destinationAddressPrefixes"]), port))
        for name, priority, direction, access, source, destination in DEFAULT_RULES:
            effective.append(effective_rule("defaultSecurityRules/" + name, priority, direction,
                                            access, "*", source, destination, "0-65535"))
        groups.append({"networkSecurityGroup": {"id": nsg_id}, "association": association,
                       "effectiveSecurityRules": effective})
    return {"value": groups}


def ip_flow_body(world):
    """NetworkWatcherIpFlowVerify.json (Microsoft.Network/stable/2021-05-01/examples)."""
    body = {"access": str(value(world, "netwatch.ip_flow_inbound", "deny")).capitalize()}
    rule = world["estate"]["flow"]["rule"]
    if rule:
        body["ruleName"] = ("defaultSecurityRules/" if rule in DEFAULT_NAMES else "securityRules/") + rule
    return body


def next_hop_body(sub, world):
    """NetworkWatcherNextHopGet.json (Microsoft.Network/stable/2021-05-01/examples):
    a user route's table by id, else "System Route". The request must name
    the NIC (targetNicResourceId), as the published request does."""
    hop = STATE.fault.get("next_hop_type") or value(world, "netwatch.next_hop", "Internet")
    f = fields(world, "netwatch.next_hop")
    body = {"nextHopType": hop, "routeTableId": "System Route"}
    if f.get("next_hop_ip"):
        body["nextHopIpAddress"] = f["next_hop_ip"]
    if f.get("route_table"):
        body["routeTableId"] = ids(sub, world)["rt"]
    return body


def connectivity_body(world):
    """NetworkWatcherConnectivityCheck.json (Microsoft.Network/stable/2024-05-01/examples)."""
    result = value(world, "netwatch.connection_troubleshoot", "unreachable")
    issues = []
    if result in ISSUE_TYPES:
        issues = [{"origin": "Inbound", "severity": "Error", "type": ISSUE_TYPES[result], "context": []}]
    status = "Connected" if result == "reachable" else "Disconnected"
    return {
        "hops": [
            {"type": "Source", "id": "7dbbe7aa-60ba-4650-831e-63d775d38e9e", "address": "10.0.1.4",
             "resourceId": "subscriptions/subid/resourceGroups/rg2/providers/Microsoft.Network/"
                           "networkInterfaces/nic0/ipConfigurations/ipconfig1",
             "nextHopIds": ["75c8d819-b208-4584-a311-1aa45ce753f9"], "issues": []},
            {"type": "VirtualMachine", "id": "75c8d819-b208-4584-a311-1aa45ce753f9",
             "address": world["estate"]["private_ip"], "resourceId": "",
             "nextHopIds": [], "issues": issues}],
        "connectionStatus": status, "avgLatencyInMs": 1, "minLatencyInMs": 1, "maxLatencyInMs": 4,
        "probesSent": 100, "probesFailed": 0 if status == "Connected" else 100,
    }


def health_body(sub, world):
    """AvailabilityStatus_GetByResource.json
    (Microsoft.ResourceHealth/stable/2020-05-01/examples)."""
    state = value(world, "azure.resource_health", "available")
    props = {"availabilityState": "Available", "summary": "There aren't any known Azure platform "
             "problems affecting this virtual machine", "reasonType": "",
             "occuredTime": "2016-03-29T09:12:00Z", "reportedTime": "2016-05-04T14:11:29.7598931Z"}
    if state == "degraded":
        props.update({"availabilityState": "Degraded", "reasonType": "Unplanned",
                      "summary": "We're sorry, your virtual machine isn't available because of "
                                 "connectivity loss to the remote disk"})
    return {"id": ids(sub, world)["vm"] + "/providers/Microsoft.ResourceHealth/availabilityStatuses/current",
            "name": "current", "type": "Microsoft.ResourceHealth/AvailabilityStatuses",
            "location": REGION, "properties": props}


def metrics_body(sub, world):
    """GetMetric.json (Microsoft.Insights/stable/2023-10-01/examples): one
    timeseries per metric, PT5M averages; a VM that is not running has
    points without averages."""
    vm_id = ids(sub, world)["vm"]
    series = []
    for probe, name, scale, unit in (
            ("metrics.cpu_pct", "Percentage CPU", 1, "Percent"),
            ("metrics.available_memory_mb", "Available Memory Bytes", 1024 * 1024, "Bytes"),
            ("metrics.os_disk_busy_pct", "OS Disk IOPS Consumed Percentage", 1, "Percent")):
        v = value(world, probe)
        data = []
        for k in range(6):
            point = {"timeStamp": f"2021-04-20T09:{k * 5:02d}:00Z"}
            if v is not None:
                point["average"] = float(v) * scale
            data.append(point)
        series.append({"id": f"{vm_id}/providers/Microsoft.Insights/metrics/{name}",
                       "type": "Microsoft.Insights/metrics",
                       "name": {"value": name, "localizedValue": name}, "unit": unit,
                       "timeseries": [{"metadatavalues": [], "data": data}], "errorCode": "Success"})
    return {"cost": 0, "timespan": "2021-04-20T09:00:00Z/2021-04-20T09:30:00Z", "interval": "PT5M",
            "value": series, "namespace": "Microsoft.Compute/virtualMachines",
            "resourceregion": REGION}


def jit_pages(sub, world):
    """GetJitNetworkAccessPoliciesResourceGroupLocation_example.json
    (Microsoft.Security/stable/2020-01-01/examples/JitNetworkAccessPolicies),
    split over two pages to exercise nextLink."""
    i = ids(sub, world)
    rg = world["context"]["resource_group"]
    other = {"kind": "Basic", "name": "other", "location": REGION, "properties": {
        "virtualMachines": [{"id": i["vm"] + "-other", "ports": [{"number": 22, "protocol": "*",
                             "allowedSourceAddressPrefix": "*", "maxRequestAccessDuration": "PT3H"}]}],
        "requests": [], "provisioningState": "Succeeded"}}
    policies = []
    if value(world, "azure.jit_enabled"):
        requests = []
        if value(world, "azure.jit_access_active"):
            end = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(time.time() + 3600))
            requests.append({"virtualMachines": [{"id": i["vm"], "ports": [{
                "number": int(world["estate"]["port"]), "allowedSourceAddressPrefix": world["estate"]["client_ip"],
                "endTimeUtc": end, "status": "Initiated", "statusReason": "UserRequested"}]}],
                "startTimeUtc": "2018-05-17T08:06:45.5691611Z", "requestor": "barbara@contoso.com"})
        policies.append({"kind": "Basic", "properties": {
            "virtualMachines": [{"id": i["vm"], "ports": [{"number": int(STATE.fault.get("jit_port", 3389)),
                                 "protocol": "*",
                                 "allowedSourceAddressPrefix": "*", "maxRequestAccessDuration": "PT3H"}]}],
            "requests": requests, "provisioningState": "Succeeded"},
            "id": f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Security/locations/"
                  f"{REGION}/jitNetworkAccessPolicies/default",
            "name": "default", "type": "Microsoft.Security/locations/jitNetworkAccessPolicies",
            "location": REGION})
    return [other], policies


def watchers_pages(sub):
    """NetworkWatcherListAll.json (Microsoft.Network/stable/2022-01-01/examples), over
    two pages; the VM's region is on the second."""
    def watcher(region):
        return {"name": f"NetworkWatcher_{region}",
                "id": f"/subscriptions/{sub}/resourceGroups/NetworkWatcherRG/providers/"
                      f"Microsoft.Network/networkWatchers/NetworkWatcher_{region}",
                "etag": "W/\"00000000-0000-0000-0000-000000000000\"",
                "type": "Microsoft.Network/networkWatchers", "location": region, "tags": {},
                "properties": {"provisioningState": "Succeeded"}}
    return [watcher("eastus")], [watcher(REGION)]


# Facts the script reads only with a parameter (its param() block), and the
# estate value that parameter must carry: without it, or with another
# value, the script could not have read the fact the world shows.
NEEDS_PARAMETER = {"rdp_account_last_logon": ("ClientAddress", "client_ip")}


def guest_facts_line(world, parameters):
    facts, unreadable = {}, []
    for key in STATE.script_keys:
        a = answer(world, "guest." + key)
        needs = NEEDS_PARAMETER.get(key)
        if needs and parameters.get(needs[0]) != world["estate"][needs[1]]:
            unreadable.append(key)
        elif a.get("kind") == "value":
            facts[key] = a["value"]
            for name, v in a.get("fields", {}).items():
                facts[f"{key}:{name}"] = int(v) if v.isdigit() else v
        else:
            unreadable.append(key)
    if unreadable:
        facts["unreadable"] = ",".join(unreadable)
    return "RDPTRIAGE-GUEST-FACTS/1 " + json.dumps(facts, separators=(",", ":"))


def run_command_result(world, request):
    """VirtualMachineRunCommand.json (ComputeRP/stable/2024-07-01/examples/runCommandExamples);
    the request's "parameters" are RunCommandInputParameter name/value pairs."""
    parameters = {p.get("name"): p.get("value") for p in request.get("parameters", [])
                  if isinstance(p, dict)}
    return {"value": [
        {"code": "ComponentStatus/StdOut/succeeded", "level": "Info",
         "displayStatus": "Provisioning succeeded",
         "message": guest_facts_line(world, parameters) + "\n"},
        {"code": "ComponentStatus/StdErr/succeeded", "level": "Info",
         "displayStatus": "Provisioning succeeded", "message": ""}]}


ROLE_ADMIN_LOGIN = "1c0163c0-47e6-4577-8991-ea5c82e286e4"  # Virtual Machine Administrator Login
ROLE_USER_LOGIN = "fb879df8-f326-4884-b1cf-06f3ad86be52"  # Virtual Machine User Login
ROLE_READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"  # Reader


def role_assignments_body(sub, world, filter_text):
    """RoleAssignments_ListForScope.json (Microsoft.Authorization/stable/2022-04-01/examples)
    for $filter=assignedTo('{objectId}'): the account's assignments at the VM
    and above (a Reader one at the resource group, and its sign-in role if it
    has one, inherited from a group at the resource group)."""
    rg = world["context"]["resource_group"]
    oid = world["estate"].get("entra_object_id")
    m = re.fullmatch(r"assignedTo\('([0-9a-f-]{36})'\)", filter_text or "")
    if not m or m.group(1) != oid:
        return {"value": []}
    rg_scope = f"/subscriptions/{sub}/resourceGroups/{rg}"

    def assignment(role, principal, principal_type, name):
        return {"properties": {
            "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principalId": principal, "principalType": principal_type, "scope": rg_scope},
            "id": f"{rg_scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
            "type": "Microsoft.Authorization/roleAssignments", "name": name}
    out = [assignment(ROLE_READER, oid, "User", "b0f43c54-e787-4862-89b1-a653fa9cf747")]
    role = value(world, "azure.entra_vm_login_role")
    if role in ("administrator", "user"):
        out.append(assignment(ROLE_ADMIN_LOGIN if role == "administrator" else ROLE_USER_LOGIN,
                              "ce2ce14e-85d7-4629-bdbc-454d0519d987", "Group",
                              "0b5fe924-9a61-425c-96af-cfe6e287ca2d"))
    return {"value": out}


def arm_error(code, message):
    return {"error": {"code": code, "message": message}}


# ------------------------------------------------------------------ server

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        self.request.settimeout(15)
        self.request.do_handshake()
        super().setup()

    def log_message(self, *args):
        pass

    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else (
            body.encode() if isinstance(body, str) else body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", f"req-{STATE.count('request_id'):06d}")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = self.read_body()
        with STATE.lock:
            STATE.paths.append(f"{method} {url.path}")
        try:
            if url.path.startswith("/_fake/"):
                return self.control(method, url.path, body)
            if url.path.endswith("/oauth2/v2.0/token"):
                return self.entra_token(body)
            if url.path == "/metadata/identity/oauth2/token":
                return self.imds_token(query)
            if url.path == "/msi/token":
                return self.app_service_token(query)
            if url.path.startswith("/blob/"):
                return self.blob(url.path)
            return self.arm(method, url.path, query, body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def control(self, method, path, body):
        if path == "/_fake/fault" and method == "POST":
            with STATE.lock:
                STATE.fault = json.loads(body or b"{}")
                STATE.counters = {}
            return self.send_json(200, {"ok": True})
        if path == "/_fake/state":
            with STATE.lock:
                return self.send_json(200, {"tokens": STATE.tokens, "counters": STATE.counters,
                                            "paths": STATE.paths[-2000:]})
        return self.send_json(404, arm_error("NotFound", "no such control"))

    # -- tokens

    def entra_token(self, body):
        """Microsoft identity platform client credentials response (v2.0 token endpoint)."""
        STATE.count("token_requests")
        form = parse_qs(body.decode())
        if form.get("grant_type") != ["client_credentials"] or \
                form.get("client_secret") != [STATE.client_secret]:
            return self.send_json(401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the "
                                     "secret being sent in the request is the client secret value.",
                "error_codes": [7000215]})
        lifetime = STATE.fault.get("token_expires_in", 3599)
        return self.send_json(200, {"token_type": "Bearer", "expires_in": lifetime,
                                    "ext_expires_in": lifetime, "access_token": STATE.issue_token()})

    def imds_token(self, query):
        """IMDS managed identity token (api-version 2018-02-01): numbers as strings."""
        STATE.count("imds_requests")
        if self.headers.get("Metadata") != "true":
            return self.send_json(400, {"error": "invalid_request",
                                        "error_description": "Required metadata header not specified"})
        return self.send_json(200, {"access_token": STATE.issue_token(), "expires_in": "3599",
                                    "expires_on": str(int(time.time()) + 3599),
                                    "resource": query.get("resource", [""])[0], "token_type": "Bearer"})

    def app_service_token(self, query):
        """App Service identity endpoint (api-version 2019-08-01)."""
        STATE.count("identity_endpoint_requests")
        if self.headers.get("X-IDENTITY-HEADER") != STATE.identity_header:
            return self.send_json(401, {"statusCode": 401, "message": "Unauthorized"})
        return self.send_json(200, {"access_token": STATE.issue_token(),
                                    "expires_on": str(int(time.time()) + 3599),
                                    "resource": query.get("resource", [""])[0], "token_type": "Bearer",
                                    "client_id": "00000000-0000-0000-0000-000000000000"})

    def blob(self, path):
        sub = path.split("/")[2]
        world = STATE.worlds.get(sub)
        text = ("Computer is booting, SAC started and initialized.\r\n\r\nUse the \"ch -?\" command "
                "for information about using channels.\r\nUse the \"?\" command for general help.\r\n"
                "\r\nSAC>\r\nEVENT: The CMD command is now available.\r\nSAC>\r\n") if world else ""
        data = text.encode()
        self.send_response(200 if world else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    # -- ARM

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with STATE.lock:
            known = token in STATE.tokens and token not in STATE.revoked
            mode = STATE.fault.get("mode")
            if known and mode == "unauthorized_once" and not STATE.fault.get("done"):
                STATE.fault["done"] = True
                STATE.revoked.add(token)
                known = False
        if not known:
            self.send_json(401, arm_error("InvalidAuthenticationToken", "The access token is invalid."),
                           {"WWW-Authenticate": 'Bearer authorization_uri="https://login.windows.net/", '
                                                'error="invalid_token"'})
        return known

    def fault_for_vm_read(self, path, method):
        """Faults that strike the first read every probe needs: the VM."""
        mode = STATE.fault.get("mode")
        if method != "GET" or "/Microsoft.Compute/virtualMachines/" not in path or path.count("/") != 8:
            return False
        if mode == "forbidden":
            self.send_json(403, arm_error(
                "AuthorizationFailed",
                "The client '11111111-1111-1111-1111-111111111111' with object id "
                "'11111111-1111-1111-1111-111111111111' does not have authorization to perform "
                "action 'Microsoft.Compute/virtualMachines/read' over scope "
                f"'{path}' or the scope is invalid. If access was recently granted, please "
                "refresh your credentials."))
        elif mode == "not_found":
            self.send_json(404, arm_error("ResourceNotFound", f"The Resource "
                                          f"'Microsoft.Compute/virtualMachines/{path.split('/')[-1]}' "
                                          "under resource group was not found."))
        elif mode == "malformed":
            self.send_json(200, '{"name": "vm1", "properties": {"instanceView": {"statuses": [')
        elif mode == "huge":
            self.send_response(200)
            size = 10 * 1024 * 1024
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            sent = 0
            while sent < size:
                self.wfile.write(chunk[: min(len(chunk), size - sent)])
                sent += len(chunk)
        elif mode == "drip":
            data = json.dumps({"name": "vm1", "properties": {}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for b in data:
                self.wfile.write(bytes([b]))
                self.wfile.flush()
                time.sleep(0.25)
        elif mode == "reset":
            self.reset()
        elif mode == "echo_token":
            self.send_json(400, arm_error("BadRequest", "rejected request with header "
                                          + self.headers.get("Authorization", "")))
        else:
            return False
        return True

    def reset(self):
        """Breaks the connection at once (RST, no close_notify)."""
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.request.close()

    def arm(self, method, path, query, body):
        if not self.authorized():
            return
        mode = STATE.fault.get("mode")
        if mode in ("throttle", "throttle_then_ok"):
            n = STATE.count("throttled")
            if mode == "throttle" or n <= int(STATE.fault.get("count", 2)):
                headers = {}
                if "retry_after" in STATE.fault:
                    headers["Retry-After"] = str(STATE.fault["retry_after"])
                return self.send_json(429, arm_error(
                    "TooManyRequests", "The request is being throttled as the limit has been "
                    "reached for operation type - Read_ObservationWindow_00:03:00."), headers)
        if mode == "unavailable_then_ok":
            n = STATE.count("unavailable")
            if n <= int(STATE.fault.get("count", 2)):
                return self.send_json(503, arm_error(
                    "ServerBusy", "The server is currently unable to handle the request."),
                    {"Retry-After": str(STATE.fault.get("retry_after", 1))})
        if self.fault_for_vm_read(path, method):
            return
        if path.startswith("/operations/"):
            return self.operation(path)
        m = re.match(r"^/subscriptions/([^/]+)(/.*)?$", path)
        world = STATE.worlds.get(m.group(1)) if m else None
        if world is None:
            return self.send_json(404, arm_error("SubscriptionNotFound", "The subscription could not be found."))
        sub = m.group(1)
        i = ids(sub, world)
        lower = path.lower()
        is_classic = value(world, "azure.deployment_model") == "classic"
        if method == "GET" and lower == i["vm"].lower():
            if is_classic:
                return self.not_found(path)
            return self.send_json(200, vm_body(sub, world))
        if method == "GET" and "/microsoft.classiccompute/virtualmachines/" in lower:
            # No published example exists for ClassicCompute; the ARM resource envelope only.
            if not is_classic:
                return self.not_found(path)
            return self.send_json(200, {"id": path, "name": world["context"]["vm"],
                                        "type": "Microsoft.ClassicCompute/virtualMachines",
                                        "location": REGION, "properties": {}})
        if method == "GET" and lower == i["nic"].lower():
            return self.send_json(200, nic_body(sub, world))
        if method == "GET" and lower == i["pip"].lower():
            if not value(world, "azure.public_ip_present"):
                return self.not_found(path)
            return self.send_json(200, pip_body(sub, world))
        if method == "GET" and lower.endswith("/providers/microsoft.resourcehealth/availabilitystatuses/current"):
            return self.send_json(200, health_body(sub, world))
        if method == "GET" and lower.endswith("/providers/microsoft.insights/metrics"):
            names = query.get("metricnames", [""])[0].split(",")
            if "Percentage CPU" not in names:
                return self.send_json(400, arm_error("BadRequest", "unknown metric"))
            return self.send_json(200, metrics_body(sub, world))
        if method == "GET" and lower.endswith("/providers/microsoft.security/jitnetworkaccesspolicies"):
            first, second = jit_pages(sub, world)
            if query.get("page") == ["2"]:
                return self.send_json(200, {"value": second})
            host = "localhost" if STATE.fault.get("mode") == "foreign_next_link" else "127.0.0.1"
            return self.send_json(200, {"value": first, "nextLink":
                                        f"https://{host}:{PORT}{path}?api-version=2020-01-01&page=2"})
        if method == "GET" and lower.endswith("/providers/microsoft.network/networkwatchers"):
            first, second = watchers_pages(sub)
            if query.get("page") == ["2"]:
                return self.send_json(200, {"value": second})
            return self.send_json(200, {"value": first, "nextLink":
                                        f"https://127.0.0.1:{PORT}{path}?api-version=2024-05-01&page=2"})
        if method == "POST" and lower == (i["nic"] + "/effectiveNetworkSecurityGroups").lower():
            return self.long_running(effective_nsgs_body(sub, world), "location")
        if method == "POST" and lower == (i["watcher"] + "/ipFlowVerify").lower():
            request = json.loads(body or b"{}")
            if request.get("remoteIPAddress") != world["estate"]["client_ip"] or \
                    request.get("localPort") != str(world["estate"]["port"]) or \
                    request.get("direction") != "Inbound" or \
                    str(request.get("targetNicResourceId", "")).lower() != i["nic"].lower():
                return self.send_json(400, arm_error("InvalidRequestFormat",
                                                     "the flow does not match the estate's client and NIC"))
            return self.long_running(ip_flow_body(world), "location")
        if method == "POST" and lower == (i["watcher"] + "/nextHop").lower():
            request = json.loads(body or b"{}")
            if str(request.get("targetNicResourceId", "")).lower() != i["nic"].lower():
                return self.send_json(400, arm_error("InvalidRequestFormat",
                                                     "targetNicResourceId is not the VM's NIC"))
            return self.long_running(next_hop_body(sub, world), "location")
        if method == "POST" and lower == (i["watcher"] + "/connectivityCheck").lower():
            return self.long_running(connectivity_body(world), "location")
        if method == "GET" and lower == (i["vm"] + "/providers/Microsoft.Authorization/roleAssignments").lower():
            return self.send_json(200, role_assignments_body(sub, world, query.get("$filter", [""])[0]))
        if method == "POST" and lower == (i["vm"] + "/runCommand").lower():
            STATE.count("run_command_posts")
            if mode == "reset_run_command":
                # The POST arrived whole; the connection breaks before any answer.
                return self.reset()
            request = json.loads(body or b"{}")
            if request.get("commandId") != "RunPowerShellScript" or not request.get("script"):
                return self.send_json(400, arm_error("InvalidParameter", "commandId and script are required"))
            time.sleep(float(STATE.fault.get("run_command_delay", 0)))
            return self.long_running(run_command_result(world, request), "async")
        if method == "POST" and lower == (i["vm"] + "/retrieveBootDiagnosticsData").lower():
            # VirtualMachine_RetrieveBootDiagnosticsData.json: SAS URIs.
            sas = "?sv=2019-02-02&sr=b&sig=" + "FAKESASSIGNATURE0123456789abcdef" + "&se=2030-01-01"
            scheme = "http" if mode == "serial_http" else "https"
            return self.send_json(200, {
                "consoleScreenshotBlobUri": f"https://127.0.0.1:{PORT}/blob/{sub}/vm.screenshot.bmp{sas}",
                "serialConsoleLogBlobUri": f"{scheme}://127.0.0.1:{PORT}/blob/{sub}/vm.serialconsole.log{sas}"})
        return self.send_json(404, arm_error("NoRegisteredProviderFound", f"no route for {method} {path}"))

    def not_found(self, path):
        return self.send_json(404, arm_error("ResourceNotFound",
                                             f"The Resource '{path.split('/providers/')[-1]}' was not found."))

    def long_running(self, result, style):
        """202 Accepted, then either Location (polled until 200) or
        Azure-AsyncOperation (status InProgress, then Succeeded) plus
        Location for the result, as ARM's async operation guidelines say."""
        op = secrets.token_hex(8)
        mode = STATE.fault.get("mode")
        never = mode in ("lro_never", "lro_never_location")
        with STATE.lock:
            STATE.operations[op] = {"result": result, "polls": 0, "never": never}
        headers = {"Location": f"https://127.0.0.1:{PORT}/operations/{op}/result",
                   "Retry-After": "0"}
        if mode == "lro_never_location":
            style = "location"
        elif style == "async" or never:
            headers["Azure-AsyncOperation"] = f"https://127.0.0.1:{PORT}/operations/{op}/status"
        self.send_json(202, b"", headers)

    def operation(self, path):
        _, _, op, kind = path.split("/")
        with STATE.lock:
            entry = STATE.operations.get(op)
            if entry:
                entry["polls"] += 1
        if entry is None:
            return self.send_json(404, arm_error("NotFound", "no such operation"))
        if kind == "status":
            if entry["never"] or entry["polls"] < 2:
                return self.send_json(200, {"status": "InProgress", "name": op,
                                            "startTime": "2024-01-01T00:00:00Z"},
                                      {"Retry-After": "1" if entry["never"] else "0"})
            return self.send_json(200, {"status": "Succeeded", "name": op,
                                        "startTime": "2024-01-01T00:00:00Z",
                                        "endTime": "2024-01-01T00:00:20Z"})
        if entry["never"]:
            return self.send_json(202, b"", {"Retry-After": "1"})
        return self.send_json(200, entry["result"])


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, context):
        super().__init__(address, handler)
        self.context = context

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a client that hangs up is not news


def main():
    global STATE, PORT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facts", required=True, help="rdptriage_world_facts output")
    ap.add_argument("--script", required=True, help="rules/run_command/guest_facts.ps1 (its keys)")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--client-secret", default="")
    ap.add_argument("--identity-header", default="")
    ap.add_argument("--accept-token", action="append", default=[],
                    help="a token ARM accepts besides those it issued (the fake az prints it)")
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    with open(args.facts) as f:
        facts = json.load(f)
    worlds = {f"{SUB_PREFIX}{n:012d}": w for n, w in enumerate(facts["worlds"])}
    with open(args.script) as f:
        keys = re.findall(r"^Fact '([a-z0-9_]+)'", f.read(), re.M)
    STATE = State(worlds, keys, args.client_secret, args.identity_header)
    STATE.tokens.extend(args.accept_token)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = TLSServer(("127.0.0.1", 0), Handler, context)
    PORT = server.server_address[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(PORT))
    os.replace(tmp, args.port_file)
    threading.Timer(args.max_seconds, lambda: os._exit(0)).start()
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
