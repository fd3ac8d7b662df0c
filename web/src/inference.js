// Public entry point of the in-browser inference core: what pages import.
//
//   import { selectBackend, loadModel, readImage, drawReading } from './inference.js';
//   await selectBackend();                       // once per page: wasm, else webgl, else cpu
//   const model = await loadModel(pkg.base_url); // pkg: the active version, from GET /api/v1/models/
//   const { reading, pixels } = await readImage(model, file);
//   if (reading.status === 'refused') show(reading.refusal);   // no label, no probability, no heat map
//   else drawReading(canvas, pixels, reading.heatmap, { opacity: 0.45 }); // heatmap: null unless positive
//
// On UnsupportedInBrowserError or NoBackendError (or a model that fails to
// load), the app uploads the file for a server reading instead.
export { BACKEND_ORDER, browserReadingPayload, Classifier, loadModel, selectBackend } from './model.js';
export { bandOf, decideLabel, dicomRefusal, gateAccepts, heatmapClass, heatmapShown, noHeatmapText, operatingPoint, refusalText } from './decision.js';
export { readImage } from './read_image.js';
export { decodeImage, drawableSource, grayToChannels, rgbaToChannels, sniffImageType, toBytes } from './decode.js';
export { decodeDicom, dicomHeader } from './dicom.js';
export { centerSquare, colorize, colormapGradient, downscaleToRgba, drawHeatmap, drawReading, JET, upsampleBilinear } from './heatmap.js';
export { ImageDecodeError, NoBackendError, UnsupportedInBrowserError } from './errors.js';
