// package.json's contributions against each other and against the code: every menu and welcome link names a
// declared command, the code registers exactly the declared commands, and the menus' `viewItem` regexes
// match the context values the tree really sets.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LABBOOK_DEBUG_TYPE, PYTHON_DEBUG_TYPES } from '../../src/core/debugAttach';
import { versionContextValue } from '../../src/core/modelPresentation';
import { runContextValue } from '../../src/core/runPresentation';

const ROOT = join(__dirname, '..', '..');

interface Command {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Manifest {
  main: string;
  icon: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] }; virtualWorkspaces: { supported: boolean } };
  contributes: {
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    views: Record<string, { id: string; icon?: string }[]>;
    viewsWelcome: { view: string; contents: string; when?: string }[];
    commands: Command[];
    menus: Record<string, MenuItem[]>;
    taskDefinitions: { type: string; required: string[]; properties: Record<string, unknown> }[];
    configuration: { title: string; properties: Record<string, { description?: string; markdownDescription?: string; default: unknown }> }[];
  };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
const { contributes } = manifest;
const declared = new Set(contributes.commands.map((command) => command.command));

const REQUIRED_COMMANDS = [
  'labbook.addCiWorkflow',
  'labbook.runCurrentFile',
  'labbook.runAndTrack',
  'labbook.rerun',
  'labbook.reproduceRun',
  'labbook.stop',
  'labbook.openRun',
  'labbook.compareRuns',
  'labbook.deleteRun',
  'labbook.copyRunId',
  'labbook.showConsole',
  'labbook.toggleStar',
  'labbook.filterRuns',
  'labbook.clearFilter',
  'labbook.sortRuns',
  'labbook.refresh',
  'labbook.openArtifact',
  'labbook.revealArtifact',
  'labbook.openGitPatch',
];
const ITEM_ONLY = [
  'labbook.openArtifact',
  'labbook.revealArtifact',
  'labbook.openGitPatch',
  'labbook.queueCancel',
  'labbook.queueMoveUp',
  'labbook.queueMoveDown',
  'labbook.queueRetry',
];

describe('package.json contributions', () => {
  it('declares every command of the issue in the Labbook category with an icon', () => {
    for (const id of REQUIRED_COMMANDS) assert.ok(declared.has(id), id);
    for (const command of contributes.commands) {
      assert.equal(command.category, 'Labbook', command.command);
      assert.match(command.icon ?? '', /^\$\([a-z-~]+\)$/, command.command);
      assert.ok(command.title.length > 0);
    }
    assert.equal(declared.size, contributes.commands.length, 'no duplicate command ids');
  });

  it('registers exactly the declared commands in the command tables', () => {
    const source = ['commands.ts', 'modelCommands.ts', 'driftCommands.ts', 'queueView.ts', 'syncActions.ts', 'trackCommands.ts']
      .map((file) => readFileSync(join(ROOT, 'src', 'extension', file), 'utf8'))
      .join('\n');
    const registered = new Set([...source.matchAll(/^\s+'(labbook\.[A-Za-z]+)':/gm)].map((match) => match[1]));
    assert.deepEqual([...registered].sort(), [...declared].sort());
  });

  it('points every menu entry and welcome link at a declared command', () => {
    for (const [menu, items] of Object.entries(contributes.menus)) {
      for (const item of items) assert.ok(declared.has(item.command), `${menu}: ${item.command}`);
    }
    const builtIn = new Set(['workbench.action.files.openFolder', 'workbench.trust.manage']);
    for (const welcome of contributes.viewsWelcome) {
      assert.ok(['labbook.runs', 'labbook.models', 'labbook.queue', 'labbook.remotes'].includes(welcome.view), welcome.view);
      for (const [, id] of welcome.contents.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(declared.has(id) || builtIn.has(id), id);
    }
  });

  it('hides item-only commands from the palette', () => {
    const palette = new Map(contributes.menus.commandPalette.map((item) => [item.command, item.when]));
    for (const id of ITEM_ONLY) assert.equal(palette.get(id), 'false', id);
  });

  it('matches run context menus to the context values runs really have', () => {
    const run = { starred: false, argv: ['python', 'train.py'], cwd: '/ws', git: { commit: 'c0ffee' } };
    const live = runContextValue({ ...run, status: 'RUNNING' });
    const ended = runContextValue({ ...run, status: 'FINISHED', starred: true });
    const noCommand = runContextValue({ ...run, status: 'FAILED', argv: [] });
    const items = contributes.menus['view/item/context'];
    const matches = (command: string, contextValue: string): boolean =>
      items
        .filter((item) => item.command === command)
        .some((item) => {
          const regex = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(item.when ?? '');
          const equal = /viewItem == (\S+)/.exec(item.when ?? '');
          return regex ? new RegExp(regex[1]).test(contextValue) : equal?.[1] === contextValue;
        });
    assert.ok(matches('labbook.stop', live));
    assert.ok(!matches('labbook.stop', ended));
    assert.ok(matches('labbook.deleteRun', ended));
    assert.ok(!matches('labbook.deleteRun', live), 'live runs cannot be deleted from the menu');
    assert.ok(matches('labbook.rerun', ended));
    assert.ok(!matches('labbook.rerun', noCommand));
    assert.ok(matches('labbook.reproduceRun', ended) && matches('labbook.reproduceRun', noCommand));
    assert.ok(
      !matches('labbook.reproduceRun', runContextValue({ ...run, status: 'FINISHED', git: { commit: null } })),
      'a run outside git has no commit to check out',
    );
    for (const id of ['labbook.openRun', 'labbook.compareRuns', 'labbook.copyRunId', 'labbook.toggleStar', 'labbook.showConsole']) {
      assert.ok(matches(id, live) && matches(id, ended), id);
    }
    assert.ok(matches('labbook.openArtifact', 'artifact'));
    assert.ok(matches('labbook.openGitPatch', 'gitPatch'));
    for (const id of ['labbook.restoreRun', 'labbook.deleteRunPermanently']) assert.ok(matches(id, 'trashedRun'), id);
    assert.ok(matches('labbook.emptyTrash', 'trash'));
    assert.ok(matches('labbook.registerModel', ended) && matches('labbook.registerModel', 'artifact'));
    const version = (stage: string, aliases: string[] = [], runId: string | null = 'r1'): string => versionContextValue({ stage, aliases, runId });
    assert.ok(matches('labbook.promoteToProduction', version('Staging')) && !matches('labbook.promoteToProduction', version('Production')));
    assert.ok(matches('labbook.promoteToStaging', version('None')) && !matches('labbook.promoteToStaging', version('Staging')));
    assert.ok(matches('labbook.archiveModelVersion', version('Production')) && !matches('labbook.archiveModelVersion', version('Archived')));
    assert.ok(matches('labbook.removeModelAlias', version('None', ['champion'])) && !matches('labbook.removeModelAlias', version('None')));
    assert.ok(matches('labbook.openModelSourceRun', version('None')) && !matches('labbook.openModelSourceRun', version('None', [], null)));
    for (const id of ['labbook.setModelAlias', 'labbook.deleteModelVersion', 'labbook.showModelLineage', 'labbook.transitionModelStage'])
      assert.ok(matches(id, version('Archived', ['old'], null)), id);
    for (const id of ['labbook.openRun', 'labbook.deleteRun', 'labbook.rerun', 'labbook.reproduceRun', 'labbook.toggleStar'])
      assert.ok(!matches(id, 'trashedRun'), `${id} is not offered in the Trash`);
  });

  it('binds Delete in the Runs tree, as the Explorer does, but not while typing', () => {
    const { keybindings } = manifest.contributes as unknown as { keybindings: { command: string; key: string; when: string }[] };
    const del = keybindings.find((binding) => binding.key === 'delete');
    assert.equal(del?.command, 'labbook.deleteRun');
    assert.equal(del?.when, 'focusedView == labbook.runs && listFocus && !inputFocus');
  });

  it('offers run actions on Runs table rows: stop only for live runs, delete only for ended ones', () => {
    const items = contributes.menus['webview/context'];
    for (const item of items) assert.match(item.when ?? '', /^webviewId == labbook\.runsTable && webviewSection == run\b/, item.command);
    const when = new Map(items.map((item) => [item.command, item.when ?? '']));
    assert.match(when.get('labbook.stop') ?? '', /&& runState == live$/);
    assert.match(when.get('labbook.deleteRun') ?? '', /&& runState == ended$/);
    for (const id of ['labbook.openRun', 'labbook.showLineage', 'labbook.showConsole', 'labbook.copyRunId', 'labbook.toggleStar'])
      assert.equal(when.get(id), 'webviewId == labbook.runsTable && webviewSection == run', id);
  });

  it('has the container, view, icons, task type, activation and trust declarations', () => {
    assert.equal(manifest.main, 'dist/extension.js');
    assert.ok(existsSync(join(ROOT, manifest.icon)) && manifest.icon.endsWith('.png'), 'marketplace icon must be a PNG');
    const [container] = contributes.viewsContainers.activitybar;
    assert.equal(container.id, 'labbook');
    assert.ok(existsSync(join(ROOT, container.icon)));
    assert.match(readFileSync(join(ROOT, container.icon), 'utf8'), /currentColor/);
    assert.equal(contributes.views.labbook[0]?.id, 'labbook.runs', 'the Runs view comes first');
    assert.ok(contributes.views.labbook.some((view) => view.id === 'labbook.metrics'));
    for (const event of ['onView:labbook.runs', 'onTaskType:labbook']) assert.ok(manifest.activationEvents.includes(event), event);
    assert.ok(manifest.activationEvents.some((event) => event.startsWith('workspaceContains:.labbook')));
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('labbook.python.path'));
    assert.equal(manifest.capabilities.virtualWorkspaces.supported, false);
    const task = contributes.taskDefinitions.find((definition) => definition.type === 'labbook');
    assert.deepEqual(task?.required, ['command']);
    for (const key of ['command', 'args', 'experiment', 'name']) assert.ok(task?.properties[key], key);
  });

  it("contributes Python breakpoints and Labbook's own debugpy debug type, hidden while a Python debugger extension is installed", () => {
    const { breakpoints, debuggers } = manifest.contributes as unknown as {
      breakpoints: { language: string }[];
      debuggers: {
        type: string;
        languages: string[];
        hiddenWhen: string;
        configurationAttributes: Record<string, unknown>;
        configurationSnippets: { body: { type: string; request: string } }[];
      }[];
    };
    assert.deepEqual(breakpoints, [{ language: 'python' }]);
    const own = debuggers.find((debuggerType) => debuggerType.type === LABBOOK_DEBUG_TYPE);
    assert.ok(own, 'the labbook-debugpy debugger is contributed');
    assert.deepEqual(own.languages, ['python']);
    assert.deepEqual(Object.keys(own.configurationAttributes).sort(), ['attach', 'launch']);
    for (const snippet of own.configurationSnippets) assert.equal(snippet.body.type, LABBOOK_DEBUG_TYPE);
    const code = readFileSync(join(ROOT, 'src', 'extension', 'debugTrack.ts'), 'utf8');
    assert.ok(code.includes(`'${own.hiddenWhen}'`), 'the hiddenWhen context key is the one the extension sets');
    for (const type of [...PYTHON_DEBUG_TYPES, LABBOOK_DEBUG_TYPE]) assert.ok(manifest.activationEvents.includes(`onDebugResolve:${type}`), type);
  });

  it('groups described labbook.* settings in titled sections', () => {
    const keys = contributes.configuration.flatMap((section) => {
      assert.ok(section.title);
      return Object.entries(section.properties).map(([key, property]) => {
        assert.ok(property.description || property.markdownDescription, key);
        assert.ok('default' in property, key);
        return key;
      });
    });
    for (const key of keys) assert.match(key, /^labbook\./);
    for (const key of ['labbook.python.path', 'labbook.runs.primaryMetric', 'labbook.runs.sort', 'labbook.storePath'])
      assert.ok(keys.includes(key), key);
  });
});

describe('port auto-forwarding (issue 12 item 10f)', () => {
  const attributes = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configurationDefaults: Record<string, Record<string, { onAutoForward?: string }>> };
    }
  ).contributes.configurationDefaults['remote.portsAttributes'];
  // VS Code matches a non-numeric key as a regular expression against the listening process's command line.
  const ignored = (commandLine: string): boolean =>
    Object.entries(attributes).some(([key, value]) => value.onAutoForward === 'ignore' && new RegExp(key).test(commandLine));

  it("ignores the ports of Labbook's runners and `labbook serve`, and no one else's", () => {
    assert.ok(ignored('/usr/bin/node /root/.vscode-server/extensions/labbook.labbook-0.1.0/dist/cli.js run --name x -- python3 train.py'));
    assert.ok(
      ignored('C:\\Program Files\\VS Code\\Code.exe C:\\Users\\u\\.vscode\\extensions\\labbook.labbook-0.1.0\\dist\\cli.js run -- python train.py'),
    );
    assert.ok(ignored('node /work/labbook/dist/cli.js serve --port 5000'));
    assert.ok(!ignored('node /work/labbook/dist/cli.js ls'));
    assert.ok(!ignored('python3 -m http.server 8000'));
    assert.ok(!ignored('node server.js'));
  });
});
