// The page every Labbook webview loads: a strict CSP, its stylesheets, one nonce'd script and no data.
// Data arrives by postMessage after the script says it is ready. No vscode import: tests build the same page.

import { randomBytes } from 'node:crypto';

/** What the page needs, with URIs already made webview-safe (webview.asWebviewUri). */
export interface WebviewHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh nonce per page load (newNonce()). */
  nonce: string;
  scriptUri: string;
  /** Loaded in this order, so a later sheet overrides an earlier one (media/base.css first). */
  styleUris: readonly string[];
  /** Static page title for assistive technology; never run data. */
  title: string;
}

/** The media/ stylesheets of webview entry `name`, in load order: what every page shares, then the page's own. */
export function pageStylesheets(name: string): string[] {
  return ['base.css', `${name}.css`];
}

/** A nonce from crypto.randomBytes, as the CSP allows scripts only with it. */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/** The page's Content-Security-Policy: nothing by default, scripts only with the nonce, the rest from the extension. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`, `img-src ${cspSource} data:`, `font-src ${cspSource}`].join(
    '; ',
  );
}

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The HTML of a webview page; the script builds the content. */
export function webviewHtml(options: WebviewHtmlOptions): string {
  const nonce = attribute(options.nonce);
  const links = options.styleUris.map((uri) => `<link rel="stylesheet" href="${attribute(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attribute(webviewCsp(options.cspSource, options.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
<title>${attribute(options.title)}</title>
</head>
<body>
<script nonce="${nonce}" src="${attribute(options.scriptUri)}"></script>
</body>
</html>
`;
}
