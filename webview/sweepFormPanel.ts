// The Run Sweep form: the command, grid lines and random draws, with the number of runs they make shown (from
// src/core/sweepForm, as the CLI counts them) before Start sends them to the host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { formRunCount, type SweepFormFields } from '../src/core/sweepForm';
import { isSweepFormToWebview, type SweepFormFromWebview, type SweepFormToWebview } from '../src/protocol/sweepForm';
import { el } from './shared/dom';
import { MessageClient } from './shared/messageClient';

declare global {
  interface Window {
    /** The form's current count or problem, for tests. */
    labbookSweepForm?: { summary(): string };
  }
}

const client = new MessageClient<SweepFormToWebview, SweepFormFromWebview>(isSweepFormToWebview);

function field(label: string, control: HTMLInputElement | HTMLTextAreaElement, hint: string): HTMLElement {
  return el('label', { className: 'field' }, el('span', { className: 'label', text: label }), control, el('span', { className: 'hint', text: hint }));
}

const command = el('input', { attributes: { type: 'text', name: 'command', spellcheck: 'false' } });
const grid = el('textarea', { attributes: { name: 'grid', rows: '3', spellcheck: 'false' } });
const random = el('input', { attributes: { type: 'number', name: 'random', min: '0', value: '0' } });
const params = el('textarea', { attributes: { name: 'params', rows: '2', spellcheck: 'false' } });
const parallel = el('input', { attributes: { type: 'number', name: 'parallel', min: '1', value: '1' } });
const name = el('input', { attributes: { type: 'text', name: 'name', spellcheck: 'false' } });
const summary = el('p', { className: 'summary', attributes: { role: 'status', 'aria-live': 'polite' } });
const start = el('vscode-button', { text: 'Start Sweep' });

function fields(): SweepFormFields {
  return {
    command: command.value,
    grid: grid.value.split('\n'),
    params: params.value.split('\n'),
    random: Number(random.value) || 0,
    parallel: Number(parallel.value) || 0,
    name: name.value,
  };
}

/** Recounts on every edit: the count, or the first problem and Start disabled. */
function update(): void {
  try {
    const runs = formRunCount(fields());
    summary.textContent = `This sweep makes ${runs} ${runs === 1 ? 'run' : 'runs'}, ${Math.min(Number(parallel.value), runs)} at a time.`;
    summary.classList.remove('problem');
    start.toggleAttribute('disabled', false);
  } catch (error) {
    summary.textContent = (error as Error).message;
    summary.classList.add('problem');
    start.toggleAttribute('disabled', true);
  }
}

function send(): void {
  update();
  if (start.hasAttribute('disabled')) return;
  client.post({
    type: 'sweepForm/start',
    ...fields(),
    random: Math.max(0, Math.trunc(Number(random.value) || 0)),
    parallel: Math.max(1, Math.trunc(Number(parallel.value) || 1)),
  });
}

const main = el(
  'main',
  { attributes: { 'aria-busy': 'true' } },
  el('h1', { text: 'Run Sweep' }),
  field('Command', command, 'Params are passed as it takes them: --flags, or Hydra overrides (docs/sweeps.md).'),
  field('Grid', grid, 'One param per line: lr=0.1,0.01,0.001 or seed=1..3 (every combination runs).'),
  field('Random draws', random, 'Runs per grid point with values drawn from the distributions below (0: none).'),
  field('Distributions', params, 'One per line: lr=loguniform(1e-4,1e-1), d=uniform(0,0.5), n=int(1,4), opt=choice(adam,sgd).'),
  field('At a time', parallel, 'How many runs run at once.'),
  field('Name', name, 'Names the sweep and its runs (name-1, name-2…).'),
  summary,
  start,
);
document.body.append(main);
main.addEventListener('input', update);
start.addEventListener('click', send);

client.listen((message) => {
  if (message.type === 'sweepForm/error') {
    summary.textContent = message.message;
    summary.classList.add('problem');
    return;
  }
  command.value = message.command;
  grid.value = message.grid.join('\n');
  update();
  main.setAttribute('aria-busy', 'false');
});
// Compiled out of the shipped build (LABBOOK_TEST_HOOKS is false there).
if (LABBOOK_TEST_HOOKS) Object.defineProperty(window, 'labbookSweepForm', { value: Object.freeze({ summary: () => summary.textContent ?? '' }) });
client.post({ type: 'sweepForm/ready' });
