// The file browser: generalized paths, breadcrumbs, kinds and kernel versions.
import { api, el, show, size } from './rest.js';

const $ = (id) => document.getElementById(id);
let onUse = () => {};
let current = null;

// "/boot/grub" -> ["/", "/boot", "/boot/grub"]; "sda1:/boot" -> ["sda1:/", "sda1:/boot"]
function crumbs(path) {
  const m = path.match(/^(.*?:)?(\/\/?)(.*)$/);
  if (!m) return [[path, path]];
  const prefix = (m[1] || '') + m[2];
  const out = [[prefix, prefix]];
  let acc = prefix;
  for (const part of m[3].split('/').filter(Boolean)) {
    acc += (acc.endsWith('/') ? '' : '/') + part;
    out.push([part, acc]);
  }
  return out;
}

function parentOf(path) {
  const c = crumbs(path);
  return c.length > 1 ? c[c.length - 2][1] : path;
}

function drawCrumbs(path) {
  const nav = $('breadcrumbs');
  nav.replaceChildren();
  for (const [name, target] of crumbs(path)) {
    nav.append(el('button', { type: 'button', class: 'crumb', onclick: () => open(target) }, name));
  }
}

export async function open(path) {
  $('files-path').value = path;
  show($('files-error'), false);
  let data;
  try {
    data = await api('GET', '/files?path=' + encodeURIComponent(path));
  } catch (e) {
    $('files-error').textContent = e.message;
    show($('files-error'), true);
    return;
  }
  current = data;
  drawCrumbs(data.path);
  const list = $('files-list');
  list.replaceChildren();
  if (data.type === 'directory') {
    show($('file-info'), false);
    const rows = data.entries.slice().sort((a, b) =>
      (b.type === 'directory') - (a.type === 'directory') || a.name.localeCompare(b.name));
    for (const e of rows) {
      const label = e.type === 'directory' ? e.name + '/' : e.name;
      const kind = e.type === 'directory' ? '' : (e.kind !== 'other' ? e.kind : size(e.size));
      list.append(el('li', { 'data-name': e.name, 'data-kind': e.kind },
        el('button', { type: 'button', class: 'link', onclick: () => open(e.path) }, label),
        el('span', { class: 'kind' }, kind)));
    }
    if (data.truncated) list.append(el('li', { class: 'hint' }, 'Only the first ' + data.entries.length + ' entries are shown.'));
  } else {
    drawCrumbs(data.path);
    $('file-name').textContent = data.path;
    $('file-kind').textContent = data.kind + ', ' + size(data.size);
    $('file-version').textContent = data.version ? 'version ' + data.version : '';
    show($('file-info'), true);
    list.append(el('li', {}, el('button', { type: 'button', class: 'link', onclick: () => open(parentOf(data.path)) }, '← back')));
  }
}

export function initFiles(use) {
  onUse = use;
  $('files-form').addEventListener('submit', (ev) => { ev.preventDefault(); open($('files-path').value.trim() || '/'); });
  $('use-kernel').addEventListener('click', () => current && onUse('kernel', current.path));
  $('use-initrd').addEventListener('click', () => current && onUse('initrd', current.path));
  open('/');
}
