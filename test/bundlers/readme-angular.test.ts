// The README's Angular snippet is the example app's service, verbatim (the app itself is
// built and run by angular.test.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/built-package.js';

it("the README's Angular service is examples/angular/src/app/chat.service.ts", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### In an Angular service'));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(snippet).toBe(readFileSync(join(REPO_ROOT, 'examples', 'angular', 'src', 'app', 'chat.service.ts'), 'utf8'));
});
