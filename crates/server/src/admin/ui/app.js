// The sandbank dashboard: a thin page over the admin API (specs/admin.yaml). Every figure it
// shows comes from an admin call made with the signed-in token, so the page can never show or
// do more than that token can. No framework and no build step: the server embeds this file.
//
// Pages are hash routes (#/accounts, #/accounts/ID, #/requests, #/clock, #/faults). Each page
// draws its forms once and refreshes only its data regions every POLL_MS, so a partner sees a
// call arrive without reloading, and nothing they are typing is overwritten.
'use strict';

const POLL_MS = 1500;
const TOKEN_KEY = 'sandbank.token';
const TENANT_KEY = 'sandbank.tenant';
const DEFAULT_CURRENCY = { firstvision: 'USD', clowd9: 'GBP', amlyze: 'EUR', qolo: 'USD', pcaasa: 'USD' };
const LIMIT_KEYS = [
  'balance_min', 'balance_max', 'transfer_amount_max',
  'daily_debit_amount_max', 'daily_debit_count_max',
  'daily_credit_amount_max', 'daily_credit_count_max',
];

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  tenant: sessionStorage.getItem(TENANT_KEY),
  vendors: [],
  accounts: [],
  refresh: null,
  busy: false,
  operator: false,
  openTraces: new Set(),
  lastRequests: '',
};

const $ = (sel, root = document) => root.querySelector(sel);
const drawn = new WeakMap();

/** Replaces a region's HTML only when it changed, so a poll that brings nothing new leaves
 * selections, focus and the element a user is about to click alone. */
function draw(el, html) {
  if (!el || drawn.get(el) === html) return;
  drawn.set(el, html);
  el.innerHTML = html;
}

/** Text made safe to put inside HTML, attributes included. */
function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

class ApiError extends Error {
  constructor(status, message, reason) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

/** One admin call with the signed-in token, for the tenant the operator picked unless
 * `ownTenant` (the operator's own calls, such as listing tenants). */
async function api(method, path, body, { ownTenant = false } = {}) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (state.tenant && !ownTenant) headers['X-Sandbank-Tenant'] = state.tenant;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const resp = await fetch(path, init);
  const text = await resp.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!resp.ok) {
    const message = (json && json.message) || text || resp.statusText;
    throw new ApiError(resp.status, message, resp.headers.get('X-Sandbank-Reason'));
  }
  return json;
}

function say(text, isError = false) {
  const el = $('#message');
  el.textContent = text;
  el.className = isError ? 'message error' : 'message';
  el.setAttribute('role', isError ? 'alert' : 'status');
}

/** Runs a user's action, reporting its failure on the page rather than in the console. */
async function act(what, fn) {
  try {
    await fn();
    say(what);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signOut('That token was refused.');
    say(`${e.status ? `${e.status}: ` : ''}${e.message}`, true);
  }
}

// ---------------------------------------------------------------- sign-in and tenants

async function signIn(token) {
  state.token = token;
  try {
    await api('GET', '/__admin/clock', undefined, { ownTenant: true });
  } catch (e) {
    state.token = null;
    say(e instanceof ApiError && e.status === 401 ? 'That token was refused.' : e.message, true);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  await loadTenants();
  $('#sign-in').hidden = true;
  $('#nav').hidden = false;
  $('#who').hidden = false;
  say('');
  if (!location.hash || location.hash === '#/') location.hash = '#/accounts';
  else route();
}

function signOut(why = '') {
  state.token = null;
  state.tenant = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(TENANT_KEY);
  $('#sign-in').hidden = false;
  $('#nav').hidden = true;
  $('#who').hidden = true;
  $('#view').innerHTML = '';
  state.refresh = null;
  say(why, Boolean(why));
  $('#token').focus();
}

/** The operator's token may list tenants and act as any of them; a tenant's may not. */
async function loadTenants() {
  const pick = $('#tenant-pick');
  let tenants;
  try {
    tenants = (await api('GET', '/__admin/tenants', undefined, { ownTenant: true })).tenants;
    state.operator = true;
  } catch (e) {
    // 403: a tenant's own token, which acts for its tenant only.
    if (e instanceof ApiError && e.status === 403) {
      state.operator = false;
      state.tenant = null;
      pick.hidden = true;
    }
    return;
  }
  const select = $('#tenant');
  draw(select, tenants.map((t) => `<option value="${esc(t.tenant_id)}">${
    esc(t.default ? `default (${t.tenant_id.slice(0, 8)})` : t.tenant_id.slice(0, 8))
  }</option>`).join(''));
  if (!tenants.some((t) => t.tenant_id === state.tenant)) state.tenant = null;
  select.value = state.tenant || tenants[0].tenant_id;
  pick.hidden = tenants.length < 2;
}

// ---------------------------------------------------------------- routing and polling

function route() {
  if (!state.token) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const page = parts[0] || 'accounts';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  say('');
  // Tenants made since the last page (by a script, say) join the picker.
  if (state.operator) loadTenants().catch(() => {});
  const pages = { accounts: parts[1] ? () => accountPage(decodeURIComponent(parts[1])) : accountsPage,
    requests: requestsPage, clock: clockPage, faults: faultsPage };
  (pages[page] || accountsPage)();
  poll();
}

async function poll() {
  if (!state.refresh || state.busy || document.visibilityState === 'hidden') return;
  state.busy = true;
  const live = $('#live');
  try {
    await state.refresh();
    live.classList.remove('stale');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) signOut('That token is no longer valid.');
    else live.classList.add('stale');
  } finally {
    state.busy = false;
  }
}

// ---------------------------------------------------------------- formatting

function shortId(id) { return String(id).slice(0, 8); }

/** An RFC 3339 instant, to the second, for reading (the API keeps the microseconds). */
function when(at) { return String(at ?? '').replace('T', ' ').replace(/\.\d+/, ''); }

function vendorIds(ids) {
  return Object.entries(ids || {}).map(([k, v]) =>
    `<span class="vid"><span class="k">${esc(k)}</span> <code>${esc(v)}</code></span>`).join(' ');
}

function limitsText(limits) {
  const set = Object.entries(limits || {}).filter(([, v]) => v !== null && v !== undefined);
  if (!set.length) return '<span class="muted">none</span>';
  return set.map(([k, v]) => `${esc(k.replace(/_/g, ' '))}: <b>${esc(v)}</b>`).join('<br>');
}

function statusClass(status) {
  if (status === null || status === undefined) return 's-none';
  return `s-${String(status)[0]}xx`;
}

// ---------------------------------------------------------------- accounts

async function loadVendors() {
  if (state.vendors.length) return;
  const index = await (await fetch('/')).json();
  state.vendors = index.vendors.map((v) => v.name);
}

function accountsPage() {
  $('#view').innerHTML = `
    <h1>Accounts</h1>
    <details class="card" id="open-box">
      <summary>Open an account</summary>
      <form id="open-form" class="grid">
        <label>Vendor <select name="vendor" id="open-vendor" required></select></label>
        <label>Currency <input name="currency" id="open-currency" required maxlength="3" size="4"></label>
        <label>Opening balance <input name="opening_balance" id="open-balance" value="0.00" inputmode="decimal"></label>
        <button type="submit" id="open-submit">Open</button>
      </form>
    </details>
    <div id="accounts-table" class="scroll"><p class="muted">Loading…</p></div>`;
  loadVendors().then(() => {
    const select = $('#open-vendor');
    if (!select) return;
    select.innerHTML = state.vendors.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join('');
    $('#open-currency').value = DEFAULT_CURRENCY[select.value] || 'USD';
    select.addEventListener('change', () => {
      $('#open-currency').value = DEFAULT_CURRENCY[select.value] || 'USD';
    });
  }).catch((e) => say(e.message, true));
  $('#open-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    act('Account opened.', async () => {
      const account = await api('POST', '/__admin/accounts', {
        vendor: f.get('vendor'), currency: f.get('currency').toUpperCase(),
        opening_balance: f.get('opening_balance') || '0',
      });
      location.hash = `#/accounts/${encodeURIComponent(account.id)}`;
    });
  });
  state.refresh = refreshAccounts;
}

async function refreshAccounts() {
  const { accounts } = await api('GET', '/__admin/accounts');
  state.accounts = accounts;
  const el = $('#accounts-table');
  if (!el) return;
  if (!accounts.length) {
    draw(el, '<p class="muted">No accounts yet: open one above, or with <code>POST /__admin/accounts</code>.</p>');
    return;
  }
  draw(el, `<table class="accounts">
    <thead><tr><th scope="col">Account</th><th scope="col">Vendor</th><th scope="col">Status</th>
      <th scope="col" class="num">Posted</th><th scope="col" class="num">Pending debits</th>
      <th scope="col" class="num">Pending credits</th><th scope="col" class="num">Deferred</th>
      <th scope="col" class="num">Available</th><th scope="col">Limits</th><th scope="col">Vendor ids</th></tr></thead>
    <tbody>${accounts.map((a) => `<tr data-account="${esc(a.id)}">
      <td data-label="Account"><div><a href="#/accounts/${encodeURIComponent(a.id)}"><code>${esc(shortId(a.id))}</code></a></div></td>
      <td data-label="Vendor"><div>${esc(a.vendor ?? '—')} <span class="muted">${esc(a.currency)}</span></div></td>
      <td data-label="Status"><div><span class="badge st-${esc(a.status)}">${esc(a.status)}</span></div></td>
      <td data-label="Posted" class="num" data-field="posted"><div>${esc(a.balances.posted)}</div></td>
      <td data-label="Pending debits" class="num"><div>${esc(a.balances.pending_debits)}</div></td>
      <td data-label="Pending credits" class="num"><div>${esc(a.balances.pending_credits)}</div></td>
      <td data-label="Deferred" class="num"><div>${esc(a.balances.deferred)}</div></td>
      <td data-label="Available" class="num" data-field="available"><div><b>${esc(a.balances.available)}</b></div></td>
      <td data-label="Limits" class="small"><div>${limitsText(a.limits)}</div></td>
      <td data-label="Vendor ids" class="small"><div>${vendorIds(a.vendor_ids)}</div></td></tr>`).join('')}
    </tbody></table>`);
}

// ---------------------------------------------------------------- one account

function accountPage(id) {
  $('#view').innerHTML = `
    <p><a href="#/accounts">← Accounts</a></p>
    <h1>Account <code id="account-id">${esc(id)}</code></h1>
    <div id="account-summary" class="card"><p class="muted">Loading…</p></div>
    <details class="card" id="edit-box">
      <summary>Change status or limits</summary>
      <form id="edit-form" class="grid">
        <label>Status <select name="status" id="edit-status">
          <option value="active">active</option><option value="frozen">frozen</option><option value="closed">closed</option></select></label>
        ${LIMIT_KEYS.map((k) => `<label>${esc(k.replace(/_/g, ' '))}
          <input name="${k}" id="edit-${k}" inputmode="${k.endsWith('count_max') ? 'numeric' : 'decimal'}" placeholder="none"></label>`).join('')}
        <button type="submit">Save</button>
      </form>
      <p class="hint">An empty limit clears it. Closing an account is final.</p>
    </details>
    <h2>Entries <span class="muted small">(newest first)</span></h2>
    <div id="entries" class="scroll"><p class="muted">Loading…</p></div>`;
  let filled = false;
  $('#edit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const limits = {};
    for (const k of LIMIT_KEYS) {
      const v = String(f.get(k) || '').trim();
      limits[k] = v === '' ? null : (k.endsWith('count_max') ? Number(v) : v);
    }
    act('Account saved.', async () => {
      await api('PATCH', `/__admin/accounts/${encodeURIComponent(id)}`, { status: f.get('status'), limits });
      filled = false;
      await state.refresh();
    });
  });
  state.refresh = async () => {
    const [a, page] = await Promise.all([
      api('GET', `/__admin/accounts/${encodeURIComponent(id)}`),
      api('GET', `/__admin/accounts/${encodeURIComponent(id)}/entries?order=newest&limit=100`),
    ]);
    drawAccount(a);
    if (!filled) {
      $('#edit-status').value = a.status;
      for (const k of LIMIT_KEYS) $(`#edit-${k}`).value = a.limits?.[k] ?? '';
      filled = true;
    }
    drawEntries(page.entries);
  };
}

function drawAccount(a) {
  const b = a.balances;
  draw($('#account-summary'), `<dl class="facts">
    <div><dt>Vendor</dt><dd>${esc(a.vendor ?? '—')}</dd></div>
    <div><dt>Currency</dt><dd>${esc(a.currency)}</dd></div>
    <div><dt>Status</dt><dd><span class="badge st-${esc(a.status)}" id="account-status">${esc(a.status)}</span></dd></div>
    <div><dt>Posted</dt><dd class="num" id="account-posted">${esc(b.posted)}</dd></div>
    <div><dt>Pending debits</dt><dd class="num">${esc(b.pending_debits)}</dd></div>
    <div><dt>Pending credits</dt><dd class="num">${esc(b.pending_credits)}</dd></div>
    <div><dt>Deferred</dt><dd class="num">${esc(b.deferred)}</dd></div>
    <div><dt>Available</dt><dd class="num" id="account-available"><b>${esc(b.available)}</b></dd></div>
    <div><dt>Opened</dt><dd>${esc(when(a.opened_at))}</dd></div>
    <div class="wide"><dt>Limits</dt><dd>${limitsText(a.limits)}</dd></div>
    <div class="wide"><dt>Vendor ids</dt><dd>${vendorIds(a.vendor_ids)}</dd></div>
  </dl>`);
}

function drawEntries(entries) {
  const el = $('#entries');
  if (!entries.length) { draw(el, '<p class="muted">No entries yet.</p>'); return; }
  draw(el, `<table class="entries"><thead><tr><th scope="col">At</th><th scope="col">Kind</th>
    <th scope="col">Direction</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Posted after</th>
    <th scope="col" class="num">Available after</th><th scope="col">Details</th></tr></thead><tbody>
    ${entries.map((e) => `<tr><td data-label="At"><div>${esc(when(e.at))}</div></td><td data-label="Kind"><div>${esc(e.kind)}</div></td>
      <td data-label="Direction"><div>${esc(e.direction)}</div></td>
      <td data-label="Amount" class="num ${e.direction === 'debit' ? 'debit' : 'credit'}"><div>${e.direction === 'debit' ? '−' : '+'}${esc(e.amount)}</div></td>
      <td data-label="Posted after" class="num"><div>${esc(e.posted_after)}</div></td>
      <td data-label="Available after" class="num"><div>${esc(e.available_after)}</div></td>
      <td data-label="Details" class="small"><div>${Object.entries(e.metadata || {}).map(([k, v]) => `${esc(k)}: <code>${esc(v)}</code>`).join('<br>')}
        ${e.available_at ? `<br>available at ${esc(e.available_at)}` : ''}</div></td></tr>`).join('')}
    </tbody></table>`);
}

// ---------------------------------------------------------------- the request journal

function requestsPage() {
  state.lastRequests = '';
  $('#view').innerHTML = `
    <h1>Requests</h1>
    <form id="filters" class="grid filters" role="search" aria-label="Filter requests">
      <label>Vendor <select name="vendor" id="f-vendor"><option value="">any</option></select></label>
      <label>Status <select name="status" id="f-status"><option value="">any</option>
        <option value="2">2xx</option><option value="4">4xx</option><option value="5">5xx</option>
        <option value="refused">refused (a reason given)</option></select></label>
      <label>Account <input name="account" id="f-account" placeholder="id or vendor id"></label>
      <label class="check"><input type="checkbox" name="admin" id="f-admin"> admin API calls</label>
    </form>
    <div id="requests-list"><p class="muted">Loading…</p></div>`;
  loadVendors().then(() => {
    $('#f-vendor')?.insertAdjacentHTML('beforeend',
      state.vendors.map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join(''));
  }).catch(() => {});
  $('#filters').addEventListener('input', () => { state.lastRequests = ''; poll(); });
  $('#requests-list').addEventListener('toggle', (ev) => {
    const trace = ev.target.dataset?.trace;
    if (!trace) return;
    if (ev.target.open) state.openTraces.add(trace); else state.openTraces.delete(trace);
  }, true);
  state.refresh = refreshRequests;
}

/** The words an account filter matches: its id, and its vendor ids once the accounts are known. */
function accountNeedles(text) {
  const needle = text.trim();
  if (!needle) return null;
  const account = state.accounts.find((a) => a.id === needle || a.id.startsWith(needle));
  const ids = account ? Object.values(account.vendor_ids || {}).map(String) : [];
  return [needle, ...(account ? [account.id] : []), ...ids];
}

function keep(entry, f) {
  if (!f.admin && entry.vendor === null) return false;
  if (f.vendor && entry.vendor !== f.vendor) return false;
  if (f.status === 'refused' && !refused(entry)) return false;
  if (f.status && f.status !== 'refused' && String(entry.status)[0] !== f.status) return false;
  if (f.needles) {
    const hay = `${entry.path}\n${entry.request_body}\n${entry.response_body}`;
    if (!f.needles.some((n) => hay.includes(n))) return false;
  }
  return true;
}

async function refreshRequests() {
  const filters = $('#filters');
  if (!filters) return;
  const f = {
    vendor: $('#f-vendor').value, status: $('#f-status').value,
    admin: $('#f-admin').checked, needles: null,
  };
  const accountText = $('#f-account').value;
  if (accountText.trim() && !state.accounts.length) {
    state.accounts = (await api('GET', '/__admin/accounts')).accounts;
  }
  f.needles = accountNeedles(accountText);
  const { requests } = await api('GET', '/__admin/requests?limit=1000');
  const shown = requests.filter((e) => keep(e, f)).slice(0, 200);
  // Redrawn only when something changed, so an open exchange or a selection stays put.
  const signature = shown.map((e) => e.trace_id).join(',');
  if (signature === state.lastRequests) return;
  state.lastRequests = signature;
  const el = $('#requests-list');
  if (!shown.length) {
    draw(el, '<p class="muted">No requests match. Calls appear here as they arrive.</p>');
    return;
  }
  draw(el, shown.map(exchange).join(''));
}

/** Refused: no answer, a non-2xx one, or a 2xx with a reason (PCaaSA's errors answer 200). */
function refused(e) {
  return e.status === null || e.status >= 300 || Boolean(e.reason);
}

function exchange(e) {
  const open = state.openTraces.has(e.trace_id) ? ' open' : '';
  const who = e.vendor ? `${e.vendor}${e.operation ? ` · ${e.operation}` : ''}` : 'admin';
  const fault = e.fault ? `<dt>Fault rule</dt><dd>${esc(e.fault.name || e.fault.rule_id)}
      (${esc(e.fault.phase)}, ${esc(e.fault.action)})</dd>` : '';
  return `<details class="exchange ${statusClass(e.status)}${refused(e) ? ' refused' : ''}" data-trace="${esc(e.trace_id)}"${open}>
    <summary><span class="st">${esc(e.status ?? 'no answer')}</span>
      <span class="method">${esc(e.method)}</span> <code class="path">${esc(e.path)}</code>
      <span class="who">${esc(who)}</span>
      <span class="when muted">${esc(when(e.at))} · ${esc(e.duration_us)} µs</span>
      ${e.reason ? `<span class="reason">${esc(e.reason)}</span>` : ''}</summary>
    <dl class="exchange-body">
      <dt>Trace id</dt><dd><code>${esc(e.trace_id)}</code></dd>
      ${e.reason ? `<dt>Reason</dt><dd class="reason">${esc(e.reason)}</dd>` : ''}
      ${fault}
      <dt>Request</dt><dd><pre>${esc(e.method)} ${esc(e.path)}\n\n${esc(pretty(e.request_body))}</pre></dd>
      <dt>Answer</dt><dd><pre>${esc(e.status ?? 'no answer')}\n\n${esc(pretty(e.response_body))}</pre></dd>
      <dt>Reproduce</dt><dd><pre class="curl">${esc(curl(e))}</pre></dd>
    </dl></details>`;
}

function pretty(body) {
  if (!body) return '(empty)';
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

function shellQuote(text) { return `'${String(text).replace(/'/g, `'\\''`)}'`; }

/** A curl command for the exchange. The journal keeps no headers, so credentials are left to fill in. */
function curl(e) {
  const lines = [`curl -i -X ${e.method} ${shellQuote(location.origin + e.path)}`];
  if (e.vendor === null) lines.push(`  -H "Authorization: Bearer $SANDBANK_ADMIN_TOKEN"`);
  else lines.push(`  # add ${e.vendor}'s credential headers here: the journal does not keep them`);
  const body = e.request_body || '';
  if (body) {
    const json = /^\s*[{[]/.test(body);
    lines.push(`  -H ${shellQuote(`Content-Type: ${json ? 'application/json' : 'application/x-www-form-urlencoded'}`)}`);
    lines.push(`  --data-raw ${shellQuote(body)}`);
  }
  return lines.join(' \\\n');
}

// ---------------------------------------------------------------- the clock

function clockPage() {
  $('#view').innerHTML = `
    <h1>Clock</h1>
    <div class="card"><p class="now">Now: <time id="clock-now">…</time> <span id="clock-frozen" class="badge"></span></p></div>
    <div class="card grid-3">
      <form id="advance-form"><label>Advance by (ISO 8601) <input name="advance" id="advance" value="P1D" required></label>
        <button type="submit">Advance</button></form>
      <form id="set-form"><label>Set to (RFC 3339) <input name="set" id="set-at" placeholder="2026-01-01T00:00:00Z" required></label>
        <button type="submit">Set</button></form>
      <div><button type="button" id="freeze">Freeze</button>
        <button type="button" id="unfreeze">Unfreeze</button>
        <button type="button" id="clock-reset">Back to real time</button></div>
    </div>
    <p class="hint">A frozen clock stands still until advanced or set; the tenant's daily limits,
      holds and sessions all follow this clock.</p>`;
  const post = (body, what) => act(what, async () => { await api('POST', '/__admin/clock', body); await state.refresh(); });
  $('#advance-form').addEventListener('submit', (ev) => { ev.preventDefault(); post({ advance: $('#advance').value.trim() }, 'Clock advanced.'); });
  $('#set-form').addEventListener('submit', (ev) => { ev.preventDefault(); post({ set: $('#set-at').value.trim() }, 'Clock set.'); });
  $('#freeze').addEventListener('click', () => post({ freeze: true }, 'Clock frozen.'));
  $('#unfreeze').addEventListener('click', () => post({ unfreeze: true }, 'Clock running.'));
  $('#clock-reset').addEventListener('click', () => post({ reset: true }, 'Clock back to real time.'));
  state.refresh = async () => {
    const clock = await api('GET', '/__admin/clock');
    $('#clock-now').textContent = clock.now;
    $('#clock-now').setAttribute('datetime', clock.now);
    $('#clock-frozen').textContent = clock.frozen ? 'frozen' : 'running';
    $('#clock-frozen').className = `badge ${clock.frozen ? 'st-frozen' : 'st-active'}`;
  };
}

// ---------------------------------------------------------------- fault rules

const FAULT_EXAMPLE = `{
  "name": "pcaasa-throttled",
  "match": { "vendor": "pcaasa" },
  "when": { "every": 5 },
  "error": "rate_limited"
}`;

function faultsPage() {
  $('#view').innerHTML = `
    <h1>Fault rules</h1>
    <div id="faults-list" class="scroll"><p class="muted">Loading…</p></div>
    <details class="card" id="fault-box">
      <summary>Add a rule (JSON, as <code>POST /__admin/faults</code> takes it)</summary>
      <form id="fault-form">
        <label for="fault-json">Rule</label>
        <textarea id="fault-json" rows="8" spellcheck="false">${esc(FAULT_EXAMPLE)}</textarea>
        <button type="submit">Add</button>
        <button type="button" id="faults-clear" class="danger">Delete every rule</button>
      </form>
    </details>`;
  $('#fault-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('Rule added.', async () => {
      let rule;
      try { rule = JSON.parse($('#fault-json').value); } catch (e) { throw new Error(`not JSON: ${e.message}`); }
      await api('POST', '/__admin/faults', rule);
      await state.refresh();
    });
  });
  $('#faults-clear').addEventListener('click', () => act('Every rule deleted.', async () => {
    await api('DELETE', '/__admin/faults');
    await state.refresh();
  }));
  $('#faults-list').addEventListener('click', (ev) => {
    const id = ev.target.dataset?.delete;
    if (!id) return;
    act('Rule deleted.', async () => {
      await api('DELETE', `/__admin/faults/${encodeURIComponent(id)}`);
      await state.refresh();
    });
  });
  state.refresh = async () => {
    const { faults } = await api('GET', '/__admin/faults');
    const el = $('#faults-list');
    if (!faults.length) { draw(el, '<p class="muted">No fault rules: every call is answered as usual.</p>'); return; }
    draw(el, `<ul class="rules">${faults.map((r) => `<li class="card">
      <div class="rule-head"><b>${esc(r.name || r.id)}</b> <code class="muted">${esc(r.id)}</code>
      <button type="button" class="danger" data-delete="${esc(r.id)}" aria-label="Delete rule ${esc(r.name || r.id)}">Delete</button></div>
      <pre>${esc(JSON.stringify(r, null, 2))}</pre></li>`).join('')}</ul>`);
  };
}

// ---------------------------------------------------------------- start

document.addEventListener('DOMContentLoaded', () => {
  $('#sign-in-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    signIn($('#token').value.trim());
  });
  $('#sign-out').addEventListener('click', () => signOut());
  $('#tenant').addEventListener('change', (ev) => {
    state.tenant = ev.target.value;
    state.accounts = [];
    sessionStorage.setItem(TENANT_KEY, state.tenant);
    route();
  });
  window.addEventListener('hashchange', route);
  document.addEventListener('visibilitychange', poll);
  setInterval(poll, POLL_MS);
  if (state.token) signIn(state.token);
  else $('#token').focus();
});
