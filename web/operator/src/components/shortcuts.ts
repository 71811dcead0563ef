import { navigate } from '../router.ts';
import { changeConversation, conversations, listLoading, loadConversations, nextCursor, selected, selectedId } from '../state/conversations.ts';
import { me } from '../state/session.ts';
import type { MessageKey } from '../i18n/index.ts';

/** What the `?` list shows, in order: the keys and what they do. */
export const SHORTCUTS: [string, MessageKey][] = [
  ['j / ↓', 'keys.next'],
  ['k / ↑', 'keys.prev'],
  ['r', 'keys.reply'],
  ['n', 'keys.note'],
  ['e', 'keys.resolve'],
  ['a', 'keys.assignMe'],
  ['l', 'keys.label'],
  ['/', 'keys.search'],
  ['?', 'keys.help'],
  ['Esc', 'keys.close'],
];

const isTyping = (target: EventTarget | null) => target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * The inbox's keyboard shortcuts. Letters act anywhere except while typing in a field; the arrows only
 * where they would not scroll something else (the page itself or the conversation list).
 */
export function handleShortcut(event: KeyboardEvent, toggleHelp: () => void): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return false;
  const target = event.target instanceof HTMLElement ? event.target : null;
  const arrowsFree = !target || target === document.body || !!target.closest('.list');
  const key = event.key === 'ArrowDown' && arrowsFree ? 'j' : event.key === 'ArrowUp' && arrowsFree ? 'k' : event.key;
  const conversation = selected.value;
  switch (key) {
    case 'j':
    case 'k':
      move(key === 'j' ? 1 : -1);
      break;
    case 'r':
      if (!conversation) return false;
      document.getElementById('reply-text')?.focus();
      break;
    case 'n':
      if (!conversation) return false;
      document.querySelector<HTMLElement>('.reply-mode [role="radio"][aria-checked="false"]')?.click();
      document.getElementById('reply-text')?.focus();
      break;
    case 'e':
      if (!conversation) return false;
      void changeConversation(conversation.id, { status: 'resolved' }).catch(() => {});
      break;
    case 'a':
      if (!conversation || !me.value) return false;
      void changeConversation(conversation.id, { assigneeId: me.value.id }).catch(() => {});
      break;
    case 'l':
      if (!conversation) return false;
      document.getElementById('label-input')?.focus();
      break;
    case '/':
      document.getElementById('list-search')?.focus();
      break;
    case '?':
      toggleHelp();
      break;
    default:
      return false;
  }
  event.preventDefault();
  return true;
}

/** Opens the next or previous conversation in the list; near the end, the next page is fetched. */
function move(step: 1 | -1): void {
  const list = conversations.value;
  const at = list.findIndex((c) => c.id === selectedId.value);
  const next = list[at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + step))];
  if (next) navigate(`/inbox/${next.id}`);
  if (step === 1 && at >= list.length - 5 && nextCursor.value && !listLoading.value) void loadConversations(true);
}
