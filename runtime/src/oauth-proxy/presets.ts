/**
 * Upstream identity providers as data: where to send the user, where to redeem the code, and
 * which claim names the user. OIDC providers are found through their issuer's discovery document;
 * plain OAuth 2 providers (GitHub) list their endpoints and read the user from an API.
 */

export interface UpstreamPreset {
  /** OIDC: endpoints come from `<issuer>/.well-known/openid-configuration`, and an ID token is verified. */
  oidc: boolean;
  /** A fixed issuer (Google); otherwise MCP_OAUTH_UPSTREAM_ISSUER is required (tenant, realm, domain). */
  issuer?: string;
  /** Plain OAuth 2: the endpoints. */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  /** Plain OAuth 2: the API that answers who the user is (with the upstream access token). */
  userinfoEndpoint?: string;
  /** Scopes requested when MCP_OAUTH_UPSTREAM_SCOPES is unset. */
  scopes: string[];
  /** The claim (ID token or user info) that identifies the user; becomes `sub` of our tokens. */
  subjectClaim: string;
  /** Claims copied into our tokens under standard names (`email`, `name`). */
  claims: Readonly<Record<'email' | 'name', string>>;
  /** What the issuer setting looks like, for the error when it is missing. */
  issuerHint?: string;
}

export const UPSTREAM_PRESETS = {
  github: {
    oidc: false,
    authorizationEndpoint: 'https://github.com/login/oauth/authorize',
    tokenEndpoint: 'https://github.com/login/oauth/access_token',
    userinfoEndpoint: 'https://api.github.com/user',
    scopes: ['read:user', 'user:email'],
    // The numeric id: a login can be renamed and then taken by someone else.
    subjectClaim: 'id',
    claims: { email: 'email', name: 'login' },
  },
  google: {
    oidc: true,
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    subjectClaim: 'sub',
    claims: { email: 'email', name: 'name' },
  },
  entra: {
    oidc: true,
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    // `sub` is pairwise per application; `oid` is the user's object id across the tenant.
    subjectClaim: 'oid',
    claims: { email: 'preferred_username', name: 'name' },
    issuerHint: 'https://login.microsoftonline.com/<tenant-id>/v2.0',
  },
  auth0: {
    oidc: true,
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    subjectClaim: 'sub',
    claims: { email: 'email', name: 'name' },
    issuerHint: 'https://<tenant>.<region>.auth0.com/',
  },
  keycloak: {
    oidc: true,
    scopes: ['openid', 'email', 'profile'],
    subjectClaim: 'sub',
    claims: { email: 'email', name: 'preferred_username' },
    issuerHint: 'https://<host>/realms/<realm>',
  },
  oidc: {
    oidc: true,
    scopes: ['openid', 'email', 'profile'],
    subjectClaim: 'sub',
    claims: { email: 'email', name: 'name' },
    issuerHint: 'https://idp.example.com',
  },
} as const satisfies Record<string, UpstreamPreset>;

export type UpstreamPresetName = keyof typeof UPSTREAM_PRESETS;
export const UPSTREAM_PRESET_NAMES = Object.keys(UPSTREAM_PRESETS) as UpstreamPresetName[];
