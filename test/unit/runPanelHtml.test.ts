import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNonce, pageStylesheets, webviewCsp, webviewHtml } from '../../src/extension/panels/webviewHtml';

const MEDIA = 'https://file+.vscode-resource.vscode-cdn.net/ext/media';
const options = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  nonce: 'bm9uY2Uvd2l0aCtwbHVzPQ==',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/runPanel.js?a=1&b="2"',
  styleUris: [`${MEDIA}/base.css`, `${MEDIA}/run"Panel.css`],
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

  it('links every stylesheet, in the given order, before the script', () => {
    const html = webviewHtml(options);
    const links = [...html.matchAll(/<link rel="stylesheet" href="([^"]*)">/g)].map((match) => match[1]);
    assert.deepEqual(links, [`${MEDIA}/base.css`, `${MEDIA}/run&quot;Panel.css`]);
    assert.ok(html.lastIndexOf('<link') < html.indexOf('<script'));
  });

  it('escapes attribute values', () => {
    const html = webviewHtml(options);
    assert.ok(html.includes('runPanel.js?a=1&amp;b=&quot;2&quot;'));
    assert.ok(!html.includes('b="2"'));
    assert.ok(!html.includes('run"Panel'));
  });

  it('names the shared base stylesheet first, then the page stylesheet', () => {
    assert.deepEqual(pageStylesheets('comparePanel'), ['base.css', 'comparePanel.css']);
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    assert.equal(nonces.size, 100);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{24}$/);
  });
});
