// Error types the app tells apart: a file no one can read versus a file
// only the server can read (the app then falls back to a server reading).

/** The file is not an image we can read at all (corrupt, truncated, wrong type). */
export class ImageDecodeError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/**
 * The file is valid but this browser path does not decode it the way the
 * server does (e.g. compressed DICOM, 16-bit PNG): upload it for a server reading.
 */
export class UnsupportedInBrowserError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnsupportedInBrowserError';
  }
}

/** No TensorFlow.js backend could be initialised in this browser. */
export class NoBackendError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NoBackendError';
  }
}
