// The controls above the Run panel's and the Compare panel's charts that both have: the Smoothing slider and the
// X axis choice. Their styles are in media/base.css.

import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import { el } from './dom';

/** What the Smoothing slider tells its page. */
export interface SmoothingHandlers {
  /** While dragging: the value under the thumb. */
  input?: (smoothing: number) => void;
  /** Once the slider is let go: the value chosen. */
  change: (smoothing: number) => void;
}

/** The labelled Smoothing slider from 0 to `max`, with its value printed beside it. */
export function smoothingControl(max: number, smoothing: number, handlers: SmoothingHandlers): HTMLElement {
  const slider = el('input', {
    className: 'smoothing-slider',
    attributes: { type: 'range', min: '0', max: String(max), step: '0.001', id: 'smoothing' },
  });
  slider.value = String(smoothing);
  const value = el('output', { className: 'smoothing-value', text: smoothing.toFixed(2), attributes: { for: 'smoothing' } });
  slider.addEventListener('input', () => {
    value.textContent = Number(slider.value).toFixed(2);
    handlers.input?.(Number(slider.value));
  });
  slider.addEventListener('change', () => handlers.change(Number(slider.value)));
  return el('label', { className: 'smoothing', attributes: { for: 'smoothing' } }, 'Smoothing', slider, value);
}

/** The labelled X axis radio group; `changed` gets the axis picked when it is not `current()`. */
export function axisChoice<A extends string>(axes: readonly { axis: A; label: string }[], current: () => A, changed: (axis: A) => void): HTMLElement {
  const radios = axes.map(({ axis, label }) => {
    const radio = el('vscode-radio', { text: label });
    radio.name = 'x-axis';
    radio.value = axis;
    radio.checked = axis === current();
    return { axis, radio };
  });
  const group = el('vscode-radio-group', { className: 'axis-choice' }, ...radios.map((r) => r.radio));
  group.addEventListener('change', () => {
    const checked = radios.find((r) => r.radio.checked);
    if (checked && checked.axis !== current()) changed(checked.axis);
  });
  return el('span', { className: 'axis' }, el('span', { className: 'control-label', text: 'X axis' }), group);
}
