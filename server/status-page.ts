/**
 * `GET /status`: the StatusReport as one self-contained HTML page, readable at a glance — big
 * numbers first (connections, channels, message rates, slow consumers), then the busiest
 * channels. No script and no external asset: it refreshes itself with `<meta http-equiv=refresh>`
 * (HTML §4.2.5.3, which reloads the same URL, `?key=` included), and its one inline `<style>` is
 * allowed by hash in a CSP that allows nothing else (security-headers.ts statusPageHeaders).
 */
import type { ChannelStats } from './registry.js';
import type { StatusReport } from './status-report.js';

/** Seconds between reloads: a glance stays current without loading the node. */
export const REFRESH_SECONDS = 2;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
const count = (n: number): string => n.toLocaleString('en-US');
const perSecond = (n: number): string => `${n.toLocaleString('en-US', { maximumFractionDigits: 2 })}/s`;

export function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  if (m > 0) return `${m} min ${String(s).padStart(2, '0')} s`;
  return `${s} s`;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--ink:#15181d;--dim:#5b6472;--line:#dde1e6;--ok:#16803c;--bad:#c62828}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1a1f26;--ink:#e8ebef;--dim:#9aa4b2;--line:#2b323c;--ok:#4cc36f;--bad:#ff6b6b}}
*{box-sizing:border-box}body{margin:0;padding:24px;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{display:flex;flex-wrap:wrap;gap:8px 24px;align-items:baseline;margin-bottom:20px}h1{font-size:22px;margin:0}
header span{color:var(--dim)}header b{color:var(--ink);font-weight:600}.ok{color:var(--ok)}.bad{color:var(--bad)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:14px;margin-bottom:22px}
.tile{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.tile h2{font-size:13px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:var(--dim);margin:0 0 6px}
.big{font-size:34px;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.1}
.sub{color:var(--dim);font-variant-numeric:tabular-nums;margin-top:4px}.sub b{color:var(--ink);font-weight:600}
.lists{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:14px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:5px 4px;border-top:1px solid var(--line)}
th{color:var(--dim);font-weight:600;font-size:13px;border-top:0}td.n,th.n{text-align:right}td.name{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.empty{color:var(--dim)}footer{margin-top:18px;color:var(--dim);font-size:13px}
`;

function channelTable(id: string, title: string, rows: readonly ChannelStats[]): string {
  const body =
    rows.length === 0
      ? `<tr><td class="empty" colspan="3">none yet</td></tr>`
      : rows
          .map((c) => `<tr><td class="name">${escape(c.channel)}</td><td class="n">${count(c.subscribers)}</td><td class="n">${perSecond(c.perSecond)}</td></tr>`)
          .join('');
  return `<section class="tile"><h2>${title}</h2><table id="${id}"><thead><tr><th>channel</th><th class="n">subscribers</th><th class="n">messages (10 s)</th></tr></thead><tbody>${body}</tbody></table></section>`;
}

function refusedTile(refusals: StatusReport['refusals']): string {
  const sum = (values: object): number => Object.values(values).reduce((a: number, n: number) => a + n, 0);
  const limits = sum(refusals.limits);
  const auth = sum(refusals.auth);
  return `<section class="tile"><h2>Refused</h2><div class="big" id="refused-total">${count(limits + auth)}</div><div class="sub">limits <b id="refused-limits">${count(limits)}</b> · auth <b id="refused-auth">${count(auth)}</b></div></section>`;
}

export function renderStatusPage(report: StatusReport): string {
  const { node, broker, connections: c, channels, messages: m } = report;
  const health = broker.ok ? `<b id="broker-health" class="ok">healthy</b>` : `<b id="broker-health" class="bad">down: ${escape(broker.reason ?? 'unavailable')}</b>`;
  const rates = (id: string, title: string, r: StatusReport['messages']['published']) =>
    `<section class="tile"><h2>${title} (10 s)</h2><div class="big" id="${id}-10s">${perSecond(r.perSecond.last10s)}</div>` +
    `<div class="sub">last 1 min <b id="${id}-1m">${perSecond(r.perSecond.last1m)}</b> · total <b id="${id}-total">${count(r.total)}</b></div></section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>tabmux status · ${escape(node.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>tabmux status</h1><span>node <b id="node-id">${escape(node.id)}</b></span><span>up <b id="uptime">${formatUptime(node.uptimeSeconds)}</b></span><span>broker <b id="broker-kind">${broker.kind}</b> ${health}</span><span>v${escape(node.version)}</span></header>
<div class="tiles">
<section class="tile"><h2>Connections</h2><div class="big" id="connections-total">${count(c.total)}</div><div class="sub">SSE <b id="connections-sse">${count(c.sse)}</b> · WebSocket <b id="connections-ws">${count(c.ws)}</b> · poll <b id="connections-poll">${count(c.poll)}</b></div></section>
<section class="tile"><h2>Channels</h2><div class="big" id="channels-count">${count(channels.count)}</div><div class="sub"><b id="subscriptions">${count(report.subscriptions)}</b> subscriptions</div></section>
${rates('published', 'Published', m.published)}
${rates('delivered', 'Delivered', m.delivered)}
<section class="tile"><h2>Slow consumers</h2><div class="big${report.slowConsumersDropped > 0 ? ' bad' : ''}" id="slow-consumers">${count(report.slowConsumersDropped)}</div><div class="sub">dropped: send buffer past maxBufferedBytes</div></section>
${refusedTile(report.refusals)}
</div>
<div class="lists">
${channelTable('top-subscribers', 'Top channels by subscribers', channels.topBySubscribers)}
${channelTable('top-rate', 'Top channels by message rate (10 s)', channels.topByRate)}
</div>
<footer>Refreshes every ${REFRESH_SECONDS} s · data as JSON at status.json · started ${escape(node.startedAt)}</footer>
</body>
</html>
`;
}
