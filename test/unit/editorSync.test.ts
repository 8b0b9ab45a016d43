// The editor's sync rules without the editor: a remote's token comes from its variable, else from SecretStorage
// (where Add Remote keeps it), and reaches the CLI under the variable labbook.yaml names; a run that ends is pushed
// when labbook.sync.pushOnRunEnd is on at that moment, and not when it is off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pushOnRunEnd, resolveToken, tokenEnvironment } from '../../src/sync/editorSync';

const team = { name: 'team', url: 'http://team:5000', tokenEnv: 'TEAM_TOKEN' };

test('the token: the variable when set, else the one in SecretStorage, none for a remote without a token', async () => {
  let asked = 0;
  const secret = async (): Promise<string | undefined> => {
    asked++;
    return 'from-secret-storage';
  };
  assert.equal(await resolveToken(team, { TEAM_TOKEN: 'from-env' }, secret), 'from-env');
  assert.equal(asked, 0, 'SecretStorage is not read when the variable is set');
  assert.equal(await resolveToken(team, {}, secret), 'from-secret-storage');
  assert.equal(await resolveToken(team, { TEAM_TOKEN: '' }, secret), 'from-secret-storage');
  assert.equal(await resolveToken(team, {}, async () => undefined), undefined);
  assert.equal(await resolveToken({ name: 'open', url: 'http://open:5000' }, {}, secret), undefined);
});

test('the CLI gets the token under the variable labbook.yaml names, and nothing without one', () => {
  assert.deepEqual(tokenEnvironment(team, 's3cret'), { TEAM_TOKEN: 's3cret' });
  assert.deepEqual(tokenEnvironment(team, undefined), {});
  assert.deepEqual(tokenEnvironment({ name: 'open', url: 'http://open:5000' }, 's3cret'), {});
});

test('a run that ends is pushed while the setting is on, not while it is off', () => {
  const listeners: ((run: { id: string }) => void)[] = [];
  const end = (id: string): void => listeners.forEach((listener) => listener({ id }));
  let enabled = false;
  const pushed: string[] = [];
  const subscription = pushOnRunEnd(
    (listener) => {
      listeners.push(listener);
      return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
    },
    () => enabled,
    (runId) => pushed.push(runId),
  );
  end('off-run');
  enabled = true;
  end('on-run');
  enabled = false;
  end('off-again');
  assert.deepEqual(pushed, ['on-run']);
  subscription.dispose();
  enabled = true;
  end('after-dispose');
  assert.deepEqual(pushed, ['on-run']);
});
