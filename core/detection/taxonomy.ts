/**
 * Incident categories: the classes of the ENISA / CSIRTs Network Reference Security Incident Taxonomy (RSIT).
 * A rule names its class with the custom top-level attribute `taxonomy:`; otherwise the class is derived from its
 * MITRE ATT&CK tags with the small table below.
 */

export const ENISA_CLASSES = [
  'abusive-content',
  'malicious-code',
  'information-gathering',
  'intrusion-attempts',
  'intrusions',
  'availability',
  'information-content-security',
  'fraud',
  'vulnerable',
  'other',
] as const;
export type EnisaClass = (typeof ENISA_CLASSES)[number];

export function isEnisaClass(v: unknown): v is EnisaClass {
  return typeof v === 'string' && (ENISA_CLASSES as readonly string[]).includes(v);
}

/**
 * Techniques whose class is clearer than their tactic's. Checked first, in this order.
 * attack.tNNNN sub-techniques (attack.t1059.001) count as their parent technique.
 */
const TECHNIQUE_CLASSES: readonly (readonly [string, EnisaClass])[] = [
  ['t1486', 'malicious-code'], // data encrypted for impact (ransomware)
  ['t1204', 'malicious-code'], // user execution (malicious file or link)
  ['t1491', 'information-content-security'], // defacement
  ['t1498', 'availability'], // network denial of service
  ['t1499', 'availability'], // endpoint denial of service
  ['t1566', 'fraud'], // phishing
  ['t1595', 'information-gathering'], // active scanning
  ['t1110', 'intrusion-attempts'], // brute force
  ['t1190', 'intrusion-attempts'], // exploit public-facing application
];

/** Tactics, most severe class first: when a rule has several, the first one listed here wins. */
const TACTIC_CLASSES: readonly (readonly [string, EnisaClass])[] = [
  ['impact', 'availability'],
  ['execution', 'intrusions'],
  ['persistence', 'intrusions'],
  ['privilege-escalation', 'intrusions'],
  ['defense-evasion', 'intrusions'],
  ['lateral-movement', 'intrusions'],
  ['collection', 'intrusions'],
  ['command-and-control', 'intrusions'],
  ['exfiltration', 'intrusions'],
  ['initial-access', 'intrusion-attempts'],
  ['credential-access', 'intrusion-attempts'],
  ['reconnaissance', 'information-gathering'],
  ['discovery', 'information-gathering'],
  ['resource-development', 'information-gathering'],
];

/**
 * The ENISA class slug of a rule: its valid `taxonomy` attribute when present, else derived from its ATT&CK tags
 * (technique table first, then tactics), else `other`. An invalid `taxonomy` is rejected at load time; here it is
 * ignored.
 */
export function categoryForRule(rule: { tags: string[]; taxonomy?: string | null }): string {
  if (rule.taxonomy != null) {
    const t = rule.taxonomy.trim().toLowerCase();
    if (isEnisaClass(t)) return t;
  }
  const techniques = new Set<string>();
  const tactics = new Set<string>();
  for (const raw of rule.tags) {
    const tag = raw.trim().toLowerCase();
    if (!tag.startsWith('attack.')) continue;
    const rest = tag.slice('attack.'.length);
    const tech = /^(t\d{4})(?:\.\d{3})?$/.exec(rest);
    if (tech) techniques.add(tech[1]!);
    else tactics.add(rest.replace(/_/g, '-'));
  }
  for (const [t, cls] of TECHNIQUE_CLASSES) if (techniques.has(t)) return cls;
  for (const [t, cls] of TACTIC_CLASSES) if (tactics.has(t)) return cls;
  return 'other';
}
