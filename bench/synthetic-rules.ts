import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * Copies the starter rules and adds simple synthetic ones until there are `total`, so the bench measures the
 * pipeline against a realistic rule count. The synthetic rules look for strings the bench never sends.
 */
export function writeSyntheticRules(fromDir: string, toDir: string, total: number): number {
  fs.cpSync(fromDir, toDir, { recursive: true });
  const sigmaDir = path.join(toDir, 'sigma', 'synthetic');
  fs.mkdirSync(sigmaDir, { recursive: true });
  const existing = countRules(path.join(toDir, 'sigma'));
  const logsources = [
    'product: windows\n  category: process_creation',
    'category: webserver',
    'category: dns',
    'product: linux\n  service: auth',
  ];
  for (let i = existing; i < total; i++) {
    const ls = logsources[i % logsources.length]!;
    const field = ls.includes('process_creation') ? 'CommandLine|contains' : ls.includes('webserver') ? 'c-uri|contains' : ls.includes('dns') ? 'query|endswith' : 'message|contains';
    fs.writeFileSync(
      path.join(sigmaDir, `synthetic_${i}.yml`),
      `title: Synthetic bench rule ${i}\nid: ${randomUUID()}\nstatus: experimental\nlevel: low\nlogsource:\n  ${ls}\ndetection:\n  selection:\n    ${field}:\n      - 'bench-needle-${i}-a'\n      - 'bench-needle-${i}-b'\n  condition: selection\n`,
    );
  }
  return Math.max(existing, total);
}

function countRules(dir: string): number {
  let n = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.ya?ml$/.test(entry.name)) n++;
  }
  return n;
}
