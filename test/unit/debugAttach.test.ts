import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LABBOOK_DEBUG_TYPE, attachConfiguration, attachEndpoint, debugTypeFor } from '../../src/core/debugAttach';

describe('debugTypeFor', () => {
  test("prefers the Python Debugger extension's type, then the older Python extension's, then Labbook's own", () => {
    assert.equal(
      debugTypeFor((type) => ['python', 'debugpy'].includes(type)),
      'debugpy',
    );
    assert.equal(
      debugTypeFor((type) => type === 'python'),
      'python',
    );
    assert.equal(
      debugTypeFor(() => false),
      LABBOOK_DEBUG_TYPE,
    );
  });
});

describe('attachConfiguration', () => {
  test('attaches the chosen type to debugpy on 127.0.0.1:port, keeping the session key and extra attributes', () => {
    assert.deepEqual(
      attachConfiguration({
        type: LABBOOK_DEBUG_TYPE,
        name: 'Debug and Track train.py',
        port: 5678,
        session: 'labbook-5678',
        extra: { justMyCode: false },
      }),
      {
        type: LABBOOK_DEBUG_TYPE,
        request: 'attach',
        name: 'Debug and Track train.py',
        connect: { host: '127.0.0.1', port: 5678 },
        labbookSession: 'labbook-5678',
        justMyCode: false,
      },
    );
  });

  test('an undefined extra attribute is left out rather than sent as undefined', () => {
    const config = attachConfiguration({ type: 'debugpy', name: 'n', port: 1, session: 's', extra: { justMyCode: undefined } });
    assert.equal('justMyCode' in config, false);
  });
});

describe('attachEndpoint', () => {
  test('reads connect.host and connect.port; the host defaults to 127.0.0.1', () => {
    assert.deepEqual(attachEndpoint({ request: 'attach', connect: { host: 'gpu-box', port: 5678 } }), { host: 'gpu-box', port: 5678 });
    assert.deepEqual(attachEndpoint({ request: 'attach', connect: { port: 5678 } }), { host: '127.0.0.1', port: 5678 });
    assert.deepEqual(attachEndpoint(attachConfiguration({ type: LABBOOK_DEBUG_TYPE, name: 'n', port: 4242, session: 's', extra: {} })), {
      host: '127.0.0.1',
      port: 4242,
    });
  });

  test('refuses configurations it cannot attach with a message naming the attribute', () => {
    assert.throws(() => attachEndpoint({ request: 'launch', program: 'train.py' }), /"request": "attach".*"labbook": true/);
    assert.throws(() => attachEndpoint({ request: 'attach' }), /"connect": \{ "port": … \}/);
    assert.throws(() => attachEndpoint({ request: 'attach', connect: { port: '5678' } }), /port must be a number from 1 to 65535, got "5678"/);
    assert.throws(() => attachEndpoint({ request: 'attach', connect: { port: 70000 } }), /port must be a number from 1 to 65535, got 70000/);
    assert.throws(() => attachEndpoint({ request: 'attach', connect: { port: 1, host: 3 } }), /host must be a string/);
  });
});
