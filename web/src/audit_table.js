// The audit log as table rows, and the filter form as the audit API's query.

const COLUMNS = ['Time', 'Who', 'Action', 'Object', 'Patient', 'Result', 'Request'];

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

function who(event) {
  if (!event.actor_username) return 'anonymous';
  return event.actor_role ? `${event.actor_username} (${event.actor_role})` : event.actor_username;
}

/**
 * One row per event, newest first as the API orders them.
 *
 * @param {object[]} events results of GET /audit-events/
 * @param {Map<number, {username: string}>} people users by id, to name the patient
 * @returns {HTMLTableRowElement[]}
 */
export function auditRows(events, people) {
  return events.map((event) => {
    const patient = event.patient == null ? '' : people.get(event.patient)?.username ?? `#${event.patient}`;
    const values = [
      new Date(event.created_at).toLocaleString(),
      who(event),
      event.action,
      [event.object_type, event.object_id].filter(Boolean).join(' '),
      patient,
      event.allowed ? 'Allowed' : 'Refused',
      [event.method, event.path].filter(Boolean).join(' '),
    ];
    const row = document.createElement('tr');
    row.dataset.eventId = event.id;
    values.forEach((value, index) => {
      const td = document.createElement('td');
      td.dataset.label = COLUMNS[index];
      td.textContent = value;
      if (COLUMNS[index] === 'Result' && !event.allowed) td.className = 'refused';
      row.append(td);
    });
    return row;
  });
}
