# rdptriage guest facts (Run Command, RunPowerShellScript, runs as SYSTEM).
#
# Read-only: it reads services, the registry, firewall rules, certificates,
# event logs, accounts and counters, and changes nothing. It prints exactly
# one line to standard output:
#
#   RDPTRIAGE-GUEST-FACTS/1 {"termservice_state":"running",...}
#
# whose keys are the guest.* probe ids of the rules without the "guest."
# prefix, plus "fact:field" keys for the answer fields a probe declares
# ("top_process_memory_pct:pid"). A fact that cannot be read is left out
# (and named in "unreadable"), so its probe stays unavailable rather than
# guessed. The worst-case line is measured by the test "guest facts fit Run
# Command's 4 KB output (worst case)" (test/azure/pieces_test.cc) to stay
# within Run Command's 4,096-byte output limit.
# What each fact reads is documented in rules/run_command/README.md.
param([string]$UserName = '', [string]$ClientAddress = '')

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$facts = [ordered]@{}
$fields = [ordered]@{}
$unreadable = New-Object System.Collections.Generic.List[string]

# Every string the script prints is plain: letters, digits and " ._@$-",
# which ConvertTo-Json writes as they are (no \", \\ or \u00XX escapes), so
# a value's length is its length in the output.
$Plain = '^[A-Za-z0-9 ._@$-]*$'
function PlainText($Value, [int]$Max) {
  if ($Value -is [string] -and $Value.Length -le $Max -and $Value -cmatch $Plain) { return $Value }
  return $null
}

# Runs one reader; a value that is null, or a string that is not plain
# within 253 characters, is left out, and so are the fields it set.
function Fact([string]$Name, [scriptblock]$Read) {
  $script:fields = [ordered]@{}
  try {
    $v = & $Read
    if ($v -is [string]) { $v = PlainText $v 253 }
    if ($null -ne $v) {
      $facts[$Name] = $v
      foreach ($k in $script:fields.Keys) { $facts["${Name}:$k"] = $script:fields[$k] }
    } else { $unreadable.Add($Name) }
  } catch {
    $unreadable.Add($Name)
  }
}

# A field of the fact being read (printed as "fact:field"): a string of at
# most $Max plain characters or a whole number of at most $Max digits;
# anything else is left out.
function Field([string]$Name, [int]$Max, $Value) {
  if ($null -eq $Value) { return }
  if ($Value -is [string]) { $Value = PlainText $Value $Max }
  elseif ("$Value" -match "^[0-9]{1,$Max}$") { $Value = [int64]"$Value" }
  else { $Value = $null }
  if ($null -ne $Value) { $script:fields[$Name] = $Value }
}

function RegValue([string]$Path, [string]$Name) {
  $item = Get-ItemProperty -Path $Path -Name $Name -ErrorAction SilentlyContinue
  if ($null -eq $item) { return $null }
  return $item.$Name
}

$TS = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server'
$RDPTCP = 'HKLM:\SYSTEM\CurrentControlSet\Control\Terminal Server\WinStations\RDP-Tcp'
$TSPOLICY = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows NT\Terminal Services'
$SCHANNEL = 'HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols'
$os = Get-CimInstance -ClassName Win32_OperatingSystem
$cs = Get-CimInstance -ClassName Win32_ComputerSystem
$build = [int]$os.BuildNumber
$ubr = RegValue 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' 'UBR'
$rdpPort = RegValue $RDPTCP 'PortNumber'
$msSinceBoot = [int64]((Get-Date) - $os.LastBootUpTime).TotalMilliseconds

# The account being used to sign in: ".\name", "AUTHORITY\name", "name@domain"
# or (Entra ID) "AzureAD\name@domain". A name typed with "@" is a user
# principal name: the Security log names a logon by it, or by the name.
$authority = ''
$account = $UserName
$upn = ''
if ($UserName -match '^(.*)\\([^\\]+)$') { $authority = $Matches[1]; $account = $Matches[2] }
if ($account -match '^([^@]+)@(.+)$') {
  $upn = $account; $account = $Matches[1]; if (-not $authority) { $authority = $Matches[2] }
}
$accountIsSafe = $account -match "^[A-Za-z0-9._ $-]{1,104}$"
if ($upn -notmatch '^[A-Za-z0-9._-]{1,64}@[A-Za-z0-9.-]{1,253}$') { $upn = $account }
$isEntra = $authority -ieq 'AzureAD'
# Events whose TargetUserName is the account (by name or UPN).
$target = "(Data[@Name='TargetUserName']='$account' or Data[@Name='TargetUserName']='$upn')"
$isLocalAccount = ($authority -eq '' -or $authority -eq '.' -or $authority -ieq $env:COMPUTERNAME) -and
  $cs.DomainRole -lt 4

function RdshInstalled {
  if (-not (Get-Command -Name Get-WindowsFeature -ErrorAction SilentlyContinue)) { return $false }
  return [bool](Get-WindowsFeature -Name RDS-RD-Server).Installed
}

function DomainUser {
  Add-Type -AssemblyName System.DirectoryServices.AccountManagement
  $ctx = New-Object System.DirectoryServices.AccountManagement.PrincipalContext(
    [System.DirectoryServices.AccountManagement.ContextType]::Domain)
  return [System.DirectoryServices.AccountManagement.UserPrincipal]::FindByIdentity($ctx, $account)
}

function AccountSid {
  if ($isLocalAccount) { return (Get-LocalUser -Name $account).SID.Value }
  return (DomainUser).Sid.Value
}

# ---- the RDP service and its listener

Fact 'termservice_state' {
  $svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='TermService'"
  if ($svc.StartMode -eq 'Disabled') { 'disabled' }
  elseif ($svc.State -eq 'Running') { 'running' }
  else { 'stopped' }
}

Fact 'rdp_deny_connections' {
  # The local value only; the policy value is rdp_deny_policy.
  [int](RegValue $TS 'fDenyTSConnections') -eq 1
}

Fact 'rdp_deny_policy' {
  # Group Policy's value, which overrides the local one when set.
  $v = RegValue $TSPOLICY 'fDenyTSConnections'
  if ($null -eq $v) { 'not_set' }
  elseif ([int64]$v -eq 1) { 'deny' }
  elseif ([int64]$v -eq 0) { 'allow' }
}

Fact 'rdp_port' { if ($null -ne $rdpPort) { [int]$rdpPort } }

Fact 'rdp_listener_certificate' {
  $setting = Get-CimInstance -Namespace root/cimv2/TerminalServices -ClassName Win32_TSGeneralSetting `
    -Filter "TerminalName='RDP-Tcp'"
  $hash = "$($setting.SSLCertificateSHA1Hash)"
  if (-not $hash -or $hash -match '^0+$') { return 'missing' }
  $cert = Get-ChildItem -Path 'Cert:\LocalMachine\Remote Desktop', 'Cert:\LocalMachine\My' `
    -ErrorAction SilentlyContinue | Where-Object { $_.Thumbprint -eq $hash } | Select-Object -First 1
  $now = Get-Date
  if ($null -eq $cert) { 'missing' }
  elseif (-not $cert.HasPrivateKey -or $cert.NotAfter -lt $now -or $cert.NotBefore -gt $now) { 'corrupt' }
  else { 'valid' }
}

Fact 'rdsh_licensing_state' {
  if (-not (RdshInstalled)) { return 'not_installed' }
  $ts = Get-CimInstance -Namespace root/cimv2/TerminalServices -ClassName Win32_TerminalServiceSetting
  $days = (Invoke-CimMethod -InputObject $ts -MethodName GetGracePeriodDays).DaysLeft
  $servers = (Invoke-CimMethod -InputObject $ts -MethodName GetSpecifiedLicenseServerList).SpecifiedLSList
  Field 'grace_days_left' 5 $days
  if ([int]$days -le 0 -and @($servers | Where-Object { $_ }).Count -eq 0) { 'grace_expired' } else { 'ok' }
}

Fact 'rd_connection_broker_installed' {
  if (-not (Get-Command -Name Get-WindowsFeature -ErrorAction SilentlyContinue)) { return $false }
  [bool](Get-WindowsFeature -Name RDS-Connection-Broker).Installed
}

Fact 'min_encryption_level' {
  $v = RegValue $TSPOLICY 'MinEncryptionLevel'
  if ($null -eq $v) { $v = RegValue $RDPTCP 'MinEncryptionLevel' }
  if ($null -ne $v) { [int]$v }
}

Fact 'session_limit' {
  $v = RegValue $TSPOLICY 'MaxInstanceCount'
  if ($null -eq $v) {
    # Without the Session Host role Windows Server allows two administrative sessions.
    if (-not (RdshInstalled)) { return 2 }
    $v = RegValue $RDPTCP 'MaxInstanceCount'
  }
  if ($null -eq $v -or [int64]$v -eq -1 -or [int64]$v -eq 4294967295) { return [int64]4294967295 }
  [int64]$v
}

Fact 'active_sessions' {
  $ErrorActionPreference = 'Continue'  # quser writes to stderr when nobody is signed in
  $lines = @(& quser.exe 2>$null)
  if ($LASTEXITCODE -ne 0 -or $lines.Count -eq 0) { return 0 }
  # After the header: USERNAME SESSIONNAME ID STATE ...; a disconnected
  # session has no session name. The first session another user holds is
  # the one to sign off (needs -UserName to tell who "another" is).
  if ($accountIsSafe) {
    foreach ($line in ($lines | Select-Object -Skip 1)) {
      if ("$line" -match '^.(\S+)\s+(?:\S+\s+)?([0-9]+)\s+\S' -and $Matches[1] -ne $account) {
        Field 'session_user' 20 $Matches[1]
        Field 'session_id' 10 $Matches[2]
        break
      }
    }
  }
  $lines.Count - 1
}

# ---- Windows Firewall

Fact 'firewall_enabled' {
  @(Get-NetFirewallProfile -PolicyStore ActiveStore | Where-Object { "$($_.Enabled)" -eq 'True' }).Count -gt 0
}

Fact 'firewall_rdp_rule_enabled' {
  # The built-in "Remote Desktop" group, by its resource id (any display language).
  @(Get-NetFirewallRule -Group '@FirewallAPI.dll,-28752' -Direction Inbound -PolicyStore ActiveStore `
      -ErrorAction SilentlyContinue |
    Where-Object { "$($_.Enabled)" -eq 'True' -and "$($_.Action)" -eq 'Allow' }).Count -gt 0
}

Fact 'firewall_outbound_blocks_rdp' {
  if ($null -eq $rdpPort) { return $null }
  @(Get-NetFirewallRule -Direction Outbound -Action Block -Enabled True -PolicyStore ActiveStore `
      -ErrorAction SilentlyContinue | Get-NetFirewallPortFilter |
    Where-Object { ("$($_.Protocol)" -eq 'TCP' -or "$($_.Protocol)" -eq 'Any') -and
      (@($_.LocalPort) -contains "$rdpPort") }).Count -gt 0
}

# ---- TLS, FIPS, CredSSP

function SchannelServer([string]$Version) {
  $v = RegValue "$SCHANNEL\TLS $Version\Server" 'Enabled'
  if ($null -ne $v) { return ([int64]$v -ne 0) }
  # No key: the OS default, which is on for TLS 1.2 everywhere and for
  # 1.0/1.1 before build 26100 (Windows Server 2025 turned them off).
  if ($Version -eq '1.2' -or $build -lt 26100) { return $true }
  return $null
}
Fact 'schannel_tls1_0_server_enabled' { SchannelServer '1.0' }
Fact 'schannel_tls1_1_server_enabled' { SchannelServer '1.1' }
Fact 'schannel_tls1_2_server_enabled' { SchannelServer '1.2' }

Fact 'lsa_fips_enabled' {
  [int](RegValue 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa\FIPSAlgorithmPolicy' 'Enabled') -eq 1
}

Fact 'lsa_disable_domain_creds' {
  [int](RegValue 'HKLM:\SYSTEM\CurrentControlSet\Control\Lsa' 'disabledomaincreds') -eq 1
}

Fact 'credssp_patched' {
  # CVE-2018-0886 (the CredSSP encryption oracle) was fixed in the March 2018
  # cumulative updates; builds after 17134 shipped with the fix.
  $fixedAt = @{ 14393 = 2125; 15063 = 966; 16299 = 309 }
  if ($build -ge 17134) { $true }
  elseif ($fixedAt.ContainsKey($build) -and $null -ne $ubr) { [int]$ubr -ge $fixedAt[$build] }
  else { $null }
}

Fact 'credssp_encryption_oracle' {
  # Encryption Oracle Remediation: 0 Force Updated Clients, 1 Mitigated,
  # 2 Vulnerable; not set means Mitigated.
  $v = RegValue 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System\CredSSP\Parameters' 'AllowEncryptionOracle'
  if ($null -eq $v) { 'mitigated' }
  elseif ([int64]$v -eq 0) { 'force_updated_clients' }
  elseif ([int64]$v -eq 1) { 'mitigated' }
  elseif ([int64]$v -eq 2) { 'vulnerable' }
}

# ---- the domain

Fact 'is_domain_controller' { [int]$cs.DomainRole -ge 4 }

Fact 'domain_dns_name' {
  if (-not $cs.PartOfDomain) { return '' }
  $d = "$($cs.Domain)"
  if ($d -match '^[A-Za-z0-9.-]{1,253}$') { $d }
}

Fact 'domain_netbios_name' {
  if (-not $cs.PartOfDomain) { return '' }
  $n = (Get-CimInstance -ClassName Win32_NTDomain -Filter 'DnsForestName IS NOT NULL' |
    Select-Object -First 1).DomainName
  if (-not $n) { $n = $env:USERDOMAIN }
  if ("$n" -match '^[A-Za-z0-9._-]{1,15}$') { "$n" }
}

Fact 'domain_controller_status' {
  if (-not $cs.PartOfDomain) { return 'not_joined' }
  $ErrorActionPreference = 'Continue'  # nltest reports a missing DC on stderr
  $out = @(& nltest.exe "/dsgetdc:$($cs.Domain)" 2>&1)
  if ($LASTEXITCODE -ne 0) { return 'unreachable' }
  # "           DC: \\DC01.contoso.com": the domain controller found.
  foreach ($line in $out) {
    if ("$line" -match '^\s*DC:\s*\\\\([A-Za-z0-9.-]+)\s*$') { Field 'dc' 253 $Matches[1]; break }
  }
  'healthy'
}

Fact 'secure_channel' {
  if (-not $cs.PartOfDomain) { return 'not_joined' }
  if ([int]$cs.DomainRole -lt 4) { if (Test-ComputerSecureChannel) { return 'ok' } else { return 'broken' } }
  # A domain controller: Test-ComputerSecureChannel gives false errors there
  # (its page's Note), so nltest /sc_verify checks it; every "Status = N"
  # line it prints must be 0 (NERR_Success).
  $ErrorActionPreference = 'Continue'
  $out = @(& nltest.exe "/sc_verify:$($cs.Domain)" 2>&1)
  $codes = @($out | ForEach-Object { if ("$_" -match 'Status = ([0-9]+) 0x') { $Matches[1] } })
  if ($LASTEXITCODE -eq 0 -and $codes.Count -gt 0 -and @($codes | Where-Object { $_ -ne '0' }).Count -eq 0) { 'ok' }
  else { 'broken' }
}

# ---- the account being used (needs -UserName)

Fact 'account_state' {
  # An Entra ID account is in neither the local SAM nor AD: not read.
  if (-not $accountIsSafe -or $isEntra) { return $null }
  if ($isLocalAccount) {
    $u = Get-LocalUser -Name $account -ErrorAction SilentlyContinue
    if ($null -eq $u) { return 'not_found' }
    $wmi = Get-CimInstance -ClassName Win32_UserAccount -Filter "LocalAccount=True AND Name='$account'"
    if ($u.PasswordExpires -and $u.PasswordExpires -lt (Get-Date)) { 'password_expired' }
    elseif ($wmi.Lockout) { 'locked_out' }
    elseif (-not $u.Enabled) { 'disabled' }
    else { 'ok' }
    return
  }
  $u = DomainUser
  if ($null -eq $u) { return 'not_found' }
  $searcher = [adsisearcher]"(&(objectCategory=person)(objectClass=user)(sAMAccountName=$account))"
  $null = $searcher.PropertiesToLoad.Add('msDS-UserPasswordExpiryTimeComputed')
  $found = $searcher.FindOne()
  $expiry = [int64]($found.Properties['msds-userpasswordexpirytimecomputed'] | Select-Object -First 1)
  $expired = $null -eq $u.LastPasswordSet -or
    ($expiry -gt 0 -and $expiry -lt [int64]::MaxValue -and [DateTime]::FromFileTimeUtc($expiry) -lt (Get-Date).ToUniversalTime())
  if ($expired) { 'password_expired' }
  elseif ($u.IsAccountLockedOut()) { 'locked_out' }
  elseif (-not $u.Enabled) { 'disabled' }
  else { 'ok' }
}

Fact 'account_rdp_rights' {
  if (-not $accountIsSafe -or $isEntra) { return $null }
  # Everything the account is known by: itself and (domain) every group it
  # is in, nested included; then Administrators (S-1-5-32-544) and Remote
  # Desktop Users (S-1-5-32-555) are searched for any of them.
  $sids = New-Object System.Collections.Generic.HashSet[string]
  $null = $sids.Add('S-1-1-0')    # Everyone
  $null = $sids.Add('S-1-5-11')   # Authenticated Users
  if ($isLocalAccount) {
    $u = Get-LocalUser -Name $account -ErrorAction SilentlyContinue
    if ($null -eq $u) { return $null }
    $null = $sids.Add($u.SID.Value)
  } else {
    $u = DomainUser
    if ($null -eq $u) { return $null }
    $null = $sids.Add($u.Sid.Value)
    foreach ($g in $u.GetAuthorizationGroups()) { $null = $sids.Add($g.Sid.Value) }
  }
  foreach ($group in 'S-1-5-32-544', 'S-1-5-32-555') {
    foreach ($m in @(Get-LocalGroupMember -SID $group -ErrorAction SilentlyContinue)) {
      if ($sids.Contains($m.SID.Value)) { return $true }
    }
  }
  $false
}

Fact 'last_logon_failure_status' {
  if (-not $accountIsSafe) { return $null }
  # The latest failed logon (4625) of this account in the last 24 hours.
  $xpath = "*[System[EventID=4625 and TimeCreated[timediff(@SystemTime) <= 86400000]]" +
    " and EventData[$target]]"
  $e = Get-WinEvent -LogName Security -FilterXPath $xpath -MaxEvents 1 -ErrorAction SilentlyContinue
  if ($null -eq $e) { return 'none' }
  $data = @{}
  foreach ($d in ([xml]$e.ToXml()).Event.EventData.Data) { $data[$d.Name] = $d.'#text' }
  $code = "$($data['SubStatus'])"
  if (-not $code -or $code -eq '0x0') { $code = "$($data['Status'])" }
  if ($code -match '^0x([0-9A-Fa-f]{8})$') { '0x' + $Matches[1].ToUpper() }
}

Fact 'last_logon_failure_domain' {
  # The Account Domain (TargetDomainName) of the latest failed logon (4625)
  # of the last 24 hours, whoever it was for ("AzureAD" for an Entra ID
  # account); "" when there was none.
  $xpath = "*[System[EventID=4625 and TimeCreated[timediff(@SystemTime) <= 86400000]]]"
  $e = Get-WinEvent -LogName Security -FilterXPath $xpath -MaxEvents 1 -ErrorAction SilentlyContinue
  if ($null -eq $e) { return '' }
  foreach ($d in ([xml]$e.ToXml()).Event.EventData.Data) {
    if ($d.Name -eq 'TargetDomainName') { return "$($d.'#text')" }
  }
}

Fact 'rdp_account_last_logon' {
  # How this account's latest Remote Desktop logon of the last 24 hours
  # ended, from the Security log: 4624 (logged on) or 4625 (failed to log
  # on) with Logon Type 10 (RemoteInteractive) from any address, or Type 3
  # (Network: NLA's logon before the session) from the client's address
  # (-ClientAddress; type 3 from elsewhere is file shares and the like).
  # 4625 is failed; type 10 a session, from the client or elsewhere; type
  # 3 alone authenticated with no session after it. See
  # https://learn.microsoft.com/windows/security/threat-protection/auditing/event-4624
  # ("Logon types and descriptions") and .../event-4625.
  if (-not $accountIsSafe -or $ClientAddress -notmatch '^[0-9A-Fa-f.:]{2,45}$') { return $null }
  $from = "(Data[@Name='IpAddress']='$ClientAddress' or Data[@Name='IpAddress']='::ffff:$ClientAddress')"
  $xpath = "*[System[(EventID=4624 or EventID=4625) and TimeCreated[timediff(@SystemTime) <= 86400000]]" +
    " and EventData[$target and (Data[@Name='LogonType']='10' or (Data[@Name='LogonType']='3' and $from))]]"
  $e = Get-WinEvent -LogName Security -FilterXPath $xpath -MaxEvents 1 -ErrorAction SilentlyContinue
  if ($null -eq $e) { return 'none' }
  if ($e.Id -eq 4625) { return 'failed' }
  $data = @{}
  foreach ($d in ([xml]$e.ToXml()).Event.EventData.Data) { $data[$d.Name] = "$($d.'#text')" }
  if ($data['LogonType'] -eq '3') { 'authenticated' }
  elseif ($data['IpAddress'] -eq $ClientAddress -or $data['IpAddress'] -eq "::ffff:$ClientAddress") { 'signed_in' }
  else { 'signed_in_elsewhere' }
}

Fact 'user_profile_state' {
  if (-not $accountIsSafe -or $isEntra) { return $null }
  $sid = AccountSid
  if (-not $sid) { return $null }
  # User Profile Service events of the last 7 days for this account: 1511
  # and 1515 mean a temporary profile; 1500, 1502, 1508, 1509 and 1530 a
  # profile that could not be loaded.
  $xpath = "*[System[Provider[@Name='Microsoft-Windows-User Profiles Service'] and " +
    "(EventID=1500 or EventID=1502 or EventID=1508 or EventID=1509 or EventID=1511 or " +
    "EventID=1515 or EventID=1530) and Security[@UserID='$sid'] and " +
    "TimeCreated[timediff(@SystemTime) <= 604800000]]]"
  $e = Get-WinEvent -LogName Application -FilterXPath $xpath -MaxEvents 1 -ErrorAction SilentlyContinue
  if ($null -eq $e) {
    if (Test-Path "HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\$sid.bak") { 'temporary' }
    else { 'ok' }
  } elseif ($e.Id -eq 1511 -or $e.Id -eq 1515) { 'temporary' }
  else { 'corrupt' }
}

Fact 'rdp_log_last_attempt' {
  # How far the latest attempt of the last 24 hours got: 261 a connection
  # arrived at the listener, 1149 authentication succeeded (both
  # RemoteConnectionManager), 21/22 a session logged on, 23/24 it ended
  # (LocalSessionManager).
  $window = 'TimeCreated[timediff(@SystemTime) <= 86400000]'
  $events = @()
  $events += @(Get-WinEvent -LogName 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational' `
      -FilterXPath "*[System[(EventID=261 or EventID=1149) and $window]]" -MaxEvents 5 -ErrorAction SilentlyContinue)
  $events += @(Get-WinEvent -LogName 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational' `
      -FilterXPath "*[System[(EventID=21 or EventID=22 or EventID=23 or EventID=24) and $window]]" `
      -MaxEvents 5 -ErrorAction SilentlyContinue)
  $last = $events | Sort-Object -Property TimeCreated -Descending | Select-Object -First 1
  if ($null -eq $last) { return 'none' }
  switch ($last.Id) {
    261 { 'arrived' }
    1149 { 'authenticated' }
    { $_ -eq 21 -or $_ -eq 22 } { 'session_created' }
    default { 'session_ended' }
  }
}

# ---- the session's resources

Fact 'c_free_mb' {
  $disk = Get-CimInstance -ClassName Win32_LogicalDisk -Filter "DeviceID='$($env:SystemDrive)'"
  [int64][math]::Floor($disk.FreeSpace / 1MB)
}

Fact 'top_process_memory_pct' {
  $top = Get-Process | Sort-Object -Property WorkingSet64 -Descending | Select-Object -First 1
  Field 'process' 80 $top.ProcessName
  Field 'pid' 10 $top.Id
  [math]::Round(100 * $top.WorkingSet64 / ([double]$os.TotalVisibleMemorySize * 1KB), 1)
}

Fact 'windows_update_state' {
  if (Get-Process -Name TiWorker -ErrorAction SilentlyContinue) { 'installing' }
  elseif ((Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') -or
    (Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending')) {
    'pending_reboot'
  } else { 'idle' }
}

Fact 'display_driver_errors' {
  # Critical, error or warning events from display drivers since the last boot.
  $providers = "Provider[@Name='Display'] or Provider[@Name='Microsoft-Windows-DxgKrnl'] or " +
    "Provider[@Name='BasicDisplay'] or Provider[@Name='nvlddmkm'] or Provider[@Name='amdkmdag']"
  $xpath = "*[System[($providers) and (Level=1 or Level=2 or Level=3) and " +
    "TimeCreated[timediff(@SystemTime) <= $msSinceBoot]]]"
  @(Get-WinEvent -LogName System -FilterXPath $xpath -MaxEvents 1 -ErrorAction SilentlyContinue).Count -gt 0
}

if ($unreadable.Count -gt 0) { $facts['unreadable'] = ($unreadable -join ',') }
Write-Output ('RDPTRIAGE-GUEST-FACTS/1 ' + ($facts | ConvertTo-Json -Compress))
