/**
 * The vocabularies an incident report is written in, as data: the ENISA / CSIRTs Network Reference Security
 * Incident Taxonomy (RSIT) classes with their incident types, the US National Cyber Incident Scoring System (NCISS)
 * levels, and FIRST Traffic Light Protocol 2.0 labels. Slugs are what the API stores and accepts; labels are what
 * people read (PDF, CSV, console).
 */

export interface TaxonomyType {
  slug: string;
  label: string;
}

export interface TaxonomyClass {
  slug: string;
  label: string;
  types: readonly TaxonomyType[];
}

const type = (slug: string, label: string): TaxonomyType => ({ slug, label });

/** RSIT classes in the taxonomy's own order, each with its incident types. */
export const RSIT_TAXONOMY: readonly TaxonomyClass[] = [
  {
    slug: 'abusive-content',
    label: 'Abusive Content',
    types: [type('spam', 'Spam'), type('harmful-speech', 'Harmful Speech'), type('violence', 'Child/Sexual/Violence/...')],
  },
  {
    slug: 'malicious-code',
    label: 'Malicious Code',
    types: [
      type('infected-system', 'Infected System'),
      type('c2-server', 'C2 Server'),
      type('malware-distribution', 'Malware Distribution'),
      type('malware-configuration', 'Malware Configuration'),
    ],
  },
  {
    slug: 'information-gathering',
    label: 'Information Gathering',
    types: [type('scanner', 'Scanning'), type('sniffing', 'Sniffing'), type('social-engineering', 'Social Engineering')],
  },
  {
    slug: 'intrusion-attempts',
    label: 'Intrusion Attempts',
    types: [
      type('ids-alert', 'Exploitation of Known Vulnerabilities'),
      type('brute-force', 'Login Attempts'),
      type('exploit', 'New Attack Signature'),
    ],
  },
  {
    slug: 'intrusions',
    label: 'Intrusions',
    types: [
      type('privileged-account-compromise', 'Privileged Account Compromise'),
      type('unprivileged-account-compromise', 'Unprivileged Account Compromise'),
      type('application-compromise', 'Application Compromise'),
      type('system-compromise', 'System Compromise'),
      type('burglary', 'Burglary'),
    ],
  },
  {
    slug: 'availability',
    label: 'Availability',
    types: [
      type('dos', 'Denial of Service'),
      type('ddos', 'Distributed Denial of Service'),
      type('misconfiguration', 'Misconfiguration'),
      type('sabotage', 'Sabotage'),
      type('outage', 'Outage'),
    ],
  },
  {
    slug: 'information-content-security',
    label: 'Information Content Security',
    types: [
      type('unauthorised-information-access', 'Unauthorised Access to Information'),
      type('unauthorised-information-modification', 'Unauthorised Modification of Information'),
      type('data-loss', 'Data Loss'),
      type('data-leak', 'Leak of Confidential Information'),
    ],
  },
  {
    slug: 'fraud',
    label: 'Fraud',
    types: [
      type('unauthorised-use-of-resources', 'Unauthorised Use of Resources'),
      type('copyright', 'Copyright'),
      type('masquerade', 'Masquerade'),
      type('phishing', 'Phishing'),
    ],
  },
  {
    slug: 'vulnerable',
    label: 'Vulnerable',
    types: [
      type('weak-crypto', 'Weak Cryptography'),
      type('ddos-amplifier', 'DDoS Amplifier'),
      type('potentially-unwanted-accessible', 'Potentially Unwanted Accessible Services'),
      type('information-disclosure', 'Information Disclosure'),
      type('vulnerable-system', 'Vulnerable System'),
    ],
  },
  { slug: 'other', label: 'Other', types: [type('other', 'Uncategorised'), type('undetermined', 'Undetermined')] },
  { slug: 'test', label: 'Test', types: [type('test', 'Test')] },
];

export const REPORT_CATEGORIES = RSIT_TAXONOMY.map((c) => c.slug) as readonly string[];

export function isReportCategory(v: unknown): v is string {
  return typeof v === 'string' && REPORT_CATEGORIES.includes(v);
}

/** Whether `typeSlug` is an RSIT type of class `category`. */
export function isReportType(category: string, typeSlug: string): boolean {
  return RSIT_TAXONOMY.find((c) => c.slug === category)?.types.some((t) => t.slug === typeSlug) ?? false;
}

export function categoryLabel(slug: string): string {
  return RSIT_TAXONOMY.find((c) => c.slug === slug)?.label ?? slug;
}

export function typeLabel(category: string, typeSlug: string | null): string {
  if (!typeSlug) return '';
  return RSIT_TAXONOMY.find((c) => c.slug === category)?.types.find((t) => t.slug === typeSlug)?.label ?? typeSlug;
}

/** NCISS levels, most severe first. */
export const NCISS_LEVELS = [
  'emergency',
  'severe',
  'high',
  'medium',
  'low',
  'baseline-minor',
  'baseline-negligible',
] as const;
export type NcissLevel = (typeof NCISS_LEVELS)[number];

export const NCISS_LABELS: Readonly<Record<NcissLevel, string>> = {
  emergency: 'Emergency (Level 5)',
  severe: 'Severe (Level 4)',
  high: 'High (Level 3)',
  medium: 'Medium (Level 2)',
  low: 'Low (Level 1)',
  'baseline-minor': 'Baseline – Minor (Level 0)',
  'baseline-negligible': 'Baseline – Negligible (Level 0)',
};

/** FIRST TLP 2.0 labels, least restrictive first. */
export const TLP_LEVELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export type TlpLevel = (typeof TLP_LEVELS)[number];

/** The report severity an incident's Sigma level suggests when a report is prefilled from it. */
export const SIGMA_TO_NCISS: Readonly<Record<string, NcissLevel>> = {
  critical: 'severe',
  high: 'high',
  medium: 'medium',
  low: 'low',
  informational: 'baseline-minor',
};
