import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** deploy/kubernetes/: read by `npm run check:manifests` (schemas) and test/unit/kubernetes.test.ts (wiring). */
export const MANIFEST_DIR = fileURLToPath(new URL('../deploy/kubernetes/', import.meta.url));

/** The files kustomization.yaml applies; any other .yaml in the directory is an error (it would never be applied). */
export function manifestFiles(dir = MANIFEST_DIR): string[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
  const resources = kustomization.resources ?? [];
  const stray = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml' && !resources.includes(file));
  if (stray.length > 0) throw new Error(`not listed in deploy/kubernetes/kustomization.yaml (so never applied): ${stray.join(', ')}`);
  return resources;
}

export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: any;
}

/**
 * Every resource of every applied file. YAML 1.1, as kubectl reads it: a file must not mean one
 * thing to the cluster and another to this test (0440, yes/no).
 */
export function loadResources(dir = MANIFEST_DIR): Resource[] {
  return manifestFiles(dir).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'), { version: '1.1' }).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      return doc.toJS() as Resource;
    }),
  );
}
