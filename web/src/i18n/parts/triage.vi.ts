/** Tiếng Việt for ./triage.en.ts: exactly the same keys. */
export const viTriage = {
};
