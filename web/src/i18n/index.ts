import { en } from './en';

/** Every message key the console uses; a translation must provide all of them. */
export type MessageKey = keyof typeof en;
export type Dictionary = Record<MessageKey, string>;
type Params = Record<string, string | number>;

/** Keys that have plural forms: `foo` when `foo_other` exists. */
export type PluralKey = { [K in MessageKey]: K extends `${infer Base}_other` ? Base : never }[MessageKey];

interface Language {
  /** BCP 47 tag for Intl formatting (dates, numbers, plural rules). */
  locale: string;
  messages: Dictionary;
}

const languages: Record<string, Language> = {
  en: { locale: 'en-GB', messages: en },
};

let active: Language = languages.en!;
let numberFormat = new Intl.NumberFormat(active.locale);
let pluralRules = new Intl.PluralRules(active.locale);

/** Registers a translation (a later issue adds Vietnamese). */
export function registerLanguage(code: string, locale: string, messages: Dictionary): void {
  languages[code] = { locale, messages };
}

export function setLanguage(code: string): void {
  const lang = languages[code];
  if (!lang) return;
  active = lang;
  numberFormat = new Intl.NumberFormat(lang.locale);
  pluralRules = new Intl.PluralRules(lang.locale);
  document.documentElement.lang = code;
}

/** The BCP 47 locale of the active language. */
export function locale(): string {
  return active.locale;
}

function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numberFormat.format(value) : value;
  });
}

/** The message for `key` in the active language, with `{param}` placeholders filled in. */
export function t(key: MessageKey, params?: Params): string {
  return interpolate(active.messages[key] ?? en[key], params);
}

/** Plural-aware message: `tp('incidents.total', 3)` reads `incidents.total_other` with `{count}` = 3. */
export function tp(base: PluralKey, count: number, params?: Params): string {
  const rule = pluralRules.select(count);
  const messages = active.messages as Record<string, string>;
  const template = messages[`${base}_${rule}`] ?? messages[`${base}_other`] ?? base;
  return interpolate(template, { count, ...params });
}

/** Whether a dynamic key (e.g. built from a server value) exists. */
export function hasKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(active.messages, key);
}

export function formatNumber(n: number): string {
  return numberFormat.format(n);
}
