// Hand-drawn SVG charts for the dashboard: a line chart, a horizontal bar chart and a heat map.
// Every chart has labelled axes with units and a legend, and takes its data as plain arrays.
// No dependencies: the browser's SVG is enough, and nothing is fetched from anywhere else.

const NS = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#2457c5', '#d9480f', '#1b7f3b', '#8e44ad', '#b08900', '#0b7285'];

/** An SVG element with attributes and optional text. */
function svg(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * The drawing with its values in a table only a screen reader reads: the drawing is one image (role img, named by its
 * label), whose own text is decoration to assistive technology, so its values reached nobody who did not see them
 * (an accessibility QA run; the values were in hover tooltips only). `headers` name the columns, `rows` hold cells.
 */
function withValues(root, caption, headers, rows) {
  const chart = document.createElement('div');
  chart.className = 'chart';
  chart.append(root);
  if (rows.length === 0) return chart;
  const table = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = caption;
  const head = document.createElement('tr');
  for (const text of headers) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const body = document.createElement('tbody');
  for (const cells of rows) {
    const tr = document.createElement('tr');
    cells.forEach((text, i) => {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.scope = 'row';
      cell.textContent = text;
      tr.append(cell);
    });
    body.append(tr);
  }
  table.append(cap, thead, body);
  const hidden = document.createElement('div'); // a table takes no smaller width than its content: its box does
  hidden.className = 'sr-only';
  hidden.append(table);
  chart.append(hidden);
  return chart;
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` ticks over [0, max]. */
function niceStep(max, count, integer = false) {
  if (!(max > 0)) return 1;
  if (integer && max / count < 1) return 1;
  const raw = max / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

/** Compact number text: 1234 -> "1,234", 0.12345 -> "0.123". */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function legend(root, series, x, y) {
  let at = x;
  series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    root.append(svg('rect', { x: at, y: y - 9, width: 12, height: 10, fill: color, rx: 2 }));
    const t = svg('text', { x: at + 16, y }, s.name);
    root.append(t);
    at += 26 + s.name.length * 6.5;
  });
}

/**
 * A line chart of one or more series over a shared numeric x axis.
 * opts: { series: [{name, points: [[x, y]], color?}], xLabel, yLabel, xFormat?, yFormat?, width?, height?,
 *         yMin?: number (default 0), rightAxis?: boolean, testid? }
 * rightAxis repeats the y tick labels at the right end: a chart that opens scrolled to its newest x values (the live
 * chart on a phone) keeps a y scale in view. Returns a `div.chart` holding the SVG and its values' table.
 */
export function lineChart(opts) {
  const width = opts.width || 600;
  const height = opts.height || 260;
  const m = { left: 64, right: opts.rightAxis ? 64 : 40, top: 30, bottom: 48 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  // named by its series (which carry their totals), so two charts of one kind on a page are told apart by a reader
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `${opts.series.map(s => s.name).join('; ')} by ${opts.xLabel}` });
  if (opts.testid) root.setAttribute('data-testid', opts.testid);
  const all = opts.series.flatMap(s => s.points);
  if (all.length === 0) {
    root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, 'no data'));
    return withValues(root, '', [], []);
  }
  const xs = all.map(p => p[0]);
  const ys = all.map(p => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const yMinData = Math.min(...ys);
  const yLow = opts.yMin !== undefined ? Math.min(opts.yMin, yMinData) : Math.min(0, yMinData);
  const step = niceStep(Math.max(...ys) - yLow, 5, ys.every(Number.isInteger));
  const y0 = Math.floor(yLow / step) * step;
  const y1 = Math.max(y0 + step, Math.ceil(Math.max(...ys) / step) * step);
  const sx = v => m.left + (v - x0) / (x1 - x0) * w;
  const sy = v => m.top + h - (v - y0) / (y1 - y0) * h;
  const yFormat = opts.yFormat || (v => fmt(v));
  const xFormat = opts.xFormat || (v => fmt(v));
  const grid = svg('g', { class: 'grid' });
  const axis = svg('g', { class: 'axis' });
  for (let v = y0; v <= y1 + step / 2; v += step) {
    grid.append(svg('line', { x1: m.left, x2: m.left + w, y1: sy(v), y2: sy(v) }));
    axis.append(svg('text', { x: m.left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, yFormat(Number(v.toPrecision(12)))));
    if (opts.rightAxis) {
      axis.append(svg('text', { x: m.left + w + 6, y: sy(v) + 4, 'text-anchor': 'start', class: 'right-tick' },
        yFormat(Number(v.toPrecision(12)))));
    }
  }
  if (opts.rightAxis) axis.append(svg('line', { x1: m.left + w, x2: m.left + w, y1: m.top, y2: m.top + h }));
  const xTickCount = Math.min(6, new Set(xs).size);
  // whole x values (epochs, not times in ms) get ticks at whole values: a tick at 3.2 labelled "3" would sit beside
  // epoch 3's dot
  const xTicks = [];
  if (x1 === x0 + 1 && Math.max(...xs) === x0) {
    xTicks.push(x0); // one x value: the axis was widened by 1 to draw it, and has one tick
  } else if (xs.every(Number.isInteger) && x1 - x0 <= 10000) {
    const xStep = Math.max(1, Math.ceil((x1 - x0) / Math.max(1, xTickCount - 1)));
    for (let v = x0; v <= x1; v += xStep) xTicks.push(v);
  } else {
    for (let k = 0; k < xTickCount; k++) xTicks.push(xTickCount === 1 ? x0 : x0 + (x1 - x0) * k / (xTickCount - 1));
  }
  for (const v of xTicks) {
    axis.append(svg('line', { x1: sx(v), x2: sx(v), y1: m.top + h, y2: m.top + h + 4 }));
    axis.append(svg('text', { x: sx(v), y: m.top + h + 16, 'text-anchor': 'middle' }, xFormat(v)));
  }
  axis.append(svg('line', { x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h }));
  axis.append(svg('line', { x1: m.left, x2: m.left, y1: m.top, y2: m.top + h }));
  axis.append(svg('text', { x: m.left + w / 2, y: height - 8, 'text-anchor': 'middle', class: 'title' }, opts.xLabel));
  axis.append(svg('text', { x: 14, y: m.top + h / 2, 'text-anchor': 'middle', class: 'title',
    transform: `rotate(-90 14 ${m.top + h / 2})` }, opts.yLabel));
  root.append(grid, axis);
  opts.series.forEach((s, i) => {
    const color = s.color || PALETTE[i % PALETTE.length];
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    root.append(svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 2 }));
    if (s.points.length <= 60) {
      for (const p of s.points) {
        const dot = svg('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 2.6, fill: color });
        dot.append(svg('title', {}, `${s.name}: ${xFormat(p[0])} → ${yFormat(p[1])}`));
        root.append(dot);
      }
    }
  });
  legend(root, opts.series, m.left, 16);
  const rows = opts.series.flatMap(s => s.points.map(p => [xFormat(p[0]), ...(opts.series.length > 1 ? [s.name] : []),
    yFormat(p[1])]));
  return withValues(root, root.getAttribute('aria-label'),
    [opts.xLabel, ...(opts.series.length > 1 ? ['series'] : []), opts.yLabel], rows);
}

/**
 * Horizontal bars, one per row, with the value written at the end of each bar.
 * opts: { rows: [{label, value}], xLabel, format?, width?, color?, testid? }
 * Returns a `div.chart` holding the SVG and its values' table.
 */
export function barChart(opts) {
  const width = opts.width || 560;
  const rowH = 22;
  const labelW = Math.min(220, 12 + Math.max(40, ...opts.rows.map(r => r.label.length * 6.6)));
  const m = { left: labelW, right: 70, top: 8, bottom: 40 };
  const h = Math.max(1, opts.rows.length) * rowH;
  const height = m.top + h + m.bottom;
  const w = width - m.left - m.right;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': opts.xLabel });
  if (opts.testid) root.setAttribute('data-testid', opts.testid);
  const format = opts.format || (v => fmt(v));
  if (opts.rows.length === 0) {
    root.append(svg('text', { x: width / 2, y: m.top + 14, 'text-anchor': 'middle' }, 'none'));
    return withValues(root, '', [], []);
  }
  const max = Math.max(...opts.rows.map(r => r.value));
  const step = niceStep(max, 4, opts.rows.every(r => Number.isInteger(r.value)));
  const top = Math.max(step, Math.ceil(max / step) * step);
  const sx = v => m.left + v / top * w;
  const axis = svg('g', { class: 'axis' });
  const grid = svg('g', { class: 'grid' });
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.append(svg('line', { x1: sx(v), x2: sx(v), y1: m.top, y2: m.top + h }));
    axis.append(svg('text', { x: sx(v), y: m.top + h + 14, 'text-anchor': 'middle' }, format(Number(v.toPrecision(12)))));
  }
  axis.append(svg('line', { x1: m.left, x2: m.left + w, y1: m.top + h, y2: m.top + h }));
  axis.append(svg('text', { x: m.left + w / 2, y: height - 6, 'text-anchor': 'middle', class: 'title' }, opts.xLabel));
  root.append(grid, axis);
  opts.rows.forEach((r, i) => {
    const y = m.top + i * rowH;
    root.append(svg('text', { x: m.left - 6, y: y + 15, 'text-anchor': 'end' }, r.label));
    const bar = svg('rect', { x: m.left, y: y + 4, width: Math.max(1, sx(r.value) - m.left), height: rowH - 8,
      fill: r.color || opts.color || PALETTE[0], rx: 2 });
    bar.append(svg('title', {}, `${r.label}: ${format(r.value)}`));
    root.append(bar);
    root.append(svg('text', { x: sx(r.value) + 4, y: y + 15, 'data-value': r.value }, format(r.value)));
  });
  return withValues(root, opts.xLabel, ['', opts.xLabel], opts.rows.map(r => [r.label, format(r.value)]));
}

/** White to dark blue, t in [0, 1]. */
function blues(t) {
  return mix([247, 251, 255], [8, 48, 107], t);
}

/** Red (t = -1) through white (0) to blue (t = 1). */
function diverging(t) {
  return t >= 0 ? mix([247, 247, 247], [33, 102, 172], t) : mix([247, 247, 247], [178, 24, 43], -t);
}

function mix(a, b, t) {
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Relative luminance (WCAG) of an `rgb(r,g,b)` colour. */
function luminance(rgb) {
  const [r, g, b] = rgb.match(/\d+/g).map(v => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * The style of a value written on a cell of colour `rgb`: white or ink, whichever contrasts more, and where neither
 * reaches 4.5:1 (mid-range cells: 4.0:1 at worst, an accessibility QA run) a halo of the other drawn under the letters.
 */
function textOn(rgb) {
  const l = luminance(rgb);
  const onWhite = 1.05 / (l + 0.05);
  const onInk = (l + 0.05) / (0.0162 + 0.05); // #1d2330
  const [fill, halo] = onWhite > onInk ? ['#fff', '#1d2330'] : ['#1d2330', '#fff'];
  return Math.max(onWhite, onInk) >= 4.5 ? `fill:${fill}`
    : `fill:${fill};stroke:${halo};stroke-width:2.5px;paint-order:stroke;stroke-linejoin:round`;
}

/**
 * A heat map: values[r][c] for row labels (left) and column labels (top, slanted), with each cell's value
 * written in it and a colour legend. Sequential (default): white = 0 to blue = the largest value. Diverging:
 * red = the most negative, white = 0, blue = the most positive (the same magnitude both ways).
 * opts: { rows: [string], cols: [string], values: [[number|null]], rowTitle, colTitle, legendTitle,
 *         diverging?: boolean, digits?: number, testid? }
 * Returns a `div.chart` holding the SVG and its values' table (a row per row label, a column per column label).
 */
export function heatMap(opts) {
  const cell = 36;
  const rowLabelW = 270;
  const colLabelH = 150;
  const m = { left: rowLabelW, top: colLabelH + 24, right: 130, bottom: 70 };
  const width = Math.max(m.left + opts.cols.length * cell + m.right, m.left + 420);
  const height = m.top + opts.rows.length * cell + m.bottom;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': opts.legendTitle });
  if (opts.testid) root.setAttribute('data-testid', opts.testid);
  let max = 0;
  for (const row of opts.values) for (const v of row) if (v !== null && Math.abs(v) > max) max = Math.abs(v);
  const top = max > 0 ? max : 1;
  // enough decimals for the largest value to show two significant digits: drops of 0.004 read "0.00" at two
  const digits = Math.min(3, Math.max(opts.digits ?? 2, Math.ceil(-Math.log10(top)) + 1)); // "-0.0043" overflows a cell
  const color = v => (opts.diverging ? diverging(v / top) : blues(v / top));
  root.append(svg('text', { x: m.left + opts.cols.length * cell / 2, y: 14, 'text-anchor': 'middle', class: 'title' },
    opts.colTitle));
  // ends left of the first column, whose slanted label starts there
  root.append(svg('text', { x: m.left - 6, y: m.top - 8, 'text-anchor': 'end', class: 'title' }, opts.rowTitle));
  opts.cols.forEach((label, c) => {
    const x = m.left + c * cell + cell / 2;
    const y = m.top - 6;
    const t = svg('text', { x, y, transform: `rotate(-55 ${x} ${y})` }, shortKeepingId(label, 30));
    t.append(svg('title', {}, label));
    root.append(t);
  });
  opts.rows.forEach((label, r) => {
    const t = svg('text', { x: m.left - 6, y: m.top + r * cell + cell / 2 + 4, 'text-anchor': 'end' }, shortKeepingId(label, 44));
    t.append(svg('title', {}, label));
    root.append(t);
    opts.cols.forEach((col, c) => {
      const v = opts.values[r][c];
      const x = m.left + c * cell;
      const y = m.top + r * cell;
      const rect = svg('rect', { x, y, width: cell - 1, height: cell - 1, fill: v === null ? '#eee' : color(v),
        'data-value': v === null ? '' : v });
      rect.append(svg('title', {}, `${label} → ${col}: ${v === null ? 'not read' : v.toFixed(4)}`));
      root.append(rect);
      if (v !== null) {
        root.append(svg('text', { x: x + cell / 2, y: y + cell / 2 + 4, 'text-anchor': 'middle',
          style: `${textOn(color(v))};font-size:10px` }, v.toFixed(digits)));
      }
    });
  });
  // colour legend under the map: a gradient with its end values, and what the colour means
  const ly = m.top + opts.rows.length * cell + 20;
  const lw = 240;
  const id = 'grad' + Math.random().toString(36).slice(2);
  const defs = svg('defs');
  const grad = svg('linearGradient', { id });
  for (let k = 0; k <= 10; k++) {
    grad.append(svg('stop', { offset: `${k * 10}%`, 'stop-color': opts.diverging ? diverging(k / 5 - 1) : blues(k / 10) }));
  }
  defs.append(grad);
  root.append(defs);
  root.append(svg('rect', { x: m.left, y: ly, width: lw, height: 12, fill: `url(#${id})`, stroke: '#8a93a6' }));
  root.append(svg('text', { x: m.left, y: ly + 26, 'text-anchor': 'middle' }, opts.diverging ? (-top).toFixed(digits) : '0'));
  if (opts.diverging) root.append(svg('text', { x: m.left + lw / 2, y: ly + 26, 'text-anchor': 'middle' }, '0'));
  root.append(svg('text', { x: m.left + lw, y: ly + 26, 'text-anchor': 'middle' }, top.toFixed(digits)));
  root.append(svg('text', { x: m.left, y: ly + 44, class: 'title' }, opts.legendTitle));
  return withValues(root, `${opts.legendTitle}: ${opts.rowTitle} by ${opts.colTitle}`, [opts.rowTitle, ...opts.cols],
    opts.rows.map((label, r) => [label, ...opts.values[r].map(v => (v === null ? 'not read' : v.toFixed(4)))]));
}

function short(s, n) {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

/** As {@link short}, but a label "title (id)" loses letters of its title first: the id tells items apart. */
function shortKeepingId(s, n) {
  const m = s.length > n ? s.match(/^(.*) (\([^()]*\))$/) : null;
  if (!m || m[2].length > n - 6) return short(s, n);
  return `${m[1].slice(0, n - m[2].length - 2)}… ${m[2]}`;
}
