import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';

/** Pixels of rows kept rendered above and below the viewport, so a fast wheel flick shows no blank gap. */
const OVERSCAN_PX = 600;

export interface VirtualListProps<T> {
  items: T[];
  keyOf: (item: T) => string | number;
  /** Each row's exact height: known from the data (rows have fixed-height variants), so nothing is measured. */
  heightOf: (item: T) => number;
  renderItem: (item: T) => ComponentChildren;
  /** Called when the rendered rows reach within `nearEnd` rows of the end (to fetch the next page). */
  onNearEnd?: () => void;
  nearEnd?: number;
  /** The row to keep in view (keyboard navigation moves it). */
  activeIndex?: number;
  /** A new value scrolls back to the top (the filters changed). */
  resetKey?: unknown;
  /** Whether more rows may come (sets aria-setsize to "unknown"). */
  more?: boolean;
  busy?: boolean;
  label?: string;
}

/**
 * A windowed list: only the rows in (and near) the viewport are in the DOM, absolutely placed inside a
 * spacer as tall as the whole list. Ten thousand conversations cost ten thousand numbers, not elements.
 * Small enough to own instead of a dependency, because row heights are known up front.
 */
export function VirtualList<T>({ items, keyOf, heightOf, renderItem, onNearEnd, nearEnd = 15, activeIndex = -1, resetKey, more, busy, label }: VirtualListProps<T>) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);

  // offsets[i] is where row i starts; offsets[items.length] is the total height.
  const offsets = useMemo(() => {
    const out = new Array<number>(items.length + 1);
    out[0] = 0;
    for (let i = 0; i < items.length; i++) out[i + 1] = out[i]! + heightOf(items[i]!);
    return out;
  }, [items, heightOf]);
  const total = offsets[items.length]!;
  const first = Math.max(0, rowAt(offsets, scrollTop - OVERSCAN_PX));
  const last = Math.min(items.length - 1, rowAt(offsets, scrollTop + viewport + OVERSCAN_PX));

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setViewport(el.clientHeight);
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [resetKey]);

  useEffect(() => {
    if (onNearEnd && items.length > 0 && last >= items.length - nearEnd) onNearEnd();
  }, [last, items.length]);

  // Keep the active row visible, scrolling as little as possible.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || activeIndex < 0 || activeIndex >= items.length) return;
    const top = offsets[activeIndex]!;
    const bottom = offsets[activeIndex + 1]!;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (bottom > el.scrollTop + el.clientHeight) el.scrollTop = bottom - el.clientHeight;
  }, [activeIndex]);

  const rows: ComponentChildren[] = [];
  for (let i = first; i <= last; i++) {
    const item = items[i]!;
    rows.push(
      <li key={keyOf(item)} style={{ top: `${offsets[i]}px`, height: `${offsets[i + 1]! - offsets[i]!}px` }} aria-posinset={i + 1} aria-setsize={more ? -1 : items.length}>
        {renderItem(item)}
      </li>,
    );
  }
  return (
    <div class="rows-scroller" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <ul class="rows" aria-busy={busy} aria-label={label} style={{ height: `${total}px` }}>{rows}</ul>
    </div>
  );
}

/** The index of the row containing `y` (binary search over the start offsets). */
function rowAt(offsets: number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
