// Public entry point of the in-browser inference core: what pages import.
//
//   import { selectBackend, loadModel, decodeImage, drawReading } from './inference.js';
//   await selectBackend();                       // once per page: wasm, else webgl, else cpu
//   const model = await loadModel('/models/chest-xray-pneumonia/1.0.0');
//   const pixels = await decodeImage(file, { channels: model.channels });
//   const reading = await model.predict(pixels);
//   drawReading(canvas, pixels, reading.heatmap, { opacity: 0.45 });
//
// On UnsupportedInBrowserError or NoBackendError (or a model that fails to
// load), the app uploads the file for a server reading instead.
export { BACKEND_ORDER, browserReadingPayload, Classifier, decideLabel, loadModel, selectBackend } from './model.js';
export { decodeImage, drawableSource, grayToChannels, rgbaToChannels, sniffImageType } from './decode.js';
export { decodeDicom } from './dicom.js';
export { centerSquare, colorize, downscaleToRgba, drawHeatmap, drawReading, JET, upsampleBilinear } from './heatmap.js';
export { ImageDecodeError, NoBackendError, UnsupportedInBrowserError } from './errors.js';
