// page.js: an action's progress and failure beside the control that started it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../src/api.js';
import { act, setStatus } from '../src/page.js';

/** Elements with what page.js uses of them: ids, text, attributes, classes, and being placed after another. */
class Node {
  constructor(tag, id = '') {
    this.tagName = tag.toUpperCase();
    this.id = id;
    this.textContent = '';
    this.attributes = {};
    this.classes = new Set();
    this.next = null;
    this.classList = {
      add: (name) => this.classes.add(name),
      remove: (name) => this.classes.delete(name),
      toggle: (name, on) => (on ? this.classes.add(name) : this.classes.delete(name)),
    };
  }

  set className(value) { this.classes = new Set(value.split(' ').filter(Boolean)); }

  getAttribute(name) { return this.attributes[name] ?? null; }

  setAttribute(name, value) { this.attributes[name] = value; }

  after(node) { this.next = node; byId.set(node.id, node); }

  append() {}
}

let byId;

function installPage() {
  byId = new Map([['status', new Node('p', 'status')], ['error', new Node('p', 'error')]]);
  const button = new Node('button', 'add-to-case');
  button.setAttribute('aria-describedby', 'hint');
  byId.set(button.id, button);
  globalThis.document = {
    activeElement: null,
    getElementById: (id) => byId.get(id) ?? null,
    createElement: (tag) => new Node(tag),
  };
  return button;
}

test('progress and a failure show beside the control, and still in the live regions', async () => {
  const button = installPage();
  let seen;
  await act(async () => {
    setStatus('Uploading scan.png…');
    seen = byId.get('add-to-case-status').textContent;
    throw new ApiError('Images can be added only while the case is a draft.');
  }, button);
  const slot = button.next;
  assert.equal(seen, 'Uploading scan.png…');
  assert.equal(slot.id, 'add-to-case-status');
  assert.equal(slot.textContent, 'Images can be added only while the case is a draft.');
  assert.ok(slot.classes.has('failed'));
  assert.equal(byId.get('error').textContent, slot.textContent);
  // Read with the button, after what described it before; the top-of-page regions are not shown twice.
  assert.equal(button.getAttribute('aria-describedby'), 'hint add-to-case-status');
  assert.ok(byId.get('status').classes.has('announce-only') && byId.get('error').classes.has('announce-only'));
});

test('the next action clears the last message; the focused control is the default', async () => {
  const button = installPage();
  await act(async () => { throw new ApiError('No.'); }, button);
  document.activeElement = button;
  await act(async () => setStatus('Added.'));
  assert.equal(button.next.textContent, 'Added.');
  assert.ok(!button.next.classes.has('failed'));
  assert.equal(byId.get('error').textContent, '');
});

test('work the page starts by itself speaks at the top of the page', async () => {
  const button = installPage();
  await act(async () => setStatus('Loading…'), null);
  assert.equal(button.next, null);
  assert.equal(byId.get('status').textContent, 'Loading…');
  assert.ok(!byId.get('status').classes.has('announce-only'));
  await act(async () => setStatus('Done.'), button);
  setStatus('Model ready.'); // after the action: back at the top, visible again
  assert.equal(button.next.textContent, 'Done.');
  assert.ok(!byId.get('status').classes.has('announce-only'));
});
