// Startup-time chart geometry: each row (cloud or cloud/image) is a bar from min to max with
// ticks at the median and p95, on one linear axis shared by all rows.

/** A "nice" axis end ≥ max: 1, 2 or 5 × a power of ten. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Rows for the chart from GET /status/vms/startup-times. */
export function startupRows(report) {
  const rows = [];
  for (const cloud of report?.clouds ?? []) {
    rows.push({ label: cloud.cloud, level: 0, ...pick(cloud) });
    for (const image of cloud.images ?? []) rows.push({ label: `${cloud.cloud} · ${image.image}`, level: 1, ...pick(image) });
  }
  return rows;
}

function pick(s) {
  return { count: s.count, minMs: s.minMs, medianMs: s.medianMs, p95Ms: s.p95Ms, maxMs: s.maxMs };
}

/** x positions (0..width) of a row's marks on an axis ending at `axisMax`. */
export function rowGeometry(row, axisMax, width) {
  const x = (ms) => Math.round((Math.max(0, ms) / axisMax) * width * 10) / 10;
  return { from: x(row.minMs), to: Math.max(x(row.maxMs), x(row.minMs) + 2), median: x(row.medianMs), p95: x(row.p95Ms) };
}

export function axisTicks(axisMax, count = 4) {
  return Array.from({ length: count + 1 }, (_, i) => (axisMax * i) / count);
}
