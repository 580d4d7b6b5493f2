// Costs by day: GET /v1/monitoring/metrics (read_monitoring) in one-day buckets over the costs
// view's window, drawn as SVG bars (attributes only: the CSP forbids style attributes).

import {api} from './api.js';
import {h, money, problem, svg} from './dom.js';

const WIDTH = 900; // the drawing scales to the page's width, its height following
const HEIGHT = 130;
const ROOM = 10; // above the tallest bar

/** The metrics query for the window a cost answer names: its calendar period as such, a rolling
 * window from the UTC midnight it starts in (so every bar is a whole UTC day, the last one today). */
export function dailyQuery(costs) {
  const query = new URLSearchParams({metrics: 'total_cost,tasks_completed', granularity: '1d'});
  if (costs.at) {
    query.set('period', costs.period);
    query.set('at', costs.at);
  } else {
    query.set('from', String(costs.from).slice(0, 10));
  }
  return query;
}

export async function dailyCosts(ctx, costs, minPosition) {
  const title = h('h2', {id: 'days-title'}, 'By day (UTC)');
  if (!ctx.can('read_monitoring')) {
    return [title, h('p', {class: 'hint'}, 'Daily costs need the read_monitoring permission.')];
  }
  try {
    const metrics = await api(`/v1/monitoring/metrics?${dailyQuery(costs)}`, {minPosition});
    return [title, chart(metrics)];
  } catch (error) {
    return [title, problem(error)];
  }
}

function chart(metrics) {
  const days = metrics.buckets.map((start) => String(start).slice(0, 10));
  const costs = metrics.metrics.total_cost.data.map((value) => Number(value ?? 0));
  const counts = metrics.metrics.tasks_completed?.data ?? [];
  const top = Math.max(...costs, 0);
  const slot = WIDTH / Math.max(days.length, 1);
  const thick = Math.min(48, slot * 0.7);
  const every = Math.max(1, Math.ceil(days.length / 12)); // a date under at most 12 bars
  const bars = days.map((day, i) => {
    const tall = top > 0 ? ((HEIGHT - ROOM) * costs[i]) / top : 0;
    const label = `${day}: ${money(costs[i])}, ${counts[i] ?? 0} completed`;
    const middle = i * slot + slot / 2;
    return svg('g', null,
      svg('rect', {class: 'fill', x: middle - thick / 2, y: HEIGHT - tall, width: thick,
        height: tall, 'data-day': day, 'data-cost': costs[i], 'aria-label': label, role: 'img'},
      svg('title', null, label)),
      i % every === 0 ? svg('text', {x: middle, y: HEIGHT + 14, 'text-anchor': 'middle'},
        day.slice(5)) : null);
  });
  const total = costs.reduce((sum, cost) => sum + cost, 0);
  return h('figure', {class: 'days-figure'},
    svg('svg', {class: 'days', viewBox: `0 0 ${WIDTH} ${HEIGHT + 20}`, role: 'group',
      'aria-labelledby': 'days-title'},
    svg('line', {class: 'axis', x1: 0, y1: HEIGHT, x2: WIDTH, y2: HEIGHT}), bars),
    h('figcaption', {class: 'hint'}, top > 0
      ? `${days.length} day${days.length === 1 ? '' : 's'}, ${money(total)} in all; the tallest bar is ${money(top)}.`
      : `${days.length} day${days.length === 1 ? '' : 's'}, no priced work yet.`));
}
