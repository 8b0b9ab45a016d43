import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNonce, webviewCsp, webviewHtml } from '../../src/extension/panels/webviewHtml';

const options = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'bm9uY2Uvd2l0aCtwbHVzPQ==',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/runPanel.js?a=1&b="2"',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/runPanel.css',
  title: 'Labbook run',
};

describe('webviewHtml', () => {
  it('allows nothing by default, scripts only with the nonce, the rest only from the extension', () => {
    assert.equal(
      webviewCsp(options.cspSource, options.nonce),
      `default-src 'none'; script-src 'nonce-${options.nonce}'; style-src ${options.cspSource}; img-src ${options.cspSource} data:; font-src ${options.cspSource}`,
    );
  });

  it('has one script, carrying the nonce, and no inline script, style or data', () => {
    const html = webviewHtml(options);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, new RegExp(`<script nonce="${options.nonce}" src="[^"]+"></script>`));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-/);
    assert.doesNotMatch(html, /<style|\sstyle="|\son\w+=/);
    assert.match(html, /<script[^>]*><\/script>/, 'the script tag is empty');
  });

  it('escapes attribute values', () => {
    const html = webviewHtml(options);
    assert.ok(html.includes('runPanel.js?a=1&amp;b=&quot;2&quot;'));
    assert.ok(!html.includes('b="2"'));
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    assert.equal(nonces.size, 100);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{24}$/);
  });
});
