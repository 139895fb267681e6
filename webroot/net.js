// The network section: what GET /api/v1/network says, and PUT to change it.
import { api, el, show } from './rest.js';

const $ = (id) => document.getElementById(id);

function render(net) {
  const box = $('net-state');
  const rows = [];
  for (const i of net.interfaces) {
    const lease = i.dhcp ? ' · lease ' + i.dhcp.address + (i.dhcp.boot_file ? ', boot file ' + i.dhcp.boot_file : '') : '';
    rows.push(el('li', { 'data-name': i.name },
      el('b', {}, i.name),
      el('span', { class: 'net-mode' }, i.mode + (i.dhcp_client_running ? ' (DHCP client running)' : '')),
      el('code', { class: 'cmdline' }, (i.addresses.join(' ') || 'no address') + lease)));
  }
  const routes = net.routes.map((r) => r.destination + (r.gateway ? ' via ' + r.gateway : '') + ' dev ' + r.interface);
  box.replaceChildren(el('ul', { class: 'list' }, ...rows),
    el('p', { class: 'hint' }, 'Routes: ' + (routes.join('; ') || 'none')),
    el('p', { class: 'hint', id: 'net-dns-shown' }, 'DNS: ' + (net.dns.join(' ') || 'none')));
}

export async function refreshNetwork() {
  render(await api('GET', '/network'));
}

function showStatic() { show($('net-static'), $('net-mode').value === 'static'); }

async function apply(ev) {
  ev.preventDefault();
  show($('net-error'), false);
  const req = { mode: $('net-mode').value };
  const iface = $('net-interface').value.trim();
  if (iface) req.interface = iface;
  if (req.mode === 'static') {
    req.address = $('net-address').value.trim();
    const gw = $('net-gateway').value.trim();
    if (gw) req.gateway = gw;
    const dns = $('net-dns').value.trim();
    if (dns) req.dns = dns.split(/\s+/);
  }
  try {
    render(await api('PUT', '/network', req));
  } catch (e) {
    $('net-error').textContent = e.message;
    show($('net-error'), true);
  }
}

export function initNetwork() {
  $('net-mode').addEventListener('change', showStatic);
  $('net-form').addEventListener('submit', apply);
  showStatic();
  refreshNetwork().catch((e) => { $('net-error').textContent = e.message; show($('net-error'), true); });
}
