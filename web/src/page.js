// What every page shares: the status line, the alert, running a user action, building elements.
//
// An action's progress, success and failure are shown next to the control that started it (a
// button, a file field, a form's submit button), where the person is looking, on a phone as on a
// desktop. The page's live regions (#status, role=status, and #error, role=alert) still say
// them to screen readers; while a message sits beside its control they are hidden from view, so
// that it is not shown twice.
import { ApiError } from './api.js';
import { UnsupportedInBrowserError } from './errors.js';

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** The action running (or that ran last), and the message slot beside its control. */
let current = null;
let slotCount = 0;

/**
 * The message slot beside `control`, made on first use: a span after the control (valid inside a
 * paragraph, a list item or a form), named by the control's aria-describedby so that it is read
 * with the control. Its id is `<control id>-status` when the control has an id.
 *
 * @param {HTMLElement} control
 * @returns {HTMLElement}
 */
export function statusSlot(control) {
  const id = `${control.id || `control-${++slotCount}`}-status`;
  let slot = document.getElementById(id);
  if (!slot) {
    slot = element('span', { id, className: 'control-status', tabIndex: -1 });
    control.after(slot);
    const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
    control.setAttribute('aria-describedby', [...described, id].join(' '));
  }
  return slot;
}

/** Show the page's live regions, or hide them from view while a control's slot shows the message. */
function showLiveRegions(visible) {
  for (const id of ['status', 'error']) $(id).classList?.toggle('announce-only', !visible);
}

/** Say what is happening in the polite live region (role=status), and beside the control acted on. */
export function setStatus(text) {
  $('status').textContent = text;
  if (current?.slot) {
    current.slot.textContent = text;
    current.slot.classList.remove('failed');
  } else {
    showLiveRegions(true);
  }
}

/**
 * The sentence to show for an error: the API's and the browser's own refusals are
 * written for people; anything else is a bug, said as such.
 *
 * @param {Error} error
 * @returns {string}
 */
export function errorText(error) {
  return error instanceof ApiError || error instanceof UnsupportedInBrowserError
    ? error.message
    : `Something went wrong: ${error.message}`;
}

/** The control a click or key press just acted on, when the page did not name one. */
function focusedControl() {
  const focused = globalThis.document?.activeElement;
  return focused && ['BUTTON', 'INPUT', 'SELECT', 'TEXTAREA'].includes(focused.tagName) ? focused : null;
}

/**
 * Run a user action: clear the last error, show this one in the alert (role=alert) and beside
 * the control that started it; the page stays usable afterwards. Its progress (setStatus) shows
 * beside the control too.
 *
 * @template T
 * @param {() => Promise<T>} task
 * @param {HTMLElement|null} [control] the control that started it; by default the focused
 *   button or field (the one just clicked), none for work the page starts by itself
 * @returns {Promise<T|undefined>}
 */
export async function act(task, control = focusedControl()) {
  $('error').textContent = '';
  if (current?.slot) current.slot.textContent = '';
  const mine = { slot: control ? statusSlot(control) : null };
  current = mine;
  showLiveRegions(!mine.slot);
  try {
    return await task();
  } catch (error) {
    const text = errorText(error);
    $('error').textContent = text;
    $('status').textContent = '';
    if (mine.slot) {
      mine.slot.textContent = text;
      mine.slot.classList.add('failed');
    }
    return undefined;
  } finally {
    // Later messages (work the page does by itself) go back to the top of the page.
    if (current === mine) current = null;
  }
}

/**
 * Run `task` as a user action when the form is submitted, instead of the browser's own submit;
 * its messages show beside the button that submitted it.
 *
 * @param {string} id the form's
 * @param {(form: HTMLFormElement) => Promise<unknown>} task
 */
export function onSubmit(id, task) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    const button = event.submitter ?? event.target.querySelector?.('[type=submit]') ?? null;
    act(() => task(event.target), button);
  });
}

/**
 * A DOM element with properties and children.
 *
 * @param {string} tag
 * @param {object} [props] assigned to the element (textContent, className, ...)
 * @param {(Node|string)[]} [children]
 * @returns {HTMLElement}
 */
export function element(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
