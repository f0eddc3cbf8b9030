import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (checked, or installed, by scripts/prerequisites.mjs); playwright-core never downloads a browser. */
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

/**
 * Signs in on Identity's login page as `alice` (the client tests' user) and allows the consent, as a person would,
 * until the client's loopback catcher says "Signed in".
 */
export async function signInWithBrowser(browser: Browser, url: URL, user = { username: 'alice', password: 'wonderland-1' }): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto(url.href);
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await page.click('#sign-in');
    // Identity asks for consent unless the client is already allowed what it asks for.
    await page.locator('#allow').or(page.getByText('Signed in')).first().waitFor({ timeout: 15_000 });
    if (await page.$('#allow')) await page.click('#allow');
    await page.getByText('Signed in').waitFor({ timeout: 15_000 });
  } finally {
    await page.close();
  }
}
