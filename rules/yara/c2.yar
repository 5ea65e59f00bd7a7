/*
 * Vigil starter rules: command-and-control. Generic markers of implant configurations and download-and-run
 * stagers, not signatures of any particular framework.
 */

rule vigil_c2_implant_config : c2 command_and_control
{
    meta:
        author = "Vigil"
        description = "Implant configuration block: a callback server together with sleep / jitter / kill date / spawn-to settings"
        severity = "high"
        mitre_attack = "T1071.001, T1573"
        reference = "https://attack.mitre.org/techniques/T1071/001/"
        date = "2025-01-15"

    strings:
        $server = /["']?(c2|c2_?server|callback(_?url)?|beacon(_?url)?|team_?server|listener)["']?\s*[:=]\s*["']?(https?:\/\/|[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})/ nocase
        $sleep = /["']?(sleep|sleep_?time|sleep_?ms|interval)["']?\s*[:=]\s*["']?[0-9]{1,7}\b/ nocase
        $jitter = /["']?jitter(_?pct|_?percent)?["']?\s*[:=]\s*["']?[0-9]{1,3}\b/ nocase
        $killdate = /["']?kill_?date["']?\s*[:=]/ nocase
        $spawnto = /["']?spawn_?to(_?x64|_?x86)?["']?\s*[:=]/ nocase
        $pipe = /["']?pipe_?name["']?\s*[:=]\s*["']?\\\\\.\\pipe\\/ nocase

    condition:
        $server and $jitter and 1 of ($sleep, $killdate, $spawnto, $pipe)
}

rule vigil_c2_powershell_download_cradle : c2 command_and_control execution
{
    meta:
        author = "Vigil"
        description = "PowerShell download cradle that runs what it fetches (IEX (New-Object Net.WebClient).DownloadString(...), iwr ... | iex)"
        severity = "high"
        mitre_attack = "T1059.001, T1105"
        reference = "https://attack.mitre.org/techniques/T1105/"
        date = "2025-01-15"

    strings:
        $iex_webclient = /(IEX|Invoke-Expression)\s*\(?\s*\(?\s*New-Object\s+(System\.)?Net\.WebClient\s*\)?\s*\.\s*Download(String|Data)\s*\(/ nocase ascii wide
        $download_pipe_iex = /(Invoke-WebRequest|iwr|Invoke-RestMethod|irm|curl|wget)\s+[^|\r\n]{1,300}\|\s*(IEX|Invoke-Expression)\b/ nocase ascii wide
        $downloadstring_iex = /\.DownloadString\s*\(\s*['"]https?:\/\/[^'"]{1,200}['"]\s*\)\s*\|\s*(IEX|Invoke-Expression)\b/ nocase ascii wide

    condition:
        any of them
}
