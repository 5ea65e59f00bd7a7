/**
 * ENISA / CSIRTs Network Reference Security Incident Taxonomy (RSIT): the incident types of each class. The classes
 * themselves are the incident categories (core/detection/taxonomy.ts ENISA_CLASSES); an incident's `type` must be
 * one of its category's types.
 */
import { ENISA_CLASSES, type EnisaClass } from '../detection/taxonomy.js';

export const ENISA_TYPES: Readonly<Record<EnisaClass, readonly string[]>> = {
  'abusive-content': ['spam', 'harmful-speech', 'violence'],
  'malicious-code': ['infected-system', 'c2-server', 'malware-distribution', 'malware-configuration'],
  'information-gathering': ['scanner', 'sniffing', 'social-engineering'],
  'intrusion-attempts': ['ids-alert', 'brute-force', 'exploit'],
  intrusions: [
    'privileged-account-compromise',
    'unprivileged-account-compromise',
    'application-compromise',
    'system-compromise',
    'burglary',
  ],
  availability: ['dos', 'ddos', 'misconfiguration', 'sabotage', 'outage'],
  'information-content-security': [
    'unauthorised-information-access',
    'unauthorised-information-modification',
    'data-loss',
    'data-leak',
  ],
  fraud: ['unauthorised-use-of-resources', 'copyright', 'masquerade', 'phishing'],
  vulnerable: ['weak-crypto', 'ddos-amplifier', 'potentially-unwanted-accessible', 'information-disclosure', 'vulnerable-system'],
  other: ['other', 'undetermined'],
};

export { ENISA_CLASSES };

/** Whether `type` is an RSIT type of `category`. */
export function isEnisaType(category: string, type: string): boolean {
  return (ENISA_TYPES as Record<string, readonly string[] | undefined>)[category]?.includes(type) ?? false;
}
