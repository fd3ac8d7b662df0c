// The audit log as table rows grouped per request, and the filter form as the audit API's query.

/** Midnight at the start of a local calendar day ("2026-04-01"), as an ISO time the API reads. */
export function dayStart(day) {
  return new Date(`${day}T00:00:00`).toISOString();
}

/** Midnight after a local calendar day: the exclusive end of a period that includes that day. */
export function dayEnd(day) {
  const next = new Date(`${day}T00:00:00`);
  next.setDate(next.getDate() + 1);
  return next.toISOString();
}

/**
 * The audit filters of a form as query parameters: empty fields are left out, and the From and
 * Until days become `created_after` / `created_before`.
 *
 * @param {HTMLFormElement} form
 * @returns {URLSearchParams}
 */
export function auditQuery(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form).entries()) {
    const text = String(value).trim();
    if (!text) continue;
    if (name === 'from') params.set('created_after', dayStart(text));
    else if (name === 'to') params.set('created_before', dayEnd(text));
    else params.set(name, text);
  }
  return params;
}

/**
 * Events in the API's order (newest first), grouped per request: each run of events sharing a
 * `request_id` is one group; an event without one (a task, a command) is a group of its own.
 *
 * @param {object[]} events
 * @returns {{requestId: string|null, events: object[]}[]}
 */
export function requestGroups(events) {
  const groups = [];
  for (const event of events) {
    const last = groups.at(-1);
    if (event.request_id && last?.requestId === event.request_id) last.events.push(event);
    else groups.push({ requestId: event.request_id ?? null, events: [event] });
  }
  return groups;
}

/**
 * Why an event was refused, from the status and reason the server recorded with it:
 * "415 unsupported_type: The file is not a PNG…"; "" for an allowed event or one without a reason.
 *
 * @param {object} event
 * @returns {string}
 */
export function refusalReason(event) {
  if (event.allowed) return '';
  const { status, code, message, fields } = event.detail ?? {};
  const head = [status, code].filter(Boolean).join(' ');
  const fieldList = Array.isArray(fields) && fields.length ? ` (fields: ${fields.join(', ')})` : '';
  const text = [head, message].filter(Boolean).join(': ') + fieldList;
  return text;
}

/**
 * What an allowed event's detail says that the columns do not: the version it concerns and the
 * reason given (e.g. a model activation), or that the system pinned it. "" when nothing.
 *
 * @param {object} event
 * @returns {string}
 */
export function eventNote(event) {
  const detail = event.detail ?? {};
  const parts = [];
  if (typeof detail.version === 'string') parts.push(`version ${detail.version}`);
  if (event.allowed && typeof detail.reason === 'string') parts.push(`why: ${detail.reason}`);
  if (typeof detail.pinned === 'string') parts.push(`pinned by the system: ${detail.pinned}`);
  return parts.join(' · ');
}

function who(event) {
  if (!event.actor_username) return 'anonymous';
  return event.actor_role ? `${event.actor_username} (${event.actor_role})` : event.actor_username;
}

function cell(label, text, tag = 'td') {
  const td = document.createElement(tag);
  td.dataset.label = label;
  td.textContent = text;
  return td;
}

/**
 * A cell whose value is a main text and a second line, in one wrapper: on a phone each cell is a
 * grid of its label and one value.
 */
function twoLineCell(label, main, mainClass, second, secondClass) {
  const td = cell(label, '');
  const value = document.createElement('div');
  const first = document.createElement('span');
  first.className = mainClass;
  first.textContent = main;
  value.append(first);
  if (second) {
    const span = document.createElement('span');
    span.className = secondClass;
    span.textContent = second;
    value.append(' ', span);
  }
  td.append(value);
  return td;
}

function actionCell(event) {
  return twoLineCell('Action', event.action, 'action', eventNote(event), 'event-note');
}

function resultCell(event) {
  const td = twoLineCell('Result', event.allowed ? 'Allowed' : 'Refused', 'outcome', refusalReason(event), 'reason');
  if (!event.allowed) td.className = 'refused';
  return td;
}

function requestCell(group) {
  const first = group.events[0];
  const th = cell('Request', '', 'th');
  th.scope = 'rowgroup';
  th.rowSpan = group.events.length;
  // One wrapper, so that on a phone the cell is a label and a value like every other cell.
  const summary = document.createElement('div');
  const line = document.createElement('span');
  line.className = 'request-line';
  line.textContent = [first.method, first.path].filter(Boolean).join(' ') || 'outside a request';
  summary.append(line);
  if (group.requestId) {
    const id = document.createElement('code');
    id.textContent = group.requestId;
    summary.append(' ', id);
  }
  const count = group.events.length;
  const refused = group.events.filter((event) => !event.allowed).length;
  const counts = document.createElement('span');
  counts.className = 'note';
  counts.textContent = `${count} event${count === 1 ? '' : 's'}${refused ? `, ${refused} refused` : ''}`;
  summary.append(' ', counts);
  th.append(summary);
  return th;
}

/**
 * One table body per request: its first row starts with a cell naming the request (method, path,
 * id and how many events), spanning all of its event rows; each event is a row, newest first.
 *
 * @param {object[]} events results of GET /audit-events/
 * @param {Map<number, {username: string}>} people users by id, to name the patient
 * @returns {HTMLTableSectionElement[]}
 */
export function auditRows(events, people) {
  return requestGroups(events).map((group) => {
    const body = document.createElement('tbody');
    body.className = 'request';
    if (group.requestId) body.dataset.requestId = group.requestId;
    if (group.events.some((event) => !event.allowed)) body.classList.add('has-refusal');
    group.events.forEach((event, index) => {
      const patient = event.patient == null ? '' : people.get(event.patient)?.username ?? `#${event.patient}`;
      const row = document.createElement('tr');
      row.dataset.eventId = event.id;
      if (index === 0) row.append(requestCell(group));
      row.append(
        cell('Time', new Date(event.created_at).toLocaleString()),
        cell('Who', who(event)),
        actionCell(event),
        cell('Object', [event.object_type, event.object_id].filter(Boolean).join(' ')),
        cell('Patient', patient),
        resultCell(event),
      );
      body.append(row);
    });
    return body;
  });
}
