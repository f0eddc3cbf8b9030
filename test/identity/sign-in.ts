// Drives Identity's login and consent pages in headless Chromium, as a user of an MCP client does.
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';

/** How a browser authorization goes: who signs in (a signed-in context skips it), and what consent must look like. */
export interface BrowserAuthorization {
  signIn?: { username: string; password: string };
  /** When given, asserts whether the consent page appeared. */
  consent?: boolean;
  /** When given, the consent page must show this (the scopes asked for). */
  consentShows?: RegExp;
}

/**
 * Opens an authorization URL, signs in when asked to, allows consent when the page asks (loopback clients are asked
 * every time, RFC 8252 §8.6), and resolves to the callback URL it lands on.
 */
export async function authorizeInBrowser(
  context: BrowserContext,
  url: string,
  redirectUri: string,
  { signIn, consent, consentShows }: BrowserAuthorization = {},
): Promise<URL> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    if (signIn) {
      await page.fill('#username', signIn.username);
      await page.fill('#password', signIn.password);
      await page.click('#sign-in');
    }
    const landed = page.waitForURL((u) => u.href.startsWith(redirectUri), { timeout: 15_000 });
    const asked = await Promise.race([landed.then(() => false), page.waitForSelector('#allow', { timeout: 15_000 }).then(() => true)]);
    if (consent !== undefined) assert.equal(asked, consent, 'the consent page appears when expected');
    if (asked) {
      if (consentShows) assert.match(await page.content(), consentShows);
      await page.click('#allow');
    }
    await landed;
    return new URL(page.url());
  } finally {
    await page.close();
  }
}
