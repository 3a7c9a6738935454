// The Attune dashboard: five pages over the server's own API, same origin.
// Admin routes (/v1/admin/...) need the admin key, kept in sessionStorage for this tab only; the user explorer
// also calls the public recommendation routes. Pages are chosen by the URL hash (#/overview, #/users/u1 ...).

import { barChart, fmt, heatMap, lineChart, PALETTE } from './charts.js';

const KEY = 'attune.adminKey';
const main = document.getElementById('page');
let refreshTimer = null;

// ------------------------------------------------------------------ helpers

/** An HTML element: h('td', {class: 'num'}, '12', child...). Text is always set as text, never as HTML. */
function h(name, attrs = {}, ...children) {
  const e = document.createElement(name);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

class Unauthorized extends Error {}
/** An answer other than 2xx or 401: the server's status and error code, with its message. */
class ApiError extends Error {
  constructor(status, code, message) {
    super(`${status} ${code || ''}: ${message}`);
    this.status = status;
    this.code = code;
  }
}
/** Thrown to a page whose answer came after the user had moved to another page: it must not draw over that one. */
class Stale extends Error {}
/** The server did not answer at all (stopped, restarting): the page is drawn again once it answers. */
class Offline extends Error {}

/** Counts page changes; an answer to an earlier page is {@link Stale}. */
let navigation = 0;

/**
 * Calls the API; JSON in and out. A 401 logs out (every call carries the admin key, the user explorer's public
 * routes too, so a 401 anywhere means the key is no longer the server's); a server that does not answer shows the
 * offline banner; other errors throw with the server's message.
 */
async function api(path, { method = 'GET', body } = {}) {
  const page = navigation;
  // the preview header keeps the dashboard's own recommendation requests out of the traffic it reports
  const headers = { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ''}`, 'X-Attune-Dashboard': 'preview' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    offline(true);
    throw new Offline(`the server does not answer (${e.message})`);
  }
  offline(false);
  const data = await r.json().catch(() => ({}));
  if (page !== navigation) throw new Stale();
  if (r.status === 401) throw new Unauthorized(data.message || 'unauthorized');
  if (!r.ok) throw new ApiError(r.status, data.error, data.message || r.statusText);
  return data;
}

/** Shows or hides the banner that says the server does not answer (the page's numbers may then be old). */
function offline(down) {
  document.getElementById('offline').hidden = !down;
}

/**
 * Asks /health every 5 s while logged in, on every page (most pages do not poll), so the banner appears when the
 * server stops answering and goes when it is back.
 */
async function heartbeat() {
  if (!sessionStorage.getItem(KEY)) return;
  const wasDown = !document.getElementById('offline').hidden;
  try {
    const r = await fetch('/health', { cache: 'no-store' });
    offline(false);
    // the server answers, but its store may not: /health says so (a QA run's stopped PostgreSQL and full disk showed
    // nowhere on the dashboard), and pages that failed for it are drawn again once it is back
    const health = await r.json().catch(() => ({}));
    storeDown(r.ok ? null : health);
    const failed = document.querySelector('[data-testid="page-error"]');
    // a page that failed with a 503 is drawn again once /health is ok, banner or not: a store busy for a moment (a
    // lock) answers 503 while /health stays ok, and that page stayed failed (QA)
    if (failed && ((wasDown && failed.dataset.offline === 'true')
        || (r.ok && failed.dataset.unavailable === 'true'))) show();
  } catch (e) {
    offline(true);
  }
}

/** Shows what /health said when it was not ok ({status, reason}), or hides the banner for null. */
function storeDown(health) {
  const banner = document.getElementById('store-down');
  banner.hidden = health === null;
  if (health !== null) {
    banner.textContent = `The server reports: ${health.status || 'not ready'}${health.reason ? ` (${health.reason})` : ''}.`
      + ' What this page shows may be old, and changes may be refused; the dashboard checks again every 5 seconds.';
  }
}

// time 0 is how events without a known time arrive (ratings imported without time)
const time = ms => (ms === null || ms === undefined ? '–' : ms === 0 ? 'unknown' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));
const hhmm = ms => new Date(ms).toISOString().slice(11, 16);
const day = ms => new Date(ms).toISOString().slice(0, 10);
const pct = v => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

/** A test protocol in words: "temporal(cutoff=<ms>)" names its cut as a UTC time. */
const protocolText = p => (p ? String(p).replace(/temporal\(cutoff=(\d+)\)/, (_, ms) => `holdout from ${time(Number(ms))} UTC`) : '–');

const plural = (n, noun) => `${fmt(n)} ${noun}${n === 1 ? '' : 's'}`;

function kpi(label, value, sub, testid) {
  // a long value (a model version's id) in smaller type, rather than broken over three lines that stretch the row
  return h('div', { class: 'kpi' }, h('div', { class: 'label' }, label),
    h('div', { class: String(value).length > 12 ? 'value long' : 'value', 'data-testid': testid }, value),
    sub ? h('div', { class: 'sub' }, sub) : null);
}

/** Runs {@code work} with the form's buttons disabled, so a slow answer cannot be asked for twice. */
/**
 * Shows an outcome in {@code element} and gives it the focus: the button pressed is often gone with a redraw (or
 * disabled), so a keyboard or screen-reader user hears what happened.
 */
function announce(element, text) {
  if (text !== undefined) element.textContent = text;
  element.setAttribute('tabindex', '-1');
  element.focus();
}

async function busy(form, work) {
  const buttons = [...form.querySelectorAll('button')];
  const focused = form.contains(document.activeElement) ? document.activeElement : null;
  for (const b of buttons) b.disabled = true;
  try {
    return await work();
  } finally {
    for (const b of buttons) b.disabled = false;
    // a disabled button drops the focus to the page, and the next Tab starts at the top: given back, a keyboard
    // user stays where they were
    if (focused && focused.isConnected && (!document.activeElement || document.activeElement === document.body)) {
      focused.focus();
    }
  }
}

function card(title, ...children) {
  return h('div', { class: 'card' }, h('h2', {}, title), ...children);
}

function table(headers, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map(c => h('th', { class: c.num ? 'num' : null }, c.label || c)))),
    h('tbody', {}, rows));
}

function sourceTag(source, modelKind) {
  const kind = source === modelKind ? 'model' : ['popular', 'content'].includes(source) ? 'cold' : 'fallback';
  return h('span', { class: `tag ${kind}` }, source);
}

const entries = map => Object.entries(map || {}).map(([label, value]) => ({ label, value }));

/** A per-bucket series as chart points [bucket start ms, count]. */
const points = s => s.counts.map((c, i) => [s.fromMillis + i * s.bucketMillis, c]);

/**
 * A whole-log chart of events per day: one chart, or, when the log's busy periods lie a year or more apart (a data
 * set of past events loaded beside today's), one chart per period, each readable, where a single chart over the
 * decades between them squeezed each into a few pixels.
 */
function wholeLogChart(days, { subject, width, testid }) {
  const periods = days.periods || [];
  if (periods.length <= 1) {
    return lineChart({ series: [{ name: `${subject} ${perBucket(days)} (${fmt(days.counts.length)} points, ${fmt(days.total)} events)`,
      points: points(days) }], xLabel: 'day (UTC)', yLabel: `events ${perBucket(days)}`, xFormat: day, width, testid });
  }
  return h('div', { 'data-testid': testid, 'data-periods': periods.length },
    h('p', { class: 'note' }, `The log has ${periods.length} busy periods with a year or more without events between them; each is drawn on its own.`),
    ...periods.map((p, i) => lineChart({ series: [{ name: `${dayRange(p.fromMillis, p.toMillis - 86400000)}: ${subject} ${perBucket(p)} (${fmt(p.total)} events)`,
      points: points(p) }], xLabel: 'day (UTC)', yLabel: `events ${perBucket(p)}`, xFormat: day, width, testid: `${testid}-${i}` })));
}

/** Two days as "from to to", or one when they are the same. */
const dayRange = (from, to) => (day(from) === day(to) ? day(from) : `${day(from)} to ${day(to)}`);

/** A whole-log chart's bucket for its card's title: none when its periods are drawn each with their own. */
const wholeLogBucket = days => ((days.periods || []).length > 1 ? '' : ` ${perBucket(days)}`);

// ------------------------------------------------------------------ pages

// a window made narrower (a phone turned, a desktop window resized) keeps the live chart at its newest minutes,
// unless the user scrolled it back: the chart only scrolls once it is wider than its card; each overview starts anew
let liveScrolledBack = false;

async function overview() {
  const [o, minutes, days] = await Promise.all([api('/v1/admin/overview'),
    api('/v1/admin/events/over-time?bucket=minute&count=60'), api('/v1/admin/events/over-time?bucket=day')]);
  const c = o.counts;
  const t = o.traffic;
  const model = o.model;
  // updates that move on their own can be paused (WCAG 2.2.2; an accessibility QA run): a screen reader or a slow
  // reader keeps the figures still
  let paused = false;
  const pause = h('button', { class: 'secondary', 'data-testid': 'live-pause', 'aria-pressed': 'false',
    onclick: () => {
      paused = !paused;
      pause.setAttribute('aria-pressed', String(paused));
      pause.textContent = paused ? 'Resume updates' : 'Pause updates';
    } }, 'Pause updates');
  const liveCard = card('Events per minute — last 60 minutes, live (event time, UTC)',
    h('div', { id: 'live' }, liveChart(minutes)),
    h('div', { class: 'row' }, h('p', { class: 'note' }, 'Refreshed every 5 s (the counts above every 30 s). Counts events by their timestamp; events sent with an old timestamp land in the past.'),
      pause));
  liveScrolledBack = false;
  requestAnimationFrame(() => { // drawn: the newest minutes in view where the chart scrolls (a phone)
    const live = document.getElementById('live');
    if (live) live.scrollLeft = live.scrollWidth;
  });
  main.replaceChildren(
    h('h1', {}, 'Overview'),
    h('div', { class: 'kpis' },
      kpi('Users', fmt(c.users), null, 'kpi-users'),
      kpi('Items', fmt(c.items), null, 'kpi-items'),
      kpi('Events', fmt(c.events), eventsSub(c), 'kpi-events'),
      kpi('Rejected requests', fmt(o.rejects.total), 'ingestion, since start', 'kpi-rejects'),
      kpi('Cold-start share', pct(t.coldStartShare), `${fmt(t.answers)} answer${t.answers === 1 ? '' : 's'} since start`, 'kpi-cold'),
      kpi('Active model', model ? model.id : 'none', model ? `${model.kind || ''}` : 'popularity only', 'kpi-model')),
    liveCard,
    h('div', { class: 'grid' },
      card('Events by type', h('div', { id: 'ov-types' }, typesChart(c))),
      card('Events by scene', h('div', { id: 'ov-scenes' }, scenesChart(c)))),
    h('div', { class: 'grid' },
      card(`Events${wholeLogBucket(days)} — the whole log, first to newest event (UTC)`,
        wholeLogChart(days, { subject: 'events', testid: 'chart-days' })),
      card('Ingestion rejects by reason (since start)', h('div', { id: 'ov-rejects' }, rejectsChart(o)))),
    h('div', { class: 'grid' },
      card('Events by type and scene', h('div', { id: 'ov-type-scene' }, typeSceneTable(c))),
      card('Active model: offline metrics', modelMetrics(model))));
  let ticks = 0;
  refreshTimer = setInterval(async () => {
    if (paused) return;
    let fresh = null;
    let counts = null;
    try {
      fresh = await api('/v1/admin/events/over-time?bucket=minute&count=60');
      // the counts cost the store a scan of the events: every 30 s rather than with each live point
      if (++ticks % 6 === 0) counts = await api('/v1/admin/overview');
    } catch (e) {
      if (e instanceof Unauthorized) keyRefused(); // a restarted server with another admin key
      return; // a server that does not answer: the offline banner says so; a page left behind: nothing to do
    }
    const live = document.getElementById('live');
    if (paused) return; // paused while the request was out
    if (fresh && live) {
      // on a phone the chart scrolls sideways: it stays at the newest minutes unless the user scrolled back
      const atEnd = live.scrollLeft + live.clientWidth >= live.scrollWidth - 2;
      live.replaceChildren(liveChart(fresh));
      if (atEnd) live.scrollLeft = live.scrollWidth;
    }
    if (counts) updateKpis(counts);
  }, 5000);
}

// the server lists the types, scenes and pairs with the most events (50 of each) and says how many there are
const eventsSub = c => `${plural(c.eventTypes, 'type')}, ${plural(c.eventScenes, 'scene')}`;
const largestOf = (shown, all, what) => shown < all ? ` (the ${shown} ${what} with the most events of ${fmt(all)})` : '';
const typesChart = c => barChart({ rows: entries(c.eventsByType), testid: 'chart-types',
  xLabel: `events by type (count)${largestOf(Object.keys(c.eventsByType).length, c.eventTypes, 'types')}` });
const scenesChart = c => barChart({ rows: entries(c.eventsByScene), color: PALETTE[2], testid: 'chart-scenes',
  xLabel: `events by scene (count)${largestOf(Object.keys(c.eventsByScene).length, c.eventScenes, 'scenes')}` });
const rejectsChart = o => barChart({ rows: entries(o.rejects.byReason), xLabel: 'rejected requests (count)', color: '#b3261e', testid: 'chart-rejects' });
const typeSceneTable = c => h('div', {}, table(['type', 'scene', { label: 'events', num: true }],
  c.eventsByTypeAndScene.map(r => h('tr', {}, h('td', {}, r.type), h('td', {}, r.scene), h('td', { class: 'num' }, fmt(r.events))))),
  ...(c.eventsByTypeAndScene.length < c.typeScenePairs
    ? [h('p', { class: 'note' }, `The ${c.eventsByTypeAndScene.length} pairs with the most events, of ${fmt(c.typeScenePairs)}.`)] : []));

/**
 * Writes fresh overview counts into the page: the KPI tiles (found by their test ids) and every chart and table
 * drawn from the same counts, so that no part of the page is older than another.
 */
function updateKpis(o) {
  const set = (testid, text) => {
    const e = document.querySelector(`[data-testid="${testid}"]`);
    if (!e) return;
    e.textContent = text;
    e.classList.toggle('long', String(text).length > 12); // as kpi() sizes it
  };
  const redraw = (id, element) => {
    const e = document.getElementById(id);
    if (e) e.replaceChildren(element);
  };
  redraw('ov-types', typesChart(o.counts));
  redraw('ov-scenes', scenesChart(o.counts));
  redraw('ov-rejects', rejectsChart(o));
  redraw('ov-type-scene', typeSceneTable(o.counts));
  const sub = document.querySelector('[data-testid="kpi-events"] + .sub');
  if (sub) sub.textContent = eventsSub(o.counts);
  set('kpi-users', fmt(o.counts.users));
  set('kpi-items', fmt(o.counts.items));
  set('kpi-events', fmt(o.counts.events));
  set('kpi-rejects', fmt(o.rejects.total));
  set('kpi-cold', pct(o.traffic.coldStartShare));
  set('kpi-model', o.model ? o.model.id : 'none');
}

/** "per day", or "per 3 days" when the server merged days to keep a long log to a bounded number of points. */
function perBucket(series) {
  const days = Math.round((series.bucketMillis || 86400000) / 86400000);
  return days <= 1 ? 'per day' : `per ${days} days`;
}

function liveChart(s) {
  const chart = lineChart({ series: [{ name: `events per minute (total ${fmt(s.total)})`, points: points(s) }],
    xLabel: 'time (UTC, HH:MM)', yLabel: 'events per minute', xFormat: hhmm, width: 1180, height: 240, rightAxis: true,
    testid: 'chart-live' });
  chart.querySelector('svg').setAttribute('data-total', s.total);
  return chart;
}

function modelMetrics(model) {
  if (!model) return h('p', { class: 'muted' }, 'No attention model is served: recommendations come from the fallback and popularity.');
  const rows = Object.entries(model.metrics || {}).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', { class: 'num' }, fmt(v, 4))));
  return h('div', {},
    h('p', {}, h('b', {}, model.id), ` (${model.kind || '?'})`, model.trainSeconds != null ? ` — trained in ${fmt(model.trainSeconds, 1)} s` : '',
      model.protocol ? `, tested on ${protocolText(model.protocol)}` : ''),
    rows.length ? table(['metric', { label: 'value', num: true }], rows, { 'data-testid': 'active-metrics' })
      : h('p', { class: 'muted' }, 'Its model.json records no offline metrics.'));
}

async function models() {
  const [m, ex] = await Promise.all([api('/v1/admin/models'), api('/v1/admin/experiments')]);
  const metric = (v, k) => fmt(v.metrics[k], 4);
  // the serving version first, then the newest: versions tested on different holdouts do not rank by their NDCG@10
  const ordered = [...m.versions].sort((a, b) => (b.active - a.active) || (b.createdAtMillis - a.createdAtMillis));
  const rows = ordered.map(v => h('tr', { class: v.active ? 'active' : null, 'data-version': v.id },
    h('td', {}, h('b', {}, v.id), h('div', { class: 'muted' }, v.kind || '?'),
      v.readable ? null : h('span', { class: 'tag gone', title: 'its folder lacks the weights or item list: it cannot be served' }, 'not readable'),
      v.readable && !v.servable ? h('div', { class: 'muted', 'data-testid': 'ctr-version' },
        `CTR ranker, not served: AUC ${metric(v, 'AUC')}, GAUC ${metric(v, 'GAUC')}`) : null),
    h('td', { class: 'num' }, metric(v, 'NDCG@10')),
    h('td', { class: 'num' }, metric(v, 'HR@10')),
    h('td', { class: 'num' }, metric(v, 'Coverage@10')),
    h('td', { class: 'text' }, protocolText(v.protocol)),
    h('td', { class: 'num' }, v.trainSeconds == null ? '–' : fmt(v.trainSeconds, 1)),
    h('td', { class: 'when' }, time(v.createdAtMillis)),
    h('td', {}, gateCell(v)),
    h('td', {}, v.active ? h('span', { class: 'tag model' }, 'serving')
      : h('div', { class: 'row' },
        h('button', { class: 'secondary', 'data-activate': v.id, disabled: !v.servable,
          title: !v.readable ? 'not readable: nothing to serve' : !v.servable ? 'a CTR ranker: measured by attune evaluate --ctr, not served' : null,
          'aria-label': `Activate ${v.id}`, onclick: ev => activate(v, ev.currentTarget) }, 'Activate'),
        h('button', { class: 'secondary', 'data-remove': v.id, disabled: !!v.keptBecause,
          title: v.keptBecause ? `kept: ${v.keptBecause}` : 'delete its folder and registry row',
          'aria-label': `Remove ${v.id}`, onclick: ev => removeVersion(v, ev.currentTarget) }, 'Remove'),
        // a disabled button takes no focus and a phone has no hover: why it is off is written out, not a tooltip only
        v.keptBecause ? h('div', { class: 'note', 'data-testid': 'kept-because' }, `Kept: ${v.keptBecause}.`) : null))));
  const running = !!m.job && !['published', 'rejected', 'failed'].includes(m.job.state);
  const job = h('p', { class: 'note', 'data-testid': 'training-job', 'data-state': m.job ? m.job.state : 'none' },
    jobText(m.job));
  const button = h('button', { 'data-testid': 'train', disabled: !m.canTrain || running, title: m.training, onclick: () => train(button, job) },
    'Train a new version');
  main.replaceChildren(
    h('h1', {}, 'Models'),
    card('Trained versions, the serving one first, then the newest (NDCG@10 on each version\'s test split or, for versions the server trained, its time-based holdout)',
      h('p', { class: 'note' }, 'Each row is measured on its own test ("tested on"): compare rows tested the same way. The model gate column compares a candidate with the version then served on one holdout.'),
      // the table scrolls in its own box on a narrow screen: the card's title, notes and Train button stay in view
      h('div', { class: 'scroll' }, table(['version', { label: 'NDCG@10', num: true }, { label: 'HR@10', num: true }, { label: 'Coverage@10', num: true },
        'tested on', { label: 'training (s)', num: true }, 'created (UTC)', 'model gate', ''], rows, { 'data-testid': 'leaderboard' })),
      rows.length ? null : h('p', { class: 'muted' }, 'No versions yet: train one here, or with `attune train --out` beside the served model.'),
      h('div', { class: 'row', style: 'margin-top:10px' }, button, h('span', { class: 'note' }, m.training)),
      job,
      h('p', { id: 'activate-result', class: 'note' })),
    experimentsCard(m, ex.experiments),
    ...ordered.map(v => card(`Training curves — ${v.id}`, curves(v))));
  if (running) followJob(job);
  const shown = ex.experiments.find(e => e.state === 'running') || ex.experiments[0];
  if (shown) showExperiment(shown.id);
}

// ------------------------------------------------------------------ A/B experiments (on the models page)

/**
 * The experiments card: a form that tests a version against the served one (two arms, half of the users each; more
 * arms through the API), the experiments so far, and the results of the running one (or of one picked).
 */
function experimentsCard(m, experiments) {
  const running = experiments.find(e => e.state === 'running');
  const candidates = m.versions.filter(v => v.servable && !v.active);
  const choice = h('select', { 'data-testid': 'experiment-version', 'aria-label': 'version to test' },
    candidates.map(v => h('option', { value: v.id }, `${v.id} (${v.kind || '?'})`)));
  const minUsers = h('input', { type: 'number', min: 1, value: 1000, required: true, 'data-testid': 'experiment-min-users', 'aria-label': 'users per arm before a verdict', style: 'width:7em' });
  const hours = h('input', { type: 'number', min: 1, max: 720, value: 24, required: true, 'aria-label': 'hours after an answer a use counts', style: 'width:5em' });
  const out = h('p', { class: 'note', id: 'experiment-result', 'data-testid': 'experiment-result' });
  const form = h('form', { class: 'inline', onsubmit: ev => { ev.preventDefault(); startExperiment(m, choice.value, Number(minUsers.value), Number(hours.value), form, out); } },
    h('label', {}, 'Test ', choice, ' against the serving version'), ' ',
    h('label', {}, 'users per arm ', minUsers), ' ',
    h('label', {}, 'uses count for (hours) ', hours), ' ',
    h('button', { type: 'submit', 'data-testid': 'experiment-start', disabled: !!running || !candidates.length }, 'Start experiment'));
  const rows = experiments.map(e => h('tr', { 'data-experiment': e.id, class: e.state === 'running' ? 'active' : null },
    h('td', {}, h('b', {}, e.id), h('div', { class: 'muted' }, e.name)),
    h('td', {}, e.state === 'running' ? h('span', { class: 'tag model' }, 'running') : 'stopped'),
    h('td', { class: 'text' }, e.arms.map(a => `${a.name}: ${a.version} (${pct(a.share)})`).join(', ')),
    h('td', { class: 'when' }, time(e.startedAtMillis)),
    h('td', { class: 'when' }, time(e.stoppedAtMillis)),
    h('td', {}, h('button', { class: 'secondary', 'aria-label': `Results of ${e.id}`, onclick: () => showExperiment(e.id, { focus: true }) },
      'Results'))));
  return card('A/B experiments: model versions on live traffic',
    running && !running.served
      ? h('p', { class: 'error', 'data-testid': 'experiment-not-served' }, `Experiment ${running.id} is running but not served: ${running.note || 'an arm cannot be served'}`)
      : h('p', { class: 'note' }, running
        ? `Experiment ${running.id} is running: each user asking for their recommendations gets one arm, always the same. Stop it to start another.`
        : 'Half of the users who ask for their own recommendations get the chosen version, half the serving one; what they then use of what they were shown decides. The verdict waits for the users per arm.'),
    form, out,
    rows.length ? h('div', { class: 'scroll' }, table(['experiment', 'state', 'arms', 'started (UTC)', 'stopped (UTC)', ''], rows, { 'data-testid': 'experiments' })) : null,
    h('div', { id: 'experiment-detail', 'data-testid': 'experiment-detail' }));
}

async function startExperiment(m, version, minUsersPerArm, hours, form, out) {
  if (!window.confirm(`Split the users who ask for recommendations between ${m.active || 'the serving version'} and ${version} now? Half of them are served ${version} until the experiment is stopped.`)) return;
  out.classList.remove('error');
  try {
    const e = await busy(form, () => api('/v1/admin/experiments', { method: 'POST', body: {
      name: `${version} against ${m.active || 'the serving version'}`, minUsersPerArm, windowMinutes: 60 * hours,
      arms: [{ name: 'control', version: 'active' }, { name: 'candidate', version }] } }));
    await models();
    announce(document.getElementById('experiment-result'), `Experiment ${e.id} started.`);
  } catch (e) {
    if (e instanceof Stale) return;
    if (e instanceof Unauthorized) return keyRefused();
    out.textContent = e.message;
    out.classList.add('error');
  }
}

/** Draws an experiment's results below the list: per arm, each arm against the control, the verdict. */
/** Draws experiment {@code id}'s results below the list; {@code focus} (the Results button) moves the focus there. */
async function showExperiment(id, { focus = false } = {}) {
  const detail = document.getElementById('experiment-detail');
  if (!detail) return;
  let e;
  try {
    e = await api(`/v1/admin/experiments/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof Stale) return;
    if (err instanceof Unauthorized) return keyRefused();
    detail.replaceChildren(h('p', { class: 'error' }, err.message));
    return;
  }
  const r = e.results;
  const interval = c => (c.estimate === null ? '–' : `${pct(c.estimate)} (${pct(c.lower)}–${pct(c.upper)})`);
  // a p-value is read by its size: 2.6e-5 must not show as 0
  const pValue = p => (p === null || p === undefined ? '–' : p < 0.001 ? p.toExponential(1) : fmt(p, 3));
  const armRows = r.arms.map((a, k) => h('tr', { 'data-arm': a.name },
    h('td', {}, h('b', {}, a.name), h('div', { class: 'muted' }, `${e.arms[k].version}${k === 0 ? ', control' : ''}`),
      h('div', { class: 'muted' }, Object.entries(a.answersByVersion || {}).map(([v, n]) => `${v}: ${fmt(n)} answers`).join(', '))),
    h('td', { class: 'num' }, fmt(a.users)), h('td', { class: 'num' }, fmt(a.answers)),
    h('td', { class: 'num' }, fmt(a.convertedUsers)), h('td', { class: 'num' }, interval(a.conversionRate)),
    h('td', { class: 'num' }, fmt(a.conversionsPerUser, 3)), h('td', { class: 'num' }, fmt(a.likedEventsPerUser, 3))));
  const signed = v => `${v > 0 ? '+' : ''}${(100 * v).toFixed(2)}`;
  // no interval (lower and upper null, intervalNote says why): no spread within the arms yet, not a width of 0
  const points = d => (d.difference == null ? '–' : d.lower == null ? `${signed(d.difference)} points (no interval yet)`
    : `${signed(d.difference)} points (${signed(d.lower)} to ${signed(d.upper)})`);
  // a difference of means (uses or liked events per user) with its interval: Welch's test
  const perUser = d => (!d || d.difference == null ? '–' : d.lower == null ? `${fmt(d.difference, 3)} (no interval yet)`
    : `${fmt(d.difference, 3)} (${fmt(d.lower, 3)} to ${fmt(d.upper, 3)})`);
  // "significant" is the API's decision: the fixed test's only once every arm has its users
  const decision = d => (d.significant ? h('span', { class: `tag ${d.difference > 0 ? 'new' : 'gone'}` }, 'significant') : 'not significant');
  const versus = r.comparisons.map(c => h('tr', { 'data-compared': c.arm },
    h('td', {}, `${c.arm} vs ${c.control}`),
    h('td', { class: 'num' }, points(c.conversionRate)),
    h('td', { class: 'num' }, pValue(c.conversionRate.pValue)),
    h('td', {}, decision(c.conversionRate)),
    h('td', { class: 'num' }, points(c.conversionRateAlwaysValid)),
    h('td', { class: 'num' }, pValue(c.conversionRateAlwaysValid.pValue)),
    h('td', {}, decision(c.conversionRateAlwaysValid))));
  // beside the primary measure (an analyst's QA run: the dashboard showed neither): uses per user, and the guardrail,
  // every liked event per user whether shown or not, which tells uses that add to what users do from uses that replace it
  const means = r.comparisons.map(c => h('tr', { 'data-compared-means': c.arm },
    h('td', {}, `${c.arm} vs ${c.control}`),
    h('td', { class: 'num' }, perUser(c.conversionsPerUser)), h('td', { class: 'num' }, pValue(c.conversionsPerUser.pValue)),
    h('td', { class: 'num' }, perUser(c.likedEventsPerUser)),
    h('td', { class: 'num' }, pValue(c.likedEventsPerUser ? c.likedEventsPerUser.pValue : null))));
  const buttons = e.state === 'running'
    ? h('button', { class: 'secondary', 'data-testid': 'experiment-stop', onclick: ev => stopExperiment(e, ev.currentTarget) }, 'Stop experiment') : null;
  detail.replaceChildren(
    h('h3', {}, `${e.id}: ${e.name} (${e.state})`),
    h('p', { 'data-testid': 'experiment-verdict', 'data-state': r.state, class: r.state === 'sample_ratio_mismatch' ? 'error' : 'note' }, r.verdict),
    h('div', { class: 'scroll' }, table(['arm', { label: 'users', num: true }, { label: 'answers', num: true }, { label: 'users who used one', num: true },
      { label: 'conversion rate (95%)', num: true }, { label: 'uses per user', num: true }, { label: 'liked events per user (shown or not)', num: true }], armRows, { 'data-testid': 'experiment-arms' })),
    versus.length ? h('div', { class: 'scroll' }, table(['comparison', { label: `conversion rate difference (${fmt(100 * (1 - r.level), 2)}%)`, num: true }, { label: 'p (read once, at the planned users)', num: true }, `at level ${fmt(r.level, 4)}`,
      { label: 'always-valid difference (any look)', num: true }, { label: 'always-valid p', num: true }, 'always-valid'], versus)) : null,
    means.length ? h('div', { class: 'scroll' }, table(['comparison', { label: 'uses per user difference (Welch)', num: true }, { label: 'p', num: true },
      { label: 'guardrail: liked events per user difference', num: true }, { label: 'p', num: true }], means, { 'data-testid': 'experiment-means' })) : null,
    h('p', { class: 'note' }, `A use is an event of ${e.conversionTypes.join(', ')} on an item shown, from 5 minutes before it was shown (clients' clocks run behind) to ${fmt(e.windowMinutes)} minutes after. The guardrail counts every such event the users liked, shown or not, and is not read by the verdict.${r.usesCountedUntilMillis ? ` Uses counted until ${time(r.usesCountedUntilMillis)} UTC, when the next experiment started.` : ''} Split check: p = ${pValue(r.sampleRatio.pValue)}.`),
    ...(buttons ? [buttons] : [])); // replaceChildren writes a null as the text "null"
  // drawn below the list: the Results button pressed says nothing itself; drawn with the page (or after an action,
  // which says its own outcome), the focus stays where it is (a review: it was taken from the page's heading)
  if (focus) announce(detail.querySelector('h3'));
}

async function stopExperiment(e, button) {
  if (!window.confirm(`Stop experiment ${e.id}? Every user gets the serving version again; its results stay.`)) return;
  button.disabled = true;
  try {
    await api(`/v1/admin/experiments/${encodeURIComponent(e.id)}/stop`, { method: 'POST' });
    await models();
    await showExperiment(e.id);
    announce(document.getElementById('experiment-result'), `Experiment ${e.id} stopped.`);
  } catch (err) {
    if (err instanceof Stale) return;
    if (err instanceof Unauthorized) return keyRefused();
    button.disabled = false;
    const out = document.getElementById('experiment-result');
    out.textContent = err.message;
    out.classList.add('error');
  }
}

/** The model gate's decision for a version the server trained: published or rejected, with both NDCG@10. */
function gateCell(v) {
  const g = v.gate;
  if (!g) return h('span', { class: 'muted', title: 'only versions the server trains pass the model gate' }, 'no gate (trained outside the server)');
  const against = g.activeNdcg10 == null ? (g.note || 'nothing served to compare with')
    : `active ${g.activeVersion} ${fmt(g.activeNdcg10, 4)}${g.margin ? ` − margin ${fmt(g.margin, 4)}` : ''}`;
  return h('div', { 'data-testid': `gate-${v.id}`, 'data-decision': g.decision, title: g.rule || '' },
    // refitting: not decided yet, neither green nor the red of a rejection
    h('span', { class: `tag ${g.decision === 'published' ? 'new' : g.decision === 'refitting' ? '' : 'gone'}` },
      g.decision),
    h('div', { class: 'muted' }, `NDCG@10 ${fmt(g.candidateNdcg10, 4)} vs ${against}`),
    // why two numbers may not compare as they seem (the active version saw part of the holdout, ...)
    g.note && g.activeNdcg10 != null ? h('div', { class: 'note' }, g.note) : null,
    g.refit ? h('div', { class: 'note', 'data-testid': `refit-${v.id}` }, g.refit.served
      ? 'served as trained again on every event (the holdout too)' : `not trained again: ${g.refit.note || ''}`) : null);
}

function jobText(j) {
  if (!j) return 'No training job since the server started.';
  const parts = [`Training job ${j.id} (${j.trigger}): ${j.state}`];
  if (j.version) parts.push(`version ${j.version}`);
  if (j.epoch) parts.push(`epoch ${j.epoch}${j.loss != null ? `, loss ${fmt(j.loss, 4)}` : ''}`);
  // the progress of the stage under way, unless it is the epoch just reported as done (two counters saying one thing)
  const stageEpoch = /^epoch (\d+)/.exec(j.progress?.stage || '');
  if (j.state === 'training' && j.progress && j.progress.total && !(stageEpoch && Number(stageEpoch[1]) === j.epoch)) {
    parts.push(`${j.progress.stage || 'stage'}: ${Math.round(100 * j.progress.done / j.progress.total)}%`);
  }
  if (j.gate && j.gate.note) parts.push(`note: ${j.gate.note}`);
  if (j.gate) {
    parts.push(`gate: ${j.gate.decision} (NDCG@10 ${fmt(j.gate.candidateNdcg10, 4)} vs active ${fmt(j.gate.activeNdcg10, 4)})`);
    if (j.gate.refit) parts.push(j.gate.refit.served ? 'served as trained again on every event' : `not trained again: ${j.gate.refit.note || ''}`);
  }
  if (j.state === 'refitting') parts.push('training the published candidate again on every event (its epochs count from 1)');
  if (j.error) parts.push(`error: ${j.error}`);
  return parts.join(' · ');
}

async function train(button, out) {
  // a candidate that passes the model gate is published at once, for every user: asked first, as Activate does
  if (!window.confirm('Train a new version on the store\'s events now? If it passes the model gate it is published'
    + ' and served to every user when the job ends.')) return;
  button.disabled = true;
  out.classList.remove('error');
  try {
    const j = await api('/v1/admin/models/train', { method: 'POST' });
    out.dataset.state = j.state;
    // the button is disabled while the job runs: the job's line takes the focus, so a keyboard user hears it
    announce(out, jobText(j));
    followJob(out);
  } catch (e) {
    if (e instanceof Stale) return;
    if (e instanceof Unauthorized) return keyRefused();
    if (e instanceof ApiError && e.status === 409) {
      // another tab, the schedule or the event trigger started one: follow it as if this page had
      announce(out, 'A training job is already running; following it.');
      followJob(out);
      return;
    }
    out.textContent = e.message;
    out.classList.add('error');
    button.disabled = false;
    button.focus(); // it was disabled while it held the focus
  }
}

/**
 * Shows the job's progress every second; when it is done, reloads the page (the new version and its gate). The
 * timer stops itself only: an answer that comes after the user moved to another page must not stop that page's.
 */
function followJob(out) {
  clearInterval(refreshTimer);
  const timer = setInterval(async () => {
    try {
      const s = await api('/v1/admin/training');
      out.textContent = jobText(s.job);
      out.dataset.state = s.job ? s.job.state : 'none';
      if (!s.running) {
        clearInterval(timer);
        await models();
        // the redraw took the focus with the old line: the new one, which holds the gate's decision, takes it, so a
        // keyboard or screen-reader user hears the outcome (as after Activate)
        const done = document.querySelector('[data-testid="training-job"]');
        if (done && (!document.activeElement || document.activeElement === document.body)) announce(done);
      }
    } catch (e) {
      // an outage (the server restarting, its store away) does not end the following: the job's end is shown once
      // it answers (a QA run's line stayed at "does not answer" and Train disabled after a restart)
      if (e instanceof Offline || (e instanceof ApiError && e.status === 503)) {
        out.textContent = `${e.message}; still following the job`;
        return;
      }
      clearInterval(timer);
      if (e instanceof Stale) return;
      if (e instanceof Unauthorized) return keyRefused();
      out.textContent = e.message;
    }
  }, 1000);
  refreshTimer = timer;
}

function curves(v) {
  const hist = v.history || [];
  if (hist.length === 0) {
    return h('p', { class: 'muted' }, 'No per-epoch history in this version\'s model.json (trained before it was recorded).');
  }
  const loss = hist.filter(e => e.loss != null).map(e => [e.epoch, e.loss]);
  const val = hist.filter(e => e.validationNdcg10 != null).map(e => [e.epoch, e.validationNdcg10]);
  return h('div', { class: 'two' },
    lineChart({ series: [{ name: 'training loss (mean per position)', points: loss }], xLabel: 'epoch', yLabel: 'loss (nats)',
      xFormat: x => fmt(Math.round(x)), yMin: Infinity, width: 560, testid: `loss-${v.id}` }),
    val.length ? lineChart({ series: [{ name: 'validation NDCG@10', points: val, color: PALETTE[1] }], xLabel: 'epoch',
      yLabel: 'NDCG@10', xFormat: x => fmt(Math.round(x)), yFormat: y => y.toFixed(3), width: 560, testid: `val-${v.id}` })
      : h('p', { class: 'muted' }, 'Trained without a validation split (no validation curve).'));
}

async function activate(v, button) {
  const id = v.id;
  const g = v.gate;
  // it changes what every user is served at once: asked first, with what the model gate said of the version
  const verdict = !g ? 'It was trained outside the server (no model gate).'
    : g.decision === 'published' ? 'The model gate published it.'
    : `The model gate REJECTED it (NDCG@10 ${fmt(g.candidateNdcg10, 4)} vs the then active ${fmt(g.activeNdcg10, 4)}).`;
  if (!window.confirm(`Serve ${id} to every user now? ${verdict}`)) return;
  const out = document.getElementById('activate-result');
  if (button) button.disabled = true; // one activation at a time; the page redraws when it is done
  out.textContent = 'Activating…';
  try {
    const answer = await api(`/v1/admin/models/${encodeURIComponent(id)}/activate`, { method: 'POST' });
    await models();
    const result = document.getElementById('activate-result');
    if (answer && answer.warning) result.classList.add('error');
    announce(result, `Now serving ${id}.` + (answer && answer.warning ? ` Warning: ${answer.warning}.` : ''));
  } catch (e) {
    if (e instanceof Stale) return;
    if (e instanceof Unauthorized) return keyRefused();
    out.textContent = e.message;
    out.classList.add('error');
    if (button) button.disabled = false;
  }
}

async function removeVersion(v, button) {
  // it deletes files for good: asked first, naming the folder
  if (!window.confirm(`Remove ${v.id}? Its folder ${v.path} and its registry row are deleted; it cannot be activated again.`)) return;
  const out = document.getElementById('activate-result');
  button.disabled = true;
  out.classList.remove('error');
  out.textContent = 'Removing…';
  try {
    const answer = await api(`/v1/admin/models/${encodeURIComponent(v.id)}`, { method: 'DELETE' });
    await models();
    announce(document.getElementById('activate-result'),
      `Removed ${v.id} (${fmt(answer.bytes / 1048576, 1)} MB freed).`);
  } catch (e) {
    if (e instanceof Stale) return;
    if (e instanceof Unauthorized) return keyRefused();
    // 409: served, active, the --model folder, or an experiment's arm: the server says which
    announce(out, e.message);
    out.classList.add('error');
    button.disabled = false;
  }
}

const SEARCH_LIMIT = 30;

// search: {title, placeholder, route, param, listKey, narrow}; param 'prefix' (user ids) or 'q' (items: id, title or
// creator, in any case)
function searchBox(search, open) {
  const { title, placeholder, route, param, listKey, narrow } = search;
  const results = h('div', { class: 'results', 'data-testid': 'search-results', 'aria-live': 'polite' });
  const input = h('input', { type: 'search', placeholder, 'aria-label': placeholder, 'data-testid': 'search' });
  const form = h('form', { class: 'inline', onsubmit: async ev => {
    ev.preventDefault();
    let found;
    try {
      // a pasted id often brings a space along, so the text is asked for trimmed; but an id may begin or end with a
      // space (the API takes one), so a prefix that has some is asked for as typed too, its matches first
      // nothing typed lists the first ids (a text search needs a text)
      const typed = input.value, trimmed = typed.trim();
      const asked = trimmed ? param : 'prefix';
      const ask = text => api(`${route}?${asked}=${encodeURIComponent(text)}&limit=${SEARCH_LIMIT}`);
      found = await busy(form, async () => {
        if (asked !== 'prefix' || !trimmed || typed === trimmed) return ask(trimmed);
        const [exact, loose] = await Promise.all([ask(typed), ask(trimmed)]);
        const idOf = x => (typeof x === 'string' ? x : x.id);
        const seen = new Set(exact[listKey].map(idOf));
        return { [listKey]: [...exact[listKey], ...loose[listKey].filter(x => !seen.has(idOf(x)))].slice(0, SEARCH_LIMIT) };
      });
    } catch (e) {
      if (e instanceof Stale) return;
      if (e instanceof Unauthorized) return keyRefused();
      // a search is not run again by itself once the server is back: say to run it
      results.replaceChildren(h('span', { class: 'error' }, e instanceof Offline
        ? `${e.message}; search again once it answers` : e.message));
      return;
    }
    const list = found[listKey];
    results.replaceChildren(...(list.length ? list.map(x => {
      const id = typeof x === 'string' ? x : x.id;
      const label = typeof x === 'string' ? x : `${x.id}${x.title ? ' — ' + x.title : ''}`;
      return h('button', { type: 'button', onclick: () => open(id) }, label);
    }) : [h('span', { class: 'muted' }, 'no match')]),
    ...(list.length >= SEARCH_LIMIT
      ? [h('p', { class: 'note' }, `The first ${SEARCH_LIMIT} matches; ${narrow}.`)] : []));
  } }, input, h('button', { type: 'submit' }, 'Search'));
  return card(title, form, results);
}

/**
 * Under a scene-transfer model, a choice of the scenes it serves for the user explorer (a multi-scene QA run: it showed
 * the model's target scene only); null under other models. Shown with a button, as a change of a closed select fires
 * on arrow keys and would reload the page at each.
 */
function sceneForm(userId, overview, scene) {
  const scenes = overview && overview.model && overview.model.kind === 'scene-transfer' ? overview.model.scenes || [] : [];
  if (scenes.length < 2) return null;
  const select = h('select', { id: 'user-scene', 'data-testid': 'user-scene' },
    h('option', { value: '' }, 'the model\'s target scene'),
    ...scenes.map(x => h('option', { value: x, selected: x === scene }, x)));
  return h('form', { class: 'inline', 'data-testid': 'user-scene-form', onsubmit: ev => {
    ev.preventDefault();
    location.hash = `#/users/${encodeURIComponent(userId)}${select.value ? `?scene=${encodeURIComponent(select.value)}` : ''}`;
  } }, h('label', { for: 'user-scene' }, 'Scene'), select, h('button', { type: 'submit', class: 'secondary' }, 'Show'));
}

async function users(userId, params = new URLSearchParams()) {
  // a scene-transfer model serves every scene it was trained on: the list, maps and what-if of the scene chosen
  const scene = params.get('scene') || '';
  const inScene = scene ? { scene } : {};
  const parts = [h('h1', {}, 'User explorer'),
    searchBox({ title: 'Search by id prefix', placeholder: 'user id prefix, e.g. u1', route: '/v1/admin/users',
      param: 'prefix', listKey: 'users', narrow: 'type more of the id to narrow them' },
    id => { location.hash = `#/users/${encodeURIComponent(id)}`; })];
  if (!userId) {
    main.replaceChildren(...parts);
    return;
  }
  let timeline, recs, overview;
  try {
    [timeline, recs, overview] = await Promise.all([
      api(`/v1/users/${encodeURIComponent(userId)}/events?limit=50`),
      api(`/v1/users/${encodeURIComponent(userId)}/recommendations?k=10&explain=true${scene ? `&scene=${encodeURIComponent(scene)}` : ''}`),
      api('/v1/admin/overview')]);
  } catch (e) {
    // an outage (of the server or its store) goes to the page's own error, drawn again once it is over
    if (e instanceof Stale || e instanceof Unauthorized || e instanceof Offline
        || (e instanceof ApiError && e.status === 503)) throw e;
    // an unknown user: the search stays, to look for another
    main.replaceChildren(...parts, h('p', { class: 'error', 'data-testid': 'page-error' }, e instanceof ApiError && e.status === 404
      ? `No user '${userId}' here (no events or profile under that id): search for another above.` : e.message),
    // a scene the routes refused (a hand-edited address): the way back to the user's own page
    ...(scene ? [h('p', {}, h('a', { href: `#/users/${encodeURIComponent(userId)}` }, 'Show this user without a scene'))] : []));
    return;
  }
  const modelKind = overview.model ? overview.model.kind : null;
  // the items standing in for a new user's history are rows of the maps too: their titles as well
  const stepItems = recs.items.flatMap(i => i.explanation ? i.explanation.steps.map(s => s.itemId) : []);
  const titles = await itemTitles([...timeline.events.map(e => e.itemId), ...recs.items.map(i => i.itemId), ...stepItems]);
  const standingIn = recs.items.some(i => i.explanation && i.explanation.steps.some(s => s.standIn));
  const label = id => titles[id] ? `${titles[id]} (${id})` : id;
  const events = timeline.events;
  const whatIf = h('div', { id: 'whatif-result' });
  // the button keeps the focus, and the result is drawn below the form: its one-line outcome is said as it comes (a
  // live region over the whole result had a screen reader read both tables and the heat map's values; review)
  const whatIfStatus = h('p', { role: 'status', class: 'sr-only', 'data-testid': 'whatif-status' });
  const itemInput = h('input', { id: 'whatif-item', placeholder: 'item id', required: true, value: recs.items[0] ? recs.items[0].itemId : '' });
  const typeInput = h('select', { id: 'whatif-type' }, ['play', 'like', 'favourite', 'share', 'rating', 'skip', 'dislike', 'view', 'purchase']
    .map(t => h('option', { value: t }, t)));
  const sceneChoice = sceneForm(userId, overview, scene);
  const recsCard = card(`Current recommendations (model ${recs.model || 'none'}${scene ? `, scene ${scene}` : ''})`, sceneChoice,
    recTable(recs.items, modelKind, label, 'recs'),
    h('p', { class: 'note' }, 'Rank score: the item\'s place within this answer (the top one is 1; it moves with k, so it does not compare across requests). Model score: the model\'s own score for this history (– for popular and content items), the unit of the influence map below.'));
  parts.push(
    h('h2', { 'data-testid': 'user-id' }, `User ${userId}`),
    // the timeline's links come first in the tab order, up to 50 of them (an accessibility QA run): a way past them
    ...(events.length > 5 ? [h('button', { class: 'secondary', 'data-testid': 'skip-timeline',
      onclick: () => announce(recsCard.querySelector('h2')) }, 'Skip the timeline: go to the recommendations')] : []),
    h('div', { class: 'two' },
      card(`Timeline — newest ${plural(events.length, 'event')}, oldest first`,
        h('div', { class: 'scroll', style: 'max-height:420px;overflow-y:auto' },
          table(['time (UTC)', 'type', 'scene', 'item'], events.map(e => h('tr', {},
            h('td', { class: 'when' }, time(e.timestamp)), h('td', {}, e.type), h('td', {}, e.scene), h('td', { class: 'text' }, itemLink(e.itemId, label)))),
          { 'data-testid': 'timeline' })),
        events.length ? null : h('p', { class: 'muted', 'data-testid': 'timeline-empty' }, standingIn
          ? 'No events yet: the most popular items of the categories and creators chosen at onboarding stand in for a'
            + ' history ("stand-in" in the maps below), and the model recommends from them.'
          : 'No events yet: the recommendations are the catalogue\'s popular items (and the onboarding choices, if the'
            + ' user made some).')),
      recsCard),
    card('Attention heat map — how much each history event weighed in each recommendation',
      attention(recs.items, events, label, modelKind, 'heatmap'),
      h('p', { class: 'note' }, modelKind === 'scene-transfer'
        ? 'Each event\'s exact share of the served score of the cross-scene blend (attention over every scene, iALS and the neighbours\' terms); negative shares lower the score. The shares, the events not listed (beyond the 100 largest) and the rest (bias, popularity and the per-history centring) add up to the score.'
        : modelKind
        ? `Attention at the newest position, averaged over heads. In ${modelKind} it does not depend on the candidate item, so the columns agree; the influence map below differs per item. Per-level weights are shown for hierarchical models; the served model (${modelKind}) has none.`
        : '')),
    card('Influence heat map — how much each history event raises each recommendation\'s score (leave it out and rescore)',
      await influence(userId, [], recs.items, label, modelKind, 'influence', inScene)),
    card('What if? Add a hypothetical event and see the list change (nothing is stored)',
      h('form', { class: 'inline', 'data-testid': 'whatif-form', onsubmit: async ev => {
        ev.preventDefault();
        await busy(ev.currentTarget, () => runWhatIf(events, itemInput.value.trim(), typeInput.value, modelKind, whatIf, whatIfStatus, userId, inScene));
      } }, h('label', { for: 'whatif-item' }, 'item'), itemInput, h('label', { for: 'whatif-type' }, 'type'), typeInput,
      h('button', { type: 'submit' }, 'Recommend with this event')),
      whatIfStatus, whatIf));
  main.replaceChildren(...parts);
}

/** An item's label, linked to its page in the item explorer. */
const itemLink = (id, label) => h('a', { href: `#/items/${encodeURIComponent(id)}` }, label(id));

function recTable(items, modelKind, label, testid, previous) {
  const before = previous ? new Map(previous.map((i, r) => [i.itemId, r])) : null;
  return table(['#', 'item', 'source', { label: 'rank score', num: true }, { label: 'model score', num: true },
    ...(before ? ['change'] : [])], items.map((i, r) => h('tr', { 'data-item': i.itemId },
    h('td', {}, r + 1), h('td', { class: 'text' }, itemLink(i.itemId, label)), h('td', {}, sourceTag(i.source, modelKind)),
    h('td', { class: 'num' }, i.score.toFixed(3)),
    h('td', { class: 'num' }, i.modelScore == null ? '–' : i.modelScore.toFixed(3)),
    before ? h('td', {}, !before.has(i.itemId) ? h('span', { class: 'tag new' }, 'new')
      : before.get(i.itemId) === r ? '' : `${before.get(i.itemId) > r ? '▲' : '▼'} ${Math.abs(before.get(i.itemId) - r)}`) : null)),
  { 'data-testid': testid });
}

/** The heat map of attention weights: rows = history events the model read, columns = the model's items. */
function attention(items, events, label, modelKind, testid) {
  const explained = items.filter(i => i.explanation && i.explanation.steps.length);
  if (explained.length === 0) {
    return h('p', { class: 'muted', 'data-testid': `${testid}-none` }, modelKind
      ? 'No recommendation came from the attention model for this history, so there is no attention to show.'
      : 'No attention model is served.');
  }
  const key = s => `${s.itemId}@${s.timestamp}`;
  const rowKeys = [];
  const rowLabel = new Map();
  for (const e of events) {
    const k = key(e);
    if (!rowLabel.has(k)) { rowKeys.push(k); rowLabel.set(k, `${e.type}: ${label(e.itemId)}`); }
  }
  for (const i of explained) for (const s of i.explanation.steps) {
    const k = key(s);
    // an item standing in for a new user's history is not an event of theirs: said so
    if (!rowLabel.has(k)) { rowKeys.push(k); rowLabel.set(k, `${s.standIn ? 'stand-in' : s.type}: ${label(s.itemId)}${s.hidden ? ' (hidden)' : ''}`); }
  }
  const attended = new Set(explained.flatMap(i => i.explanation.steps.map(key)));
  // oldest at top: the model may read events older than the timeline's newest 50, which belong above them
  // a stand-in has no time (null): first, as the model reads them before the user's own events
  const at = k => Number(k.slice(k.lastIndexOf('@') + 1)) || 0;
  const rows = rowKeys.filter(k => attended.has(k)).map((k, n) => [k, n])
    .sort((a, b) => at(a[0]) - at(b[0]) || a[1] - b[1]).map(([k]) => k);
  const values = rows.map(k => explained.map(i => {
    const s = i.explanation.steps.find(x => key(x) === k);
    return s ? s.weight : null;
  }));
  return h('div', { class: 'scroll' }, heatMap({ rows: rows.map(k => rowLabel.get(k)), cols: explained.map(i => label(i.itemId)),
    values, rowTitle: 'history event (oldest at top)', colTitle: 'recommended item (best first)',
    legendTitle: modelKind === 'scene-transfer' ? 'share of the served score' : 'attention weight (share of 1 per column)',
    diverging: modelKind === 'scene-transfer', testid }));
}

/**
 * The occlusion heat map of the model's items in `items` (POST /v1/admin/influence) for the stored user's history
 * (as their recommendations read it) followed by `added` events.
 */
async function influence(userId, added, items, label, modelKind, testid, inScene = {}) {
  const modelItems = items.filter(i => i.source === modelKind).map(i => i.itemId);
  if (!modelKind || modelItems.length === 0) {
    return h('p', { class: 'muted', 'data-testid': `${testid}-none` }, 'No recommendation came from the model.');
  }
  let r;
  try {
    r = await api('/v1/admin/influence', { method: 'POST', body: { userId, history: added, items: modelItems, ...inScene } });
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    // a model that cannot rescore a history without one event (two-stage) has no occlusion map; the page stays
    return h('p', { class: 'muted', 'data-testid': `${testid}-none` }, `No influence map: ${e.message}`);
  }
  return h('div', { class: 'scroll' }, heatMap({ rows: r.steps.map(s => `${s.standIn ? 'stand-in' : s.type}: ${label(s.itemId)}${s.hidden ? ' (hidden)' : ''}`),
    cols: r.items.map(label), values: r.drops, diverging: true, digits: 2, rowTitle: 'history event read (oldest at top)',
    colTitle: 'recommended item (best first)', legendTitle: 'score change from the event (blue raised it, red lowered it)', testid }),
  h('p', { class: 'note' }, modelKind === 'scene-transfer'
    ? 'Each cell: the item\'s model score with the whole history minus its score with that one event left out (the newest 100 events are listed).'
    : 'Each cell: the item\'s model score minus its score with that one event left out of the events the model reads (its window of the newest liked events; no older event moves in).'));
}

async function runWhatIf(events, itemId, type, modelKind, out, status, userId, inScene = {}) {
  if (!itemId) {
    // the last answer would stay as if it were this one's
    out.replaceChildren(h('p', { class: 'error', 'data-testid': 'whatif-error' }, 'Give an item id.'));
    status.textContent = 'Give an item id.';
    return;
  }
  // the previous answer would read as this one's while it is computed
  out.replaceChildren(h('p', { class: 'muted' }, 'Recommending with the event…'));
  status.textContent = 'Recommending with the event…';
  const now = Math.max(Date.now(), ...events.map(e => e.timestamp + 1));
  const added = [{ itemId, type, timestamp: now }];
  try {
    // the server reads the user's stored history as their own recommendations do (the timeline shows the newest
    // 50 events only), and adds the event without storing it
    const [before, after] = await Promise.all([
      api('/v1/recommendations', { method: 'POST', body: { userId, k: 10, explain: true, ...inScene } }),
      api('/v1/recommendations', { method: 'POST', body: { userId, history: added, k: 10, explain: true, ...inScene } })]);
    const titles = await itemTitles([...before.items, ...after.items].map(i => i.itemId).concat([itemId], events.map(e => e.itemId)));
    const label = id => titles[id] ? `${titles[id]} (${id})` : id;
    const changed = after.items.filter(i => !before.items.some(b => b.itemId === i.itemId)).length;
    // what the event pushed out of the list, named: the new ones are marked in the table, these are not in it
    const dropped = before.items.filter(b => !after.items.some(i => i.itemId === b.itemId)).map(b => label(b.itemId));
    // an id the catalogue does not hold is still a history event, but most likely a typo: say so
    const known = await api(`/v1/items/${encodeURIComponent(itemId)}`).then(() => true, e => {
      if (e instanceof Stale || e instanceof Unauthorized) throw e;
      return false;
    });
    const summary = `With one more "${type}" of ${label(itemId)}: ${changed} of ${after.items.length} items are new to the list.`
      + (dropped.length ? ` Left the list: ${dropped.join(', ')}.` : '');
    const unknown = `No item "${itemId}" in the catalogue: the list below treats it as an event on an unknown item.`;
    out.replaceChildren(...[
      known ? null : h('p', { class: 'error', 'data-testid': 'whatif-unknown' }, unknown),
      h('p', { 'data-testid': 'whatif-summary' }, summary),
      h('div', { class: 'two' },
        h('div', {}, h('h3', {}, 'Without the event'), recTable(before.items, modelKind, label, 'whatif-before')),
        h('div', {}, h('h3', {}, 'With the event'), recTable(after.items, modelKind, label, 'whatif-after', before.items))),
      h('h3', {}, 'Influence with the event'),
      await influence(userId, added, after.items, label, modelKind, 'whatif-influence', inScene)]
      .filter(c => c !== null)); // replaceChildren would write a null as the text "null"
    status.textContent = known ? summary : `${unknown} ${summary}`;
  } catch (e) {
    if (e instanceof Unauthorized) return keyRefused();
    // an outage: the page is drawn again when the server answers, but a what-if is the user's to ask again
    const said = e instanceof Offline
      ? 'The server does not answer; ask again once it does (the banner above goes away then).' : e.message;
    out.replaceChildren(h('p', { class: 'error', 'data-testid': 'whatif-error' }, said));
    status.textContent = said;
  }
}

/**
 * Item titles by id, in one request (POST /v1/items/lookup; at most 1000 distinct ids, and a page shows about 70:
 * two lists of 10, the what-if item and a timeline of 50). Titles are a help, not the page: without them ids show.
 */
async function itemTitles(ids) {
  const unique = [...new Set(ids)].slice(0, 1000);
  const out = {};
  if (unique.length === 0) return out;
  const found = await api('/v1/items/lookup', { method: 'POST', body: { ids: unique } }).catch(() => null);
  for (const item of (found && found.items) || []) if (item.title) out[item.id] = item.title;
  return out;
}

async function items(itemId) {
  const parts = [h('h1', {}, 'Item explorer'),
    searchBox({ title: 'Search by id, title or creator', placeholder: 'id, title or creator, e.g. t1',
      route: '/v1/admin/items', param: 'q', listKey: 'items', narrow: 'type more to narrow them' },
    id => { location.hash = `#/items/${encodeURIComponent(id)}`; })];
  if (!itemId) {
    main.replaceChildren(...parts);
    return;
  }
  const enc = encodeURIComponent(itemId);
  let item, similar, consumers, days;
  try {
    [item, similar, consumers, days] = await Promise.all([api(`/v1/items/${enc}`), api(`/v1/items/${enc}/similar?k=10`),
      api(`/v1/admin/items/${enc}/consumers?limit=15`), api(`/v1/admin/events/over-time?bucket=day&itemId=${enc}`)]);
  } catch (e) {
    // an outage (of the server or its store) goes to the page's own error, drawn again once it is over
    if (e instanceof Stale || e instanceof Unauthorized || e instanceof Offline
        || (e instanceof ApiError && e.status === 503)) throw e;
    // an unknown item: the search stays, to look for another
    main.replaceChildren(...parts, h('p', { class: 'error', 'data-testid': 'page-error' }, e instanceof ApiError && e.status === 404
      ? `No item '${itemId}' in the catalogue: search for another above.` : e.message));
    return;
  }
  const titles = await itemTitles(similar.items.map(i => i.itemId));
  const meta = [['id', item.id], ['title', item.title], ['creator', item.creator], ['album', item.album], ['scene', item.scene],
    ['categories', (item.categories || []).join(', ')], ['tags', (item.tags || []).join(', ')],
    ['duration (s)', item.durationSeconds == null ? null : fmt(item.durationSeconds, 0)], ['released (UTC)', item.releaseTime == null ? null : time(item.releaseTime)],
    ['hidden', item.hidden ? 'yes (never recommended)' : 'no'], ['added (UTC)', time(item.createdAt)]];
  parts.push(
    h('h2', { 'data-testid': 'item-id' }, `Item ${item.title || item.id}`),
    h('div', { class: 'two' },
      card('Metadata', table(['field', 'value'], meta.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', { class: 'text' }, v ?? '–'))), { 'data-testid': 'item-meta' })),
      card('Similar items', table(['#', 'item', 'source', { label: 'score', num: true }], similar.items.map((s, r) => h('tr', {},
        h('td', {}, r + 1), h('td', { class: 'text' }, h('a', { href: `#/items/${encodeURIComponent(s.itemId)}` }, titles[s.itemId] ? `${titles[s.itemId]} (${s.itemId})` : s.itemId)),
        h('td', {}, s.source), h('td', { class: 'num' }, fmt(s.score, 3)))), { 'data-testid': 'similar' }),
        similar.items.length ? null : h('p', { class: 'muted' }, 'None: the model knows no item like it yet.'),
        // two units in one column: said, so 137 is not read as a hundred times more similar than 0.93
        similar.items[0] && ['category', 'popular'].includes(similar.items[0].source)
          ? h('p', { class: 'note', 'data-testid': 'similar-units' }, 'The model knows no item like it, so these share its category (or are popular); their score is their number of users, not a similarity.')
          : null)),
    h('div', { class: 'two' },
      card(`Events on it${wholeLogBucket(days)}, from its first to its newest event (UTC; popular and trending count its users instead)`,
        // an item nobody has touched has no first event: a chart of one zero on some day would say otherwise
        days.total ? wholeLogChart(days, { subject: 'events on this item', width: 560, testid: 'chart-popularity' })
          : h('p', { class: 'muted', 'data-testid': 'chart-popularity-empty' }, 'No events with a known time on it yet.')),
      card('Who consumes it',
        h('p', {}, h('b', { 'data-testid': 'consumer-users' }, fmt(consumers.users)), ' users, ',
          h('b', { 'data-testid': 'consumer-events' }, fmt(consumers.events)), consumers.users ? ' events in all. Most active:' : ' events: nobody has consumed it yet.'),
        table(['user', { label: 'events', num: true }, 'latest (UTC)'], consumers.top.map(u => h('tr', {},
          h('td', { class: 'text' }, h('a', { href: `#/users/${encodeURIComponent(u.userId)}` }, u.userId)), h('td', { class: 'num' }, fmt(u.events)),
          h('td', { class: 'when' }, time(u.lastMillis)))), { 'data-testid': 'consumers' }))));
  main.replaceChildren(...parts);
}

async function quality() {
  const q = await api('/v1/admin/quality');
  const t = q.traffic;
  main.replaceChildren(
    h('h1', {}, 'Data quality'),
    h('div', { class: 'kpis' },
      kpi('Rejected requests', fmt(q.rejects.total), 'ingestion, since start', 'q-rejects'),
      kpi('Cold-start share', pct(t.coldStartShare), `${fmt(t.coldStartAnswers)} of ${plural(t.answers, 'answer')}`, 'q-cold'),
      kpi('Quarantined users', q.quarantine.available ? fmt(q.quarantine.count) : 'n/a', q.quarantine.available ? 'left out by the latest review' : 'no review since the server started', 'q-quarantine'),
      kpi('Unknown event types', fmt(q.unknownEventTypes.length), q.unknownEventTypes.length ? 'counted as liked: see below' : 'every type is in the weights table', 'q-unknown-types')),
    q.unknownEventTypes.length ? card('Event types the weights table does not know (each counted as a liked event, weight 1)',
      h('p', { class: 'note' }, 'Accepted as sent, and read by the models and the fallback as a like. A misspelt type (lisen for listen) trains as a like too: correct the sender, or keep it if the type is meant.'),
      table(['type', { label: 'events', num: true }], q.unknownEventTypes.map(t => h('tr', {}, h('td', {}, t.type), h('td', { class: 'num' }, fmt(t.events)))),
        { 'data-testid': 'q-unknown-types-list' })) : '',
    h('div', { class: 'grid' },
      card('Rejected ingestion requests by reason (since start)',
        barChart({ rows: entries(q.rejects.byReason), xLabel: 'rejected requests (count)', color: '#b3261e', testid: 'q-chart-rejects' })),
      card('How recommendation answers were served (since start)',
        barChart({ rows: entries(t.answersByServedBy), xLabel: 'answers (count)', testid: 'q-chart-served' }),
        h('p', { class: 'note' }, 'model = at least one item from the attention model; fallback = from the classic model; cold-start = content matches and popularity only.'),
        barChart({ rows: entries(t.itemsBySource), xLabel: 'recommended items by source (count)', color: PALETTE[3], testid: 'q-chart-sources' }))),
    card(`Latest rejected requests (newest first, up to ${50})`,
      q.rejects.recent.length ? table(['time (UTC)', 'route', 'reason', 'field', 'message'], q.rejects.recent.map(r => h('tr', {},
        h('td', { class: 'when' }, time(r.timeMillis)), h('td', {}, r.route), h('td', {}, r.reason), h('td', {}, r.field ?? '–'), h('td', { class: 'text message' }, r.message))),
      { 'data-testid': 'q-recent' }) : h('p', { class: 'muted' }, 'None since the server started.')),
    card('Quarantined users (for review)', h('p', { class: 'muted', 'data-testid': 'q-quarantine-note' }, q.quarantine.message),
      q.quarantine.users.length ? table(['user', 'reason', 'what was seen'], q.quarantine.users.map(u => h('tr', {},
        h('td', { class: 'text' }, h('a', { href: `#/users/${encodeURIComponent(u.userId)}` }, u.userId)), h('td', {}, u.reason),
        h('td', {}, u.detail))), { 'data-testid': 'q-quarantine-list' }) : ''));
}

// ------------------------------------------------------------------ login and routing

/**
 * Names the boxes that scroll sideways (a chart or table wider than a phone's screen, a heat map) and puts them in the
 * tab order, so the keyboard can scroll them in any browser and a screen reader says what they hold (an accessibility
 * QA run: unnamed scroll boxes on every page at 390 px); a box that fits is left out again. Run after each redraw.
 */
function markScrollers() {
  for (const box of main.querySelectorAll('.card, .scroll, .chart, #live')) {
    // a box whose content overflows it without scrolling (a chart inside #live or a heat map's box) is not one
    const scrolls = box.scrollWidth > box.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    if (scrolls) { // named anew each time: a redrawn chart's name changes (the live chart's carries its total)
      const chart = box.querySelector('svg[aria-label]');
      const title = box.closest('.card')?.querySelector('h2')?.textContent;
      box.dataset.scroller = 'yes';
      box.setAttribute('tabindex', '0');
      box.setAttribute('role', 'region');
      box.setAttribute('aria-label', `${chart ? chart.getAttribute('aria-label') : title || 'table'} (scrolls sideways)`);
    } else if (!scrolls && box.dataset.scroller) {
      delete box.dataset.scroller;
      for (const a of ['tabindex', 'role', 'aria-label']) box.removeAttribute(a);
    }
  }
}
let scrollersPending = false;
const markScrollersSoon = () => {
  if (scrollersPending) return;
  scrollersPending = true;
  requestAnimationFrame(() => {
    scrollersPending = false;
    markScrollers();
  });
};
new MutationObserver(markScrollersSoon).observe(main, { childList: true, subtree: true });
window.addEventListener('resize', markScrollersSoon);

/** Logs out; {@code reason} (a server that no longer takes the key) is said on the login form. */
function logout(reason) {
  sessionStorage.removeItem(KEY);
  document.getElementById('key').value = ''; // the key must not wait in the form for the next person at this browser
  loginError(typeof reason === 'string' ? reason : '');
  show();
}

/**
 * Says why the key was not taken, or clears that for ''; the key field is marked invalid meanwhile (it names the
 * message as its description in index.html), so a screen reader hears it with the field.
 */
function loginError(text) {
  document.getElementById('login-error').textContent = text;
  document.getElementById('key').setAttribute('aria-invalid', String(text !== ''));
}

/** A logout the server caused: it no longer accepts the key (restarted with another one). */
const keyRefused = () => logout('The server no longer accepts the admin key this tab used (was it restarted with another?): log in again.');

/** Whether the next {@link show} follows a move within the dashboard (then focus goes to the new page). */
let moved = false;

async function show() {
  clearInterval(refreshTimer);
  navigation++;
  const loggedIn = !!sessionStorage.getItem(KEY);
  document.getElementById('login').hidden = loggedIn;
  document.getElementById('nav').hidden = !loggedIn;
  document.getElementById('logout').hidden = !loggedIn;
  if (!loggedIn) {
    main.replaceChildren();
    document.getElementById('key').focus();
    return;
  }
  const pages = { overview, models, users, items, quality };
  // an id is percent-encoded, so a '?' after it starts the page's own parameters (the user explorer's scene)
  let [, page = 'overview', id, query] = location.hash.match(/^#\/([a-z]+)(?:\/([^?]+))?(?:\?(.*))?/) || [];
  if (!pages[page]) [page, id] = ['overview', undefined];
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === page);
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const names = { overview: 'Overview', models: 'Models', users: 'User explorer', items: 'Item explorer', quality: 'Data quality' };
  document.title = `${names[page]} — Attune dashboard`;
  main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  let decoded;
  try {
    decoded = id ? decodeURIComponent(id) : undefined;
  } catch (e) {
    // a hand-edited or cut-off link: say so in words, not the browser's "URI malformed"
    main.replaceChildren(h('p', { class: 'error', 'data-testid': 'page-error' },
      `The address holds a broken id (${id}): it is not valid percent-encoding.`));
    return;
  }
  try {
    await pages[page](decoded, new URLSearchParams(query || ''));
    main.setAttribute('data-ready', page);
    // after a move (a link, a search result), a keyboard or screen-reader user continues at the new page's heading
    const heading = moved ? main.querySelector('h2[data-testid]') || main.querySelector('h1') : null;
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  } catch (e) {
    if (e instanceof Stale) return; // the user has moved on; the newer page draws itself
    if (e instanceof Unauthorized) return keyRefused();
    const unavailable = e instanceof ApiError && e.status === 503;
    main.replaceChildren(h('p', { class: 'error', 'data-testid': 'page-error', 'data-offline': String(e instanceof Offline),
      'data-unavailable': String(unavailable) },
    e instanceof Offline ? `${e.message}; the page is drawn again when it answers`
      : unavailable ? `${e.message}; the page is drawn again when the store is back` : e.message));
    // after a move, or with the focus lost with the page it was on: the error is where the keyboard goes on, and heard
    if (moved || document.activeElement === document.body) announce(main.querySelector('[data-testid="page-error"]'));
  }
}

document.getElementById('login-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const key = document.getElementById('key').value.trim();
  // a header carries Latin-1 only, and a key is printable ASCII: said as a wrong key, not as a server that does not
  // answer (what the browser's refusal to send it read as, QA)
  if (/[^\x20-\x7e]/.test(key)) {
    loginError('That key is not the admin key (keys hold plain ASCII characters only).');
    return;
  }
  let r;
  try {
    r = await fetch('/v1/admin/overview', { headers: { Authorization: `Bearer ${key}` } });
  } catch (e) {
    loginError(`The server does not answer (${e.message}).`);
    return;
  }
  if (r.status === 200) {
    sessionStorage.setItem(KEY, key);
    document.getElementById('key').value = '';
    loginError('');
    // setting the hash draws the page through hashchange; drawing it here as well would load it twice
    if (!location.hash) location.hash = '#/overview';
    else show();
  } else {
    // a 429: too many wrong admin keys from this address (the right one waits too), or an admin API key past its
    // rate; the server's message is written for API clients, so the form says it in its own words
    const wait = r.headers.get('Retry-After');
    loginError(r.status === 401 ? 'That key is not the admin key.'
      : r.status === 429 ? `Too many requests from here for now: try again in ${wait ? plural(Number(wait), 'second') : 'a few seconds'}.`
        : r.status === 403 ? 'That API key has no admin scope: the dashboard needs the admin key or a key with it.'
          : `The server answered ${r.status}.`);
  }
});
document.getElementById('logout').addEventListener('click', logout);
document.addEventListener('scroll', e => {
  if (e.target.id === 'live') liveScrolledBack = e.target.scrollLeft + e.target.clientWidth < e.target.scrollWidth - 2;
}, true);
window.addEventListener('resize', () => {
  const live = document.getElementById('live');
  if (live && !liveScrolledBack) live.scrollLeft = live.scrollWidth;
});
window.addEventListener('hashchange', () => {
  main.removeAttribute('data-ready');
  moved = true;
  show().finally(() => { moved = false; });
});
setInterval(heartbeat, 5000);
show();
