import { describe, expect, it } from 'vitest';
import { useTestApi } from '../support/suite';

const api = useTestApi();

describe('the API reference works offline and says what each operation needs', () => {
  it('serves /docs from local assets only, without a token', async () => {
    const page = await api().app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    expect(urls.filter((u) => /^(https?:)?\/\//i.test(u))).toEqual([]);
    expect(html).not.toMatch(/https?:\/\//);
    for (const url of urls) {
      const asset = await api().app.request(url);
      expect(asset.status, url).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, url).toBeGreaterThan(100);
    }
    expect((await api().app.request('/docs/assets/package.json')).status).toBe(404);
  });

  it('gives every operation a unique operationId and its roles, and every write the Idempotency-Key header', async () => {
    const doc = (await api().get('/openapi.json', { token: null })).body as any;
    const operations = Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<any>(ops).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(60);
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, method, op } of operations) {
      expect(op['x-roles'], `${method} ${path}`).toEqual(expect.arrayContaining([expect.stringMatching(/^(client|system|ops)$/)]));
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        expect(
          op.parameters?.some((p: any) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
    const assign = doc.paths['/internal/Transfers/incoming/{transferId}/assign'].post;
    expect(assign['x-roles']).toEqual(['ops']);
  });
});
