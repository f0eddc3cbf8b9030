import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); playwright-core never downloads a browser. */
export const CHROMIUM = process.env.TOOLPORT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium for tests. The background-networking flags keep it from dialling Google's hosts, which this
 * machine's closed network refuses; `--no-sandbox` because CI runs as root.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
