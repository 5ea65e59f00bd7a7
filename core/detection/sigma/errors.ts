/** Path from the document root to the offending node: mapping keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/** A rule that cannot be compiled. `path` locates the offending key so the loader can report its line. */
export class SigmaRuleError extends Error {
  readonly path: YamlPath;

  constructor(message: string, path: YamlPath = []) {
    super(message);
    this.name = 'SigmaRuleError';
    this.path = path;
  }
}
