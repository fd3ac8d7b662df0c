// The legend beside a heat map: which class it is evidence for, and the colour
// scale from low to high, so that nobody reads a colour as a diagnosis.
import { colormapGradient, JET } from './heatmap.js';
import { element } from './page.js';

/**
 * A legend element: "Evidence for pneumonia", then "low", a colour bar, "high".
 *
 * @param {string} label the class the map is evidence for
 * @param {{colormap?: Array}} [options]
 * @returns {HTMLElement}
 */
export function heatmapLegend(label, { colormap = JET } = {}) {
  const bar = element('span', { className: 'heatmap-scale' });
  Object.assign(bar.style, {
    display: 'inline-block', width: '10rem', maxWidth: '40vw', height: '0.8rem', verticalAlign: 'middle',
    margin: '0 0.4rem', border: '1px solid #555', background: colormapGradient(colormap),
  });
  bar.setAttribute('role', 'img');
  bar.setAttribute('aria-label', 'colour scale from blue (low) through yellow to red (high)');
  return element('p', { className: 'heatmap-legend' }, [
    element('strong', { textContent: `Evidence for ${label}` }), ' ',
    element('span', {}, ['low', bar, 'high']),
    element('span', { className: 'note', textContent: ' (drawn over the centre square the model reads)' }),
  ]);
}
