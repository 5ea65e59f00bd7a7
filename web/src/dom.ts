/**
 * A tiny DOM builder. Text always goes in as text nodes and attributes through setAttribute, so nothing the server
 * sends is ever parsed as HTML. There is deliberately no innerHTML anywhere in the console.
 */

export type Child = Node | string | number | boolean | null | undefined | readonly Child[];
type AttrValue = string | number | boolean | null | undefined;
export type Handlers = { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
export type Attrs = { on?: Handlers } & { [name: string]: AttrValue | Handlers };

/** Properties that must be set on the element rather than as attributes to take effect. */
const PROPERTIES = new Set(['value', 'checked', 'indeterminate']);

/** Links we are willing to render: app-relative paths, fragments, http(s) and mailto. */
export function isSafeUrl(url: string): boolean {
  const trimmed = url.trim();
  if (trimmed.startsWith('/') && !trimmed.startsWith('//')) return true;
  if (trimmed.startsWith('#')) return true;
  try {
    const parsed = new URL(trimmed);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' || parsed.protocol === 'mailto:';
  } catch {
    return false;
  }
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) append(parent, ...(child as readonly Child[]));
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

function applyAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'on') {
      for (const [type, fn] of Object.entries(value as Handlers)) {
        if (fn) el.addEventListener(type, fn as EventListener);
      }
      continue;
    }
    const v = value as AttrValue;
    if (v === null || v === undefined || v === false) continue;
    if (PROPERTIES.has(name)) {
      (el as unknown as Record<string, unknown>)[name] = v;
      continue;
    }
    if ((name === 'href' || name === 'src' || name === 'action') && !isSafeUrl(String(v))) continue;
    el.setAttribute(name, v === true ? '' : String(v));
  }
}

/** `h('a', { href: '/x', class: 'link' }, 'text', child)` */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) applyAttrs(el, attrs);
  append(el, ...children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An inline SVG icon from static path data (never from server data). Hidden from assistive technology. */
export function svgIcon(paths: readonly string[], opts: { size?: number; className?: string; fill?: boolean } = {}): SVGSVGElement {
  const size = opts.size ?? 16;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', `icon${opts.className ? ` ${opts.className}` : ''}`);
  svg.setAttribute('fill', opts.fill ? 'currentColor' : 'none');
  if (!opts.fill) {
    svg.setAttribute('stroke', 'currentColor');
    svg.setAttribute('stroke-width', '2');
    svg.setAttribute('stroke-linecap', 'round');
    svg.setAttribute('stroke-linejoin', 'round');
  }
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.appendChild(path);
  }
  return svg;
}

/** Replaces all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

let idCounter = 0;
/** A document-unique id for label/aria wiring. */
export function uid(prefix = 'v'): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Sets textContent only when it changed (cheap for ticking updates). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
