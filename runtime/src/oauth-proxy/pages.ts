/** The server-rendered pages: the consent form and the error page (no script, no framework). */
import { escapeHtml } from './http-util.js';

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}h1{font-size:1.3rem}code{background:#f3f3f3;padding:0 .25rem}ul{padding-left:1.2rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export interface ConsentView {
  serverName: string;
  clientName: string;
  clientId: string;
  redirectHost: string;
  scopes: string[];
  user: string;
  transaction: string;
  csrf: string;
}

export function consentPage(view: ConsentView): string {
  const scopes = view.scopes.length > 0 ? `<ul>${view.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>` : '<p>No scopes.</p>';
  return page(
    `Allow ${view.clientName}?`,
    `<h1>Allow <strong>${escapeHtml(view.clientName)}</strong> to use ${escapeHtml(view.serverName)}?</h1>
<p>Signed in as <strong>${escapeHtml(view.user)}</strong>.</p>
<p>The application (<code>${escapeHtml(view.clientId)}</code>) will receive access on your behalf and be sent back to <strong>${escapeHtml(view.redirectHost)}</strong>.</p>
<p>It asks for:</p>${scopes}
<form method="post" action="/oauth/consent">
<input type="hidden" name="transaction" value="${escapeHtml(view.transaction)}">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<button type="submit" name="decision" value="allow">Allow</button><button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p>Return to the application and start again.</p>`);
}
