/*
 * Vigil starter rules: web shells (PHP, ASP.NET, JSP).
 * Written for Vigil; they look for the generic shape of a web shell (server code that runs whatever a request
 * carries), in uploaded files (event payloads), request bodies and query strings.
 */

rule vigil_webshell_php_eval_input : webshell php persistence
{
    meta:
        author = "Vigil"
        description = "PHP code that evaluates decoded data or runs request parameters (eval(base64_decode(...)), assert($_POST[...]), system($_GET[...]))"
        severity = "critical"
        mitre_attack = "T1505.003"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        date = "2025-01-15"

    strings:
        $eval_decoded = /\b(eval|assert)\s*\(\s*@?(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|hex2bin)\s*\(/ nocase
        $eval_input = /\b(eval|assert)\s*\(\s*@?(stripslashes\s*\(\s*)?\$_(POST|GET|REQUEST|COOKIE|SERVER)\s*\[/ nocase
        $exec_input = /\b(system|passthru|shell_exec|exec|popen|proc_open)\s*\(\s*@?\$_(POST|GET|REQUEST|COOKIE)\s*\[/ nocase
        $create_function = /\bcreate_function\s*\([^)]{0,40}\$_(POST|GET|REQUEST|COOKIE)/ nocase
        $preg_e = /\bpreg_replace\s*\(\s*["'][\/#~|!@][^"']{1,60}[\/#~|!@][a-z]*e[a-z]*["']\s*,\s*\$_(POST|GET|REQUEST|COOKIE)/ nocase

    condition:
        any of them
}

rule vigil_webshell_aspx_exec_request : webshell aspx persistence
{
    meta:
        author = "Vigil"
        description = "ASP.NET page that evaluates request data or starts a process with request data"
        severity = "critical"
        mitre_attack = "T1505.003, T1059.003"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        date = "2025-01-15"

    strings:
        $eval_request = /\beval\s*\(\s*Request(\.Item|\.Form)?\s*\[/ nocase
        $req_form = /Request\s*\.\s*(Form|QueryString|Params|Item)\s*\[/ nocase
        $req_index = /Request\s*\[\s*"/ nocase
        $exec_psi = "ProcessStartInfo" nocase
        $exec_start = /Process\s*\.\s*Start\s*\(/ nocase
        $shell = /(cmd\.exe|powershell(\.exe)?)["'\s]/ nocase

    condition:
        $eval_request or (any of ($req*) and any of ($exec*) and $shell)
}

rule vigil_webshell_jsp_exec_request : webshell jsp persistence
{
    meta:
        author = "Vigil"
        description = "JSP that runs an operating system command taken from a request parameter"
        severity = "critical"
        mitre_attack = "T1505.003"
        reference = "https://attack.mitre.org/techniques/T1505/003/"
        date = "2025-01-15"

    strings:
        $runtime_param = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(\s*request\s*\.\s*getParameter\s*\(/
        $runtime = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $process_builder = /new\s+ProcessBuilder\s*\(/
        $param = /request\s*\.\s*getParameter\s*\(/

    condition:
        $runtime_param or (($runtime or $process_builder) and $param)
}
