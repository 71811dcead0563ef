import { signal } from '@preact/signals';

/** Routes live in the URL fragment (`#/inbox/12`), so the server serves one page and reloads keep the place. */
export const route = signal<string[]>(parse());

function parse(): string[] {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return parts.length ? parts : ['inbox'];
}

window.addEventListener('hashchange', () => (route.value = parse()));

export function navigate(path: string): void {
  if (location.hash !== `#${path}`) location.hash = path;
}
