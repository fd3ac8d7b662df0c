// What every page shares: the status line, the alert, running a user action, building elements.
import { ApiError } from './api.js';
import { UnsupportedInBrowserError } from './errors.js';

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** Say what is happening in the polite live region (role=status). */
export function setStatus(text) {
  $('status').textContent = text;
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

/**
 * Run a user action: clear the last error, show this one in the alert (role=alert);
 * the page stays usable afterwards.
 *
 * @template T
 * @param {() => Promise<T>} task
 * @returns {Promise<T|undefined>}
 */
export async function act(task) {
  $('error').textContent = '';
  try {
    return await task();
  } catch (error) {
    $('error').textContent = errorText(error);
    setStatus('');
    return undefined;
  }
}

/**
 * Run `task` as a user action when the form is submitted, instead of the browser's own submit.
 *
 * @param {string} id the form's
 * @param {(form: HTMLFormElement) => Promise<unknown>} task
 */
export function onSubmit(id, task) {
  $(id).addEventListener('submit', (event) => {
    event.preventDefault();
    act(() => task(event.target));
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
