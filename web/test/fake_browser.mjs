// Just enough of a browser for page modules in Node: elements by id, window.location, a fetch
// that answers from a table, and an XMLHttpRequest that records what it sends.

/** A stand-in element: the properties the pages set, and listeners that tests can fire. */
export class FakeElement {
  constructor(id) {
    this.id = id;
    this.textContent = '';
    this.hidden = true;
    this.listeners = {};
  }

  addEventListener(type, listener) {
    this.listeners[type] = listener;
  }
}

/**
 * Install a document whose getElementById makes elements on demand, and a window whose
 * location.assign records where the page went.
 *
 * @returns {{elements: Map<string, FakeElement>, visited: string[]}}
 */
export function installDocument() {
  const elements = new Map();
  const visited = [];
  globalThis.document = {
    getElementById(id) {
      if (!elements.has(id)) elements.set(id, new FakeElement(id));
      return elements.get(id);
    },
  };
  globalThis.window = { location: { assign: (url) => visited.push(url) } };
  return { elements, visited };
}

/**
 * Install a fetch that answers `METHOD /path` from `routes` (status and body) and records each call.
 *
 * @param {Object<string, {status: number, body?: object}>} routes
 * @returns {{method: string, url: string, headers: object}[]} the calls
 */
export function installFetch(routes) {
  const calls = [];
  globalThis.fetch = async (url, { method = 'GET', headers = {} } = {}) => {
    calls.push({ method, url, headers });
    const answer = routes[`${method} ${url}`];
    if (!answer) throw new TypeError('Failed to fetch');
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    return { status: answer.status, statusText: 'Status', ok: answer.status >= 200 && answer.status < 300, text: async () => text };
  };
  return calls;
}

/**
 * An XMLHttpRequest class whose requests answer with `respond(xhr)`: it sets status and
 * responseText, or returns 'error' for a network failure. Each request made is kept in `sent`.
 */
export function fakeXhrClass(respond) {
  return class FakeXhr {
    static sent = [];

    constructor() {
      this.headers = {};
      this.listeners = {};
      this.upload = { listeners: {}, addEventListener: (type, f) => { this.upload.listeners[type] = f; } };
      this.statusText = 'Status';
    }

    open(method, url) {
      Object.assign(this, { method, url });
    }

    setRequestHeader(name, value) {
      this.headers[name] = value;
    }

    addEventListener(type, listener) {
      this.listeners[type] = listener;
    }

    send(body) {
      this.body = body;
      FakeXhr.sent.push(this);
      queueMicrotask(() => {
        this.upload.listeners.progress?.({ lengthComputable: true, loaded: 5, total: 10 });
        if (respond(this) === 'error') this.listeners.error();
        else this.listeners.load();
      });
    }
  };
}
