/** Tiếng Việt for ./overview.en.ts: exactly the same keys. */
export const viOverview = {
  'nav.overview': 'Tổng quan',
  'overview.title': 'Tổng quan',
};
