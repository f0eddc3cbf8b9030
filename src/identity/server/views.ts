/** Server-rendered pages of the authorization server: no scripts, no external assets, every value HTML-escaped. */
import { escapeHtml } from '../../http/index.js';

/**
 * Response headers for every page: no framing (clickjacking), no scripts; pages carry per-interaction state, so
 * nothing is cached. No CSP form-action: browsers apply it to the redirect that follows the post, and that redirect
 * goes to the client's redirect URI on another origin.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer Chromium posts forms with `Origin: null`, which the CSRF check refuses.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:48px 16px;color:#1d2330}
main{max-width:360px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.3em;margin:0 0 16px}label{display:block;margin:12px 0 4px;font-size:.9em}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;border:1px solid #b8bec9;border-radius:4px;font-size:1em}
button{margin-top:18px;padding:9px 16px;border:0;border-radius:4px;background:#2456d3;color:#fff;font-size:1em;cursor:pointer}
button.secondary{background:#e3e6eb;color:#1d2330;margin-left:8px}.error{color:#b3261e;margin:8px 0}ul{padding-left:20px}code{font-size:.9em}`;

/** A complete HTML page around `body` (already escaped). */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Toolport</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The sign-in form of one interaction. */
export function loginPage(options: { action: string; csrf: string; client: string; username?: string; error?: string }): string {
  return page(
    'Sign in',
    `<h1>Sign in</h1><p>to continue to <strong>${escapeHtml(options.client)}</strong></p>
${options.error ? `<p class="error" role="alert">${escapeHtml(options.error)}</p>` : ''}
<form method="post" action="${escapeHtml(options.action)}" autocomplete="on">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
<label for="username">Username</label><input type="text" id="username" name="username" required autofocus value="${escapeHtml(options.username ?? '')}">
<label for="password">Password</label><input type="password" id="password" name="password" required>
<button type="submit" id="sign-in">Sign in</button></form>`,
  );
}

/** The consent form: what the client asks for, approve or deny. */
export function consentPage(options: {
  action: string;
  abort: string;
  csrf: string;
  client: string;
  username: string;
  scopes: string[];
  resources: string[];
}): string {
  const list = (items: string[]): string => `<ul>${items.map((item) => `<li><code>${escapeHtml(item)}</code></li>`).join('')}</ul>`;
  return page(
    'Allow access',
    `<h1>Allow access?</h1><p><strong>${escapeHtml(options.client)}</strong> asks to act as <strong>${escapeHtml(options.username)}</strong>.</p>
${options.scopes.length ? `<p>Permissions:</p>${list(options.scopes)}` : ''}
${options.resources.length ? `<p>For:</p>${list(options.resources)}` : ''}
<form method="post" action="${escapeHtml(options.action)}" style="display:inline"><input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}"><button type="submit" id="allow">Allow</button></form>
<form method="post" action="${escapeHtml(options.abort)}" style="display:inline"><input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}"><button type="submit" class="secondary" id="deny">Deny</button></form>`,
  );
}

/** An error page that names the OAuth error code and a safe description. */
export function errorPage(error: string, description?: string): string {
  return page(
    'Sign-in error',
    `<h1>Something went wrong</h1><p><code>${escapeHtml(error)}</code></p>${description ? `<p>${escapeHtml(description)}</p>` : ''}<p>Start the sign-in again from the application.</p>`,
  );
}
