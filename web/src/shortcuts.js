// The doctor page's keyboard shortcuts: which key does what, and when a key is a shortcut at all.
// Pure: the page turns an action name into what it does. Letters never fire while the doctor types
// in a field; only the sign combination (Ctrl+Enter, or Cmd+Enter) does, because a report is signed
// from its text, and nobody presses it by accident while typing (the confirmation follows anyway).

/** Every shortcut, in the order the "?" list shows them. `keys` is how the list writes them. */
export const SHORTCUTS = [
  { action: 'nextCase', keys: 'j', description: 'Next case in the worklist' },
  { action: 'previousCase', keys: 'k', description: 'Previous case in the worklist' },
  { action: 'nextImage', keys: 'n', description: 'Next image of the case' },
  { action: 'toggleHeatmap', keys: 'h', description: 'Show or hide the heat map' },
  { action: 'focusReport', keys: 'r', description: 'Go to the report (its template menu)' },
  { action: 'sign', keys: 'Ctrl+Enter', description: 'Sign the report (asks first); works while typing' },
  { action: 'help', keys: '?', description: 'Show this list' },
];

/** Keys of the image viewer while it has the focus (handled by the viewer itself). */
export const VIEWER_KEYS = [
  { keys: '+ / −', description: 'Zoom in or out at the centre' },
  { keys: 'Arrow keys', description: 'Pan the image' },
  { keys: 'Shift + arrows', description: 'Window: up/down level, left/right width' },
  { keys: 'f / 1', description: 'Fit the image / one image pixel per screen pixel' },
  { keys: 'i', description: 'Invert' },
  { keys: '0', description: 'Reset the view and window' },
  { keys: 'Mouse', description: 'Wheel or pinch zooms at the pointer, drag pans, right-drag or Shift-drag sets the window' },
];

const LETTERS = { j: 'nextCase', k: 'previousCase', n: 'nextImage', h: 'toggleHeatmap', r: 'focusReport', '?': 'help' };
const TEXT_INPUT_TYPES = new Set(['text', 'search', 'email', 'number', 'password', 'tel', 'url', 'date',
  'datetime-local', 'month', 'time', 'week', '']);

/**
 * Whether the element takes typed text (or typed choices): letters there are the doctor's, not shortcuts.
 *
 * @param {Element|null} element
 * @returns {boolean}
 */
export function isTypingTarget(element) {
  if (!element) return false;
  const tag = element.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') return TEXT_INPUT_TYPES.has((element.getAttribute('type') ?? '').toLowerCase());
  return Boolean(element.isContentEditable);
}

/**
 * The shortcut a keydown means, or null.
 *
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean, repeat?: boolean,
 *   target?: Element|null, isComposing?: boolean}} event
 * @returns {string|null} an action of SHORTCUTS
 */
export function shortcutAction(event) {
  if (event.isComposing) return null;
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.altKey) return event.repeat ? null : 'sign';
  // Other combinations are the browser's and the system's.
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTypingTarget(event.target ?? null)) return null;
  return LETTERS[event.key] ?? null;
}
