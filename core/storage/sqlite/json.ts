/** JSON columns: written with JSON.stringify, read back here. */
export function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}
