import type { ComponentChildren } from 'preact';
import { labelColor } from '../state/directory.ts';

/** A conversation label, tinted with its catalogue colour (grey when the name is not in the catalogue). */
export function LabelChip({ name, children }: { name: string; children?: ComponentChildren }) {
  const color = labelColor(name);
  return (
    <span class={`pill label-chip${color ? '' : ' label-unknown'}`} style={color ? { '--label': color } : undefined} data-label={name}>
      <span class="label-dot" aria-hidden="true" />
      {name}
      {children}
    </span>
  );
}
