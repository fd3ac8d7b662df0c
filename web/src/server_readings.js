// Asking the server (its Celery workers) to read an uploaded image, and waiting for the answer.
import { api } from './api.js';

const POLL_MS = 1000;

/**
 * Request a server reading of an image of the case and wait until it has finished.
 *
 * @param {number} caseId
 * @param {number} imageId
 * @param {string|null} modelName read with its active version; null: the active model for the case's exam type
 * @param {{waitMs: number}} options how long to wait before giving up
 * @returns {Promise<object>} the reading: succeeded, failed, or still pending/running after waitMs
 */
export async function requestServerReading(caseId, imageId, modelName, { waitMs }) {
  const body = modelName ? { image: imageId, model_name: modelName } : { image: imageId };
  let reading = await api(`/cases/${caseId}/server-readings/`, { method: 'POST', json: body });
  const deadline = Date.now() + waitMs;
  while (['pending', 'running'].includes(reading.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    reading = await api(`/readings/${reading.id}/`);
  }
  return reading;
}
