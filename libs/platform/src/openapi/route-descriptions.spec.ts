import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRouteDocs } from './route-descriptions';

const repoRoot = join(__dirname, '..', '..', '..', '..');

describe('route descriptions', () => {
  it('every HTTP route of every service has a description (its TSDoc), which its OpenAPI document shows', () => {
    const routes = readRouteDocs([join(repoRoot, 'services'), join(repoRoot, 'libs', 'platform', 'src')]);
    expect(routes.length).toBeGreaterThan(40);
    // A route without TSDoc appears here with its file: document it where it is written.
    expect(routes.filter((r) => r.description === undefined).map((r) => `${r.key} (${r.file.slice(repoRoot.length + 1)})`)).toEqual([]);
  });

  it('finds a route\'s TSDoc, and a route without one', () => {
    const fixture = join(repoRoot, 'libs', 'platform', 'test', 'route-descriptions');
    const routes = readRouteDocs([fixture]);
    expect(routes).toEqual([
      { key: 'ExampleController.documented', file: join(fixture, 'example.controller.ts'), description: 'Lists the examples.\n\n`200 {examples}`.' },
      { key: 'ExampleController.undocumented', file: join(fixture, 'example.controller.ts'), description: undefined },
    ]);
  });
});
