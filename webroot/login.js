import { api } from './rest.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  try {
    await api('POST', '/session', { password: document.getElementById('login-password').value });
    location.href = './';
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  }
});
