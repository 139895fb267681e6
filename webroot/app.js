// kboot's browser UI: entries, countdown, boot form, files, devices, log.
// It speaks only the public REST API (rest.js) and its event stream.
import { api, el, show, size } from './rest.js';
import { initFiles, open as openPath } from './files.js';
import { initNetwork } from './net.js';

const $ = (id) => document.getElementById(id);
const LOG_LINES_MAX = 500;
let bootingKernel = null; // kept: a later "booting" event without a name must not hide it

function setState(state, booting) {
  $('state').textContent = state;
  $('state').dataset.state = state;
  if (state === 'booting') {
    if (booting) bootingKernel = booting;
    $('handover').textContent = 'Handing over to ' + (bootingKernel || 'the kernel') + '…';
    show($('handover'), true);
  } else {
    show($('handover'), false);
  }
  if (state !== 'countdown') show($('countdown'), false);
  if (state === 'idle') show($('progress-box'), false);
}

function setCountdown(c) {
  if (!c) { show($('countdown'), false); return; }
  $('countdown-title').textContent = c.title || c.entry;
  $('countdown-seconds').textContent = c.seconds_left;
  show($('countdown'), true);
}

async function refreshStatus() {
  const st = await api('GET', '/status');
  show($('auth-none-banner'), st.auth_none);
  show($('logout'), !st.auth_none);
  show($('ssh-info'), !!st.ssh);
  $('ssh-fingerprint').textContent = st.ssh ? st.ssh.fingerprint : '';
  // Compare with the line kbootd printed on the console and the browser's certificate view.
  show($('tls-info'), !!(st.tls && st.tls.fingerprint_sha256));
  $('tls-fingerprint').textContent = st.tls ? st.tls.fingerprint_sha256 : '';
  $('tls-origin').textContent = st.tls && st.tls.generated ? 'made at start, tls=auto' : 'configured';
  setState(st.state, st.booting);
  setCountdown(st.countdown);
}

function editEntry(e) {
  $('boot-entry').value = e.id;
  $('boot-kernel').value = e.kernel || '';
  $('boot-initrd').value = (e.initrd || []).join(' ');
  $('boot-cmdline').value = e.cmdline || '';
  $('boot-from').textContent = 'From entry: ' + e.title;
  $('boot-cmdline').focus();
}

async function refreshEntries() {
  const { entries } = await api('GET', '/entries');
  const list = $('entries');
  list.replaceChildren();
  for (const e of entries) {
    list.append(el('li', { 'data-id': e.id, class: e.default ? 'default' : '' },
      el('span', { class: 'title' }, e.title, e.default ? el('span', { class: 'badge' }, 'default') : null),
      e.broken
        ? el('span', { class: 'legacy-note' }, 'cannot be booted: ' + e.broken)
        : e.type === 'legacy'
        ? el('span', { class: 'legacy-note' }, e.legacy ? e.legacy.note : 'needs the first-stage loader; kboot cannot hand it over')
        : el('code', { class: 'cmdline' }, e.kernel + ' ' + e.cmdline),
      el('span', { class: 'buttons' },
        el('button', { type: 'button', class: 'entry-boot', disabled: !!e.broken, onclick: () => boot({ entry: e.id }) }, 'Boot'),
        el('button', { type: 'button', class: 'entry-edit quiet', onclick: () => editEntry(e) }, 'Edit'))));
  }
}

// A locked LUKS device: a passphrase field, the error shown in place.
function unlockForm(d) {
  const pass = el('input', { type: 'password', class: 'unlock-pass', autocomplete: 'off',
    'aria-label': 'Passphrase for ' + d.name, placeholder: 'passphrase' });
  const msg = el('span', { class: 'unlock-error error', role: 'alert', hidden: true });
  const button = el('button', { type: 'submit' }, 'Unlock');
  const form = el('form', { class: 'unlock', onsubmit: async (ev) => {
    ev.preventDefault();
    show(msg, false);
    button.disabled = true;
    try {
      await api('POST', '/devices/' + encodeURIComponent(d.name) + '/unlock', { passphrase: pass.value });
      pass.value = '';
      await Promise.all([refreshDevices(), refreshEntries()]);
    } catch (e) {
      msg.textContent = e.message;
      show(msg, true);
    } finally {
      pass.value = '';
      button.disabled = false;
    }
  } }, pass, button, msg);
  return form;
}

async function refreshDevices() {
  const { devices } = await api('GET', '/devices');
  const list = $('devices');
  list.replaceChildren();
  for (const d of devices) {
    const what = [d.fstype, d.label, size(d.size), d.removable ? 'removable' : null,
      d.locked ? 'locked' : null].filter(Boolean).join(', ');
    list.append(el('li', { 'data-name': d.name },
      el('button', { type: 'button', class: 'link', disabled: !d.fstype || d.locked,
        onclick: () => openPath(d.name + ':/') }, d.name),
      el('span', { class: 'kind' }, what),
      d.locked ? unlockForm(d) : null));
  }
}

function addLog(line) {
  const log = $('log');
  log.append(line.level + ' ' + line.text + '\n');
  while (log.childNodes.length > LOG_LINES_MAX) log.firstChild.remove();
  log.scrollTop = log.scrollHeight;
}

async function refreshLog() {
  const { lines } = await api('GET', '/log');
  $('log').replaceChildren();
  lines.forEach(addLog);
}

async function boot(req) {
  show($('boot-error'), false);
  show($('boot-result'), false);
  try {
    const res = await api('POST', '/boot', req);
    const p = res.plan;
    if (res.legacy) {
      $('boot-result').textContent = (res.dry_run ? 'Dry run: ' : '') + p.title + ': ' + res.legacy.note;
      show($('boot-result'), true);
      if (!res.dry_run) setState('booting', res.legacy.note);
      return;
    }
    $('boot-result').textContent = (res.dry_run ? 'Dry run: would boot ' : 'Booting ') + p.title + '\n' +
      'kernel:  ' + p.kernel + (p.kernel_info.version ? ' (' + p.kernel_info.version + ')' : '') + '\n' +
      'initrd:  ' + (p.initrd.join(' ') || '(none)') + '\n' +
      'cmdline: ' + p.cmdline;
    show($('boot-result'), true);
    if (!res.dry_run) setState('booting', p.kernel);
  } catch (e) {
    $('boot-error').textContent = e.message;
    show($('boot-error'), true);
  }
}

function bootForm(ev) {
  ev.preventDefault();
  const req = { dry_run: $('boot-dry-run').checked };
  const cmdline = $('boot-cmdline').value;
  const entry = $('boot-entry').value;
  const kernel = $('boot-kernel').value.trim();
  const initrd = $('boot-initrd').value.trim();
  if (entry) {
    req.entry = entry;
    req.cmdline = cmdline;
  } else {
    req.kernel = kernel;
    req.initrd = initrd ? initrd.split(/\s+/) : [];
    req.cmdline = cmdline;
  }
  if ($('boot-insecure').checked) req.insecure = true;
  boot(req);
}

// Changing the kernel or initrd by hand leaves the entry: boot exactly what is shown.
function leaveEntry() {
  $('boot-entry').value = '';
  $('boot-from').textContent = '';
}

function useFile(as, path) {
  leaveEntry();
  if (as === 'kernel') $('boot-kernel').value = path;
  else $('boot-initrd').value = ($('boot-initrd').value + ' ' + path).trim();
  $('boot-cmdline').focus();
}

function listen() {
  const es = new EventSource('/api/v1/events');
  const on = (name, fn) => es.addEventListener(name, (m) => fn(JSON.parse(m.data)));
  on('state', (d) => {
    setState(d.state);
    if (d.state === 'booting' || d.state === 'idle') refreshStatus().catch(() => {});
    if (d.error) { $('boot-error').textContent = d.error; show($('boot-error'), true); }
  });
  on('countdown', (d) => { setState('countdown'); setCountdown(d); });
  on('progress', (d) => {
    show($('progress-box'), true);
    $('progress-label').textContent = (d.phase === 'fetch' ? 'Downloading ' : 'Loading ') + (d.name || '');
    if (d.total > 0) { $('progress').max = d.total; $('progress').value = d.done; }
    else $('progress').removeAttribute('value');
  });
  on('device-added', () => refreshDevices().catch(() => {}));
  on('device-removed', () => refreshDevices().catch(() => {}));
  on('entries', () => refreshEntries().catch(() => {}));
  on('log', addLog);
  es.onerror = () => refreshStatus().catch(() => {});
}

async function main() {
  $('countdown-stop').addEventListener('click', async () => {
    try { await api('POST', '/autoboot/cancel'); } catch (e) { /* already over */ }
    refreshStatus().catch(() => {});
  });
  $('logout').addEventListener('click', async () => {
    await api('DELETE', '/session').catch(() => {});
    location.href = 'login.html';
  });
  $('boot-form').addEventListener('submit', bootForm);
  $('boot-clear').addEventListener('click', () => { $('boot-form').reset(); leaveEntry(); });
  $('boot-kernel').addEventListener('input', leaveEntry);
  $('boot-initrd').addEventListener('input', leaveEntry);
  $('progress-cancel').addEventListener('click', async () => {
    try { await api('POST', '/boot/cancel'); } catch (e) { /* already over */ }
  });
  $('boot-insecure').addEventListener('change', () => show($('insecure-warning'), $('boot-insecure').checked));
  $('url-form').addEventListener('submit', (ev) => { ev.preventDefault(); useFile('kernel', $('url-input').value.trim()); });
  await refreshStatus();
  await Promise.all([refreshEntries(), refreshDevices(), refreshLog()]);
  initFiles(useFile);
  initNetwork();
  listen();
}

main().catch((e) => console.error(e));
