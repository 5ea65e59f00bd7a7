/** English strings of the overview dashboard (merged into ../en.ts). */
export const enOverview = {
  'nav.overview': 'Overview',
  'overview.title': 'Overview',
} as const;
