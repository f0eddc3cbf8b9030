import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { BodyTooLargeError, readBody } from '../../http/index.js';
import type { Logger } from '../../log/index.js';
import type { Directory } from './directory.js';
import { SignInThrottled } from './throttle.js';
import { resourceLabel } from './provider.js';
import { consentPage, errorPage, loginPage, PAGE_HEADERS } from './views.js';

const MAX_FORM_BYTES = 16 * 1024;
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|confirm|abort))?$/;

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The login and consent pages of the authorization-code flow (oidc-provider "interactions"). A page works only in
 * the browser that started the flow: oidc-provider binds each interaction to a SameSite=Lax cookie, and every form
 * also carries a token derived from the interaction id with a server secret and is refused from a foreign Origin.
 */
export class Interactions {
  constructor(
    private readonly provider: () => Provider,
    private readonly directory: Directory,
    private readonly csrfKey: string,
    private readonly basePath: string,
    private readonly log: Logger,
  ) {}

  /** Whether `path` (below the issuer path) is an interaction page. */
  static matches(path: string): boolean {
    return INTERACTION.test(path);
  }

  private csrf(uid: string): string {
    return createHmac('sha256', this.csrfKey).update(`interaction:${uid}`).digest('base64url');
  }

  private send(res: ServerResponse, status: number, html: string): void {
    res.writeHead(status, PAGE_HEADERS).end(html);
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const [, uid = '', action] = INTERACTION.exec(path) ?? [];
    let details: Details;
    try {
      details = await this.provider().interactionDetails(req, res);
    } catch {
      // No interaction cookie for this browser, or the sign-in took too long.
      return this.send(res, 400, errorPage('interaction_expired', 'This sign-in page is no longer valid in this browser.'));
    }
    if (details.uid !== uid) return this.send(res, 400, errorPage('invalid_request', 'This sign-in page belongs to another sign-in.'));
    if (!action) {
      if (req.method !== 'GET') return this.send(res, 405, errorPage('method_not_allowed'));
      return this.render(res, details);
    }
    if (req.method !== 'POST') return this.send(res, 405, errorPage('method_not_allowed'));
    let form: URLSearchParams;
    try {
      form = new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyTooLargeError) return this.send(res, 413, errorPage('request_too_large'));
      throw error;
    }
    if (!this.sameOrigin(req) || !this.validCsrf(uid, form.get('csrf'))) {
      return this.send(res, 403, errorPage('forbidden', 'The form was not submitted from this sign-in page.'));
    }
    if (action === 'abort') {
      return this.finish(req, res, { error: 'access_denied', error_description: 'the user denied the request' });
    }
    if (action === 'login') {
      if (details.prompt.name !== 'login') return this.render(res, details);
      const username = form.get('username') ?? '';
      let user;
      try {
        user = await this.directory.users.authenticate(username, form.get('password') ?? '');
      } catch (error) {
        if (!(error instanceof SignInThrottled)) throw error;
        this.log.info('sign-in refused', { uid, reason: 'throttled' });
        res.setHeader('retry-after', String(error.retryAfterSeconds));
        return this.send(
          res,
          429,
          loginPage({
            ...this.formTargets(uid),
            client: await this.clientName(details),
            username,
            error: `Too many failed attempts. Try again in ${error.retryAfterSeconds} seconds.`,
          }),
        );
      }
      if (!user) {
        this.log.info('sign-in refused', { uid, reason: 'unknown user or wrong password' });
        return this.send(
          res,
          401,
          loginPage({ ...this.formTargets(uid), client: await this.clientName(details), username, error: 'Wrong username or password.' }),
        );
      }
      return this.finish(req, res, { login: { accountId: user.sub } });
    }
    if (details.prompt.name !== 'consent') return this.render(res, details);
    return this.finish(req, res, { consent: { grantId: await this.grant(details) } });
  }

  /** The client's registered name, else its id. */
  private async clientName(details: Details): Promise<string> {
    const clientId = String(details.params.client_id);
    const client = await this.provider().Client.find(clientId);
    return client?.clientName ?? clientId;
  }

  private formTargets(uid: string): { action: string; csrf: string } {
    return { action: `${this.basePath}/interaction/${uid}/login`, csrf: this.csrf(uid) };
  }

  private async render(res: ServerResponse, details: Details): Promise<void> {
    const client = await this.clientName(details);
    if (details.prompt.name === 'login') return this.send(res, 200, loginPage({ ...this.formTargets(details.uid), client }));
    const user = details.session?.accountId ? await this.directory.users.bySub(details.session.accountId) : undefined;
    // Everything the client asks for, including what an earlier grant already covers: the user approves the whole.
    const scopes = typeof details.params.scope === 'string' ? details.params.scope.split(' ').filter(Boolean) : [];
    const resource = details.params.resource;
    const resources = (Array.isArray(resource) ? resource : resource ? [resource] : []).map((r) => resourceLabel(String(r)));
    return this.send(
      res,
      200,
      consentPage({
        action: `${this.basePath}/interaction/${details.uid}/confirm`,
        abort: `${this.basePath}/interaction/${details.uid}/abort`,
        csrf: this.csrf(details.uid),
        client,
        username: user?.username ?? 'you',
        scopes,
        resources,
      }),
    );
  }

  /** Records what the user approved on the screen: the OpenID scopes and claims and each resource's scopes. */
  private async grant(details: Details): Promise<string> {
    const provider = this.provider();
    const accountId = details.session?.accountId as string;
    const clientId = details.params.client_id as string;
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    return grant.save();
  }

  private async finish(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>): Promise<void> {
    await this.provider().interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  private validCsrf(uid: string, given: string | null): boolean {
    const expected = Buffer.from(this.csrf(uid));
    const actual = Buffer.from(given ?? '');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /**
   * Browsers send Origin on form posts; one naming another host means a cross-site submission. The scheme is not
   * compared, so the pages keep working behind a TLS-terminating proxy.
   */
  private sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return origin === undefined || URL.parse(origin)?.host === req.headers.host;
  }
}
