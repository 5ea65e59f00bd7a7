/*
 * Vigil starter rules: credential dumping (OS Credential Dumping, T1003), seen in command lines, script blocks
 * and uploaded binaries.
 */

rule vigil_cred_mimikatz_commands : credential_access mimikatz
{
    meta:
        author = "Vigil"
        description = "Mimikatz module::command syntax for dumping credentials (sekurlsa::logonpasswords, lsadump::sam, lsadump::dcsync, ...)"
        severity = "critical"
        mitre_attack = "T1003.001, T1003.002, T1003.004, T1003.006"
        reference = "https://attack.mitre.org/techniques/T1003/"
        date = "2025-01-15"

    strings:
        $sekurlsa = /sekurlsa::(logonpasswords|wdigest|msv|kerberos|tspkg|ekeys|credman|pth|minidump)/ nocase ascii wide
        $lsadump = /lsadump::(sam|secrets|cache|lsa|dcsync|dcshadow|trust|backupkeys)/ nocase ascii wide
        $kerberos = /kerberos::(golden|ptt|list \/export)/ nocase ascii wide
        $token = "token::elevate" nocase ascii wide
        $dpapi = /dpapi::(masterkey|cred|chrome)/ nocase ascii wide

    condition:
        any of them
}

rule vigil_cred_lsass_dump_command : credential_access lsass
{
    meta:
        author = "Vigil"
        description = "Command line dumping LSASS process memory (procdump -ma lsass, comsvcs.dll MiniDump, Out-Minidump)"
        severity = "critical"
        mitre_attack = "T1003.001"
        reference = "https://attack.mitre.org/techniques/T1003/001/"
        date = "2025-01-15"

    strings:
        $procdump = /procdump(64)?(\.exe)?"?\s+(-accepteula\s+)?(-[a-z]+\s+)*-ma\s+(-[a-z]+\s+)*"?lsass(\.exe)?\b/ nocase ascii wide
        $comsvcs = /comsvcs(\.dll)?"?\s*,\s*#?(MiniDump|MiniDumpW|24)\b/ nocase ascii wide
        $out_minidump = /Get-Process\s+lsass\s*\|\s*Out-Minidump/ nocase ascii wide

    condition:
        any of them
}

rule vigil_cred_dumper_binary : credential_access
{
    meta:
        author = "Vigil"
        description = "Windows executable that names LSASS and its authentication packages and writes minidumps or asks for debug privilege"
        severity = "high"
        mitre_attack = "T1003.001"
        reference = "https://attack.mitre.org/techniques/T1003/001/"
        date = "2025-01-15"

    strings:
        $lsass = "lsass.exe" nocase ascii wide
        $pkg_lsasrv = "lsasrv.dll" nocase ascii wide
        $pkg_wdigest = "wdigest.dll" nocase ascii wide
        $pkg_kerberos = "kerberos.dll" nocase ascii wide
        $pkg_msv = "msv1_0.dll" nocase ascii wide
        $api_dump = "MiniDumpWriteDump" ascii
        $api_debug = "SeDebugPrivilege" ascii wide

    condition:
        uint16(0) == 0x5A4D and $lsass and 2 of ($pkg*) and any of ($api*)
}
