/*
 * Vigil starter rules: ransom notes. A note dropped on a file share or shown to a user combines "your files are
 * encrypted" wording with payment / contact instructions.
 */

rule vigil_ransom_note_text : ransomware
{
    meta:
        author = "Vigil"
        description = "Ransom note wording: files encrypted, plus payment or contact instructions"
        severity = "critical"
        mitre_attack = "T1486"
        reference = "https://attack.mitre.org/techniques/T1486/"
        date = "2025-01-15"

    strings:
        $note_encrypted = /(your|all( of)? your|the) (important )?(files|documents|data)( and [a-z]+)? (have been|has been|were|are) (encrypted|locked)/ nocase ascii wide
        $note_recover = /(decrypt|recover|restore|get back) (your|all your|the) (files|data|documents)/ nocase ascii wide
        $note_key = /(unique |private |secret )?decryption (key|tool|software|program)/ nocase ascii wide
        $pay_bitcoin = /\b(bitcoin|BTC|monero|XMR) (wallet|address)\b/ nocase ascii wide
        $pay_tor = /(tor browser|[a-z2-7]{16,56}\.onion\b)/ nocase ascii wide
        $pay_deadline = /(within|in) [0-9]{1,3} (hours|days)\b.{0,60}(price|pay|double|deleted|published|leaked)/ nocase ascii wide

    condition:
        any of ($note*) and any of ($pay*)
}
