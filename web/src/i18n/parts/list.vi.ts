/** Tiếng Việt for ./list.en.ts: exactly the same keys. */
export const viList = {
};
