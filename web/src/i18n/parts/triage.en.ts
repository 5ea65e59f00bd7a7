/** English strings of the console's triage part (merged into ../en.ts). */
export const enTriage = {
} as const;
