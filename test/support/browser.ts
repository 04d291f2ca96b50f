/** Debian's headless Chromium driven by playwright-core, and a current build of the web app to serve. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = join(import.meta.dirname, '..', '..');
/** Screenshots of the main views, produced by the browser tests. */
export const SHOTS = join(ROOT, 'test-results', 'screenshots');
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`web e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does this)`);

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);

/** Builds dist/web unless it is newer than every file of web/ (a second or so with Vite). */
export function ensureWebBuild(): void {
  const index = join(ROOT, 'dist', 'web', 'index.html');
  const sources = Math.max(newest(join(ROOT, 'web')), statSync(join(ROOT, 'package.json')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  execFileSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', 'web/vite.config.ts'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

/** A headless Chromium with a profile of its own; close() also removes the profile. */
export async function launchBrowser(): Promise<{ browser: BrowserContext; close(): Promise<void> }> {
  mkdirSync(SHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'di-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
