// doctor.html's link to the practice queue (queue.html), shown only while the practice keeps one.
// GET /doctors/ says so without reading any patient's data (the queue itself would be audited).
import { api } from './api.js';

api('/doctors/')
  .then((practice) => { document.getElementById('queue-link').hidden = !practice.practice_queue; })
  .catch(() => {}); // signed out, or still to enter the second factor: doctor.js says so
