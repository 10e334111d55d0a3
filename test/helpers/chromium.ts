// Debian's Chromium driven by playwright-core (Playwright's own browser download cannot work
// on these machines; `npm test` installs the package when it is missing), and the set-up
// and tear-down every Chromium test file shares (useChromium).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { type BuiltPackage, buildPackage } from './built-package.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Every flag the browser tests start Chromium with; the machine's network is closed, hence the last four. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  readonly context: BrowserContext;
  /** A new tab; its console errors and uncaught exceptions are collected in `problems`. */
  newPage(): Promise<Page>;
  /** Console errors and page errors of every tab, as "tab n: message". */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh user data directory; fails loudly when it is not installed. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} not found: the browser tests need Debian's Chromium. ` +
        'Install it with `apt-get install -y --no-install-recommends chromium` (`npm test` does this: scripts/system-deps.sh).',
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'rxpeer-chromium-'));
  let context: BrowserContext;
  try {
    // --user-data-dir is the launchPersistentContext argument (Playwright refuses it in args).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 30_000,
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(10_000);
  // A persistent context starts with one blank tab; the tests open their own.
  await Promise.all(context.pages().map((page) => page.close()));
  const problems: string[] = [];
  let tabs = 0;
  return {
    context,
    problems,
    async newPage() {
      const page = await context.newPage();
      const tab = ++tabs;
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`tab ${tab}: console.error ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`tab ${tab}: ${error.stack ?? error.message}`));
      return page;
    },
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

export interface ChromiumRig {
  /** The private build the pages' bundles and the servers run from. */
  readonly built: BuiltPackage;
  readonly browser: Chromium;
}

/**
 * The set-up every Chromium test file shares: before its tests, a private build of the
 * package, then `prepare(built, later)` (bundles, page and WebSocket servers; `later`
 * registers what to stop), then Chromium. After them, Chromium closes first (the tabs'
 * sockets close with it), then what `prepare` registered, last first, then the build goes,
 * whatever failed on the way.
 */
export function useChromium(prepare: (built: BuiltPackage, later: (stop: () => unknown) => void) => Promise<void> = async () => {}): ChromiumRig {
  let built: BuiltPackage | undefined;
  let browser: Chromium | undefined;
  const stops: (() => unknown)[] = [];
  beforeAll(async () => {
    built = await buildPackage();
    await prepare(built, (stop) => stops.push(stop));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    const steps = [() => browser?.close(), ...stops.splice(0).reverse()];
    try {
      const failures = [];
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    } finally {
      built?.remove();
    }
  }, 30_000);
  return {
    get built() {
      if (built === undefined) throw new Error('useChromium: the build is made in beforeAll');
      return built;
    },
    get browser() {
      if (browser === undefined) throw new Error('useChromium: Chromium is launched in beforeAll');
      return browser;
    },
  };
}
