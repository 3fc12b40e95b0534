// The startup-time distribution as an SVG range chart (min–max bar, median and p95 marks), with
// the same numbers in a table for screen readers and for reading exact values.
import { TableWrap } from '../lib/components.js';
import { html } from '../lib/html.js';
import { axisTicks, niceMax, rowGeometry, startupRows } from '../lib/chart-scale.js';
import { formatDuration } from '../lib/format.js';

const WIDTH = 600;
const LABEL = 220;
const ROW = 26;

export function StartupChart({ report }) {
  const rows = startupRows(report);
  if (rows.length === 0) return html`<p>No VM has reached running yet.</p>`;
  const axisMax = niceMax(Math.max(...rows.map((r) => r.maxMs)));
  const height = rows.length * ROW + 30;
  return html`
    <figure class="chart">
      <svg viewBox=${`0 0 ${LABEL + WIDTH + 20} ${height}`} role="img" aria-labelledby="startup-caption">
        ${axisTicks(axisMax).map(
          (t) => html`<g>
            <line class="grid" x1=${LABEL + (t / axisMax) * WIDTH} x2=${LABEL + (t / axisMax) * WIDTH} y1="0" y2=${rows.length * ROW} />
            <text class="axis" x=${LABEL + (t / axisMax) * WIDTH} y=${rows.length * ROW + 18} text-anchor="middle">${formatDuration(t)}</text>
          </g>`,
        )}
        ${rows.map((row, i) => {
          const g = rowGeometry(row, axisMax, WIDTH);
          const y = i * ROW + ROW / 2;
          return html`<g>
            <text class=${row.level ? 'label sub' : 'label'} x=${row.level ? 12 : 0} y=${y + 4}>${row.label}</text>
            <rect class=${row.level ? 'range sub' : 'range'} x=${LABEL + g.from} y=${y - 6} width=${g.to - g.from} height="12" rx="3" />
            <line class="median" x1=${LABEL + g.median} x2=${LABEL + g.median} y1=${y - 9} y2=${y + 9} />
            <line class="p95" x1=${LABEL + g.p95} x2=${LABEL + g.p95} y1=${y - 9} y2=${y + 9} />
          </g>`;
        })}
      </svg>
      <figcaption id="startup-caption">Startup time per cloud and image: bar from fastest to slowest, solid mark at the median, dashed at p95.</figcaption>
    </figure>
    <${TableWrap} label="Startup times"><table>
      <caption>Startup times (exact)</caption>
      <thead><tr><th scope="col">Cloud / image</th><th scope="col">VMs</th><th scope="col">Min</th><th scope="col">Median</th><th scope="col">p95</th><th scope="col">Max</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row">${r.label}</th><td>${r.count}</td><td>${formatDuration(r.minMs)}</td><td>${formatDuration(r.medianMs)}</td><td>${formatDuration(r.p95Ms)}</td><td>${formatDuration(r.maxMs)}</td></tr>`)}</tbody>
    </table><//>
  `;
}
