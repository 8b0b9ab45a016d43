// Builds DOM without HTML strings: run data (names, params, paths, log lines) only ever becomes text.

/** What el() sets on a new element. */
export interface ElementOptions {
  className?: string;
  /** Set as textContent, never parsed. */
  text?: string;
  attributes?: Record<string, string>;
}

/** A new element with text and attributes set safely and `children` appended (strings become text nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attributes ?? {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** Appends `element` to `parent` among the elements of `byKey` so that keys stay in sorted order (`key` already in `byKey`). */
export function insertInKeyOrder(parent: Element, byKey: ReadonlyMap<string, { element: Element }>, key: string, element: Element): void {
  const next = [...byKey.keys()].sort().find((other) => other > key);
  parent.insertBefore(element, next === undefined ? null : byKey.get(next)!.element);
}

/** A function that runs `callback` once on the next animation frame, however often it is called before then. */
export function oncePerFrame(callback: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      callback();
    });
  };
}
