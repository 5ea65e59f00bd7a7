/** English strings of the console's list part (merged into ../en.ts). */
export const enList = {
} as const;
