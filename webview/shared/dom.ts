// Builds DOM without HTML strings: run data (names, params, paths, log lines) only ever becomes text.

/** What el() sets on a new element. */
export interface ElementOptions {
  className?: string;
  /** Set as textContent, never parsed. */
  text?: string;
  attributes?: Record<string, string>;
}

/** A new element with text and attributes set safely and `children` appended (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attributes ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

