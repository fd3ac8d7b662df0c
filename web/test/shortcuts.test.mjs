// The doctor page's shortcuts: letters only outside fields, the sign combination anywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isTypingTarget, SHORTCUTS, shortcutAction } from '../src/shortcuts.js';

const element = (tagName, { type = null, editable = false } = {}) => ({
  tagName, isContentEditable: editable, getAttribute: (name) => (name === 'type' ? type : null),
});
const body = element('BODY');
const textarea = element('TEXTAREA');

test('each letter names its action outside fields', () => {
  const expected = { j: 'nextCase', k: 'previousCase', n: 'nextImage', h: 'toggleHeatmap', r: 'focusReport', '?': 'help' };
  for (const [key, action] of Object.entries(expected)) assert.equal(shortcutAction({ key, target: body }), action);
  assert.equal(shortcutAction({ key: 'x', target: body }), null);
  assert.equal(shortcutAction({ key: 'J', target: body }), null);
});

test('letters never fire while typing in a field', () => {
  const fields = [textarea, element('SELECT'), element('INPUT', { type: 'text' }), element('INPUT'),
    element('INPUT', { type: 'date' }), element('DIV', { editable: true })];
  for (const target of fields) {
    assert.ok(isTypingTarget(target));
    for (const key of ['j', 'k', 'n', 'h', 'r', '?']) assert.equal(shortcutAction({ key, target }), null);
  }
  // Buttons, radios and checkboxes take no text: shortcuts work there.
  for (const type of ['radio', 'checkbox', 'button', 'range']) {
    assert.equal(shortcutAction({ key: 'j', target: element('INPUT', { type }) }), 'nextCase');
  }
  assert.equal(shortcutAction({ key: 'h', target: element('BUTTON') }), 'toggleHeatmap');
});

test('the sign combination works in a field, and plain Enter never signs', () => {
  assert.equal(shortcutAction({ key: 'Enter', ctrlKey: true, target: textarea }), 'sign');
  assert.equal(shortcutAction({ key: 'Enter', metaKey: true, target: body }), 'sign');
  assert.equal(shortcutAction({ key: 'Enter', target: textarea }), null);
  assert.equal(shortcutAction({ key: 'Enter', target: body }), null);
  assert.equal(shortcutAction({ key: 'Enter', ctrlKey: true, altKey: true, target: body }), null);
  assert.equal(shortcutAction({ key: 'Enter', ctrlKey: true, repeat: true, target: body }), null);
});

test('browser and system combinations are left alone, and so is typing in an input method', () => {
  assert.equal(shortcutAction({ key: 'r', ctrlKey: true, target: body }), null);
  assert.equal(shortcutAction({ key: 'j', altKey: true, target: body }), null);
  assert.equal(shortcutAction({ key: 'j', isComposing: true, target: body }), null);
});

test('the list shows every action once', () => {
  const actions = SHORTCUTS.map((s) => s.action);
  assert.equal(new Set(actions).size, actions.length);
  assert.deepEqual(actions.sort(), ['focusReport', 'help', 'nextCase', 'nextImage', 'previousCase', 'sign', 'toggleHeatmap']);
});
