import { en } from './en';
import { vi } from './vi';

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

/** Compile-time check: a translation has exactly the keys of `en` (no missing key: `Dictionary`; no extra key: this). */
type ExtraKeys<T> = Exclude<keyof T, MessageKey>;
export type TranslationIsExact<T extends Dictionary> = ExtraKeys<T> extends never ? true : { extraKeys: ExtraKeys<T> };
export const VI_IS_EXACT: TranslationIsExact<typeof vi> = true;

/** The languages offered in the switcher, in the order shown. */
export const LANGUAGES = [
  { code: 'en', label: 'EN', name: 'English' },
  { code: 'vi', label: 'VI', name: 'Tiếng Việt' },
] as const;
export type LanguageCode = (typeof LANGUAGES)[number]['code'];

/** Where the user's choice is remembered. */
export const LANGUAGE_STORAGE_KEY = 'vigil.lang';

let active: Language = languages.en!;
let activeCode = 'en';
const listeners = new Set<(code: string) => void>();
let numberFormat = new Intl.NumberFormat(active.locale);
let pluralRules = new Intl.PluralRules(active.locale);

/** Registers a translation (a later issue adds Vietnamese). */
export function registerLanguage(code: string, locale: string, messages: Dictionary): void {
  languages[code] = { locale, messages };
}

export function setLanguage(code: string, opts: { remember?: boolean } = {}): void {
  const lang = languages[code];
  if (!lang) return;
  const changed = code !== activeCode;
  active = lang;
  activeCode = code;
  numberFormat = new Intl.NumberFormat(lang.locale);
  pluralRules = new Intl.PluralRules(lang.locale);
  document.documentElement.lang = code;
  if (opts.remember) {
    try {
      localStorage.setItem(LANGUAGE_STORAGE_KEY, code);
    } catch {
      // storage unavailable (private mode, policy): the choice lasts for this page only
    }
  }
  if (changed) for (const fn of listeners) fn(code);
}

/** The code of the active language (`en`, `vi`). */
export function language(): string {
  return activeCode;
}

/** Runs `fn` after every change of language; returns an unsubscribe function. */
export function onLanguageChange(fn: (code: string) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The remembered choice, else Vietnamese when the browser prefers it, else English. */
export function initialLanguage(): string {
  try {
    const stored = localStorage.getItem(LANGUAGE_STORAGE_KEY);
    if (stored && languages[stored]) return stored;
  } catch {
    // storage unavailable
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = (tag ?? '').toLowerCase().split('-')[0] ?? '';
    if (base === 'vi') return 'vi';
    if (base === 'en') return 'en';
  }
  return 'en';
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

registerLanguage('vi', 'vi-VN', vi);
setLanguage(initialLanguage());
