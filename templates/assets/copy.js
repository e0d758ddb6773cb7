// Copy buttons for values a reader takes elsewhere (a host, a fingerprint, a PEM certificate, and
// what is shown once: a new API token, a webhook's signing secret, a generated value): each
// element marked data-copy gets a button that puts its text on the clipboard. A stored secret's
// value is never marked (the server never sends one to copy); dates and counts are not either. Without
// script, or without a clipboard, there is no button and the text can be selected as ever.
(() => {
  if (!navigator.clipboard) return;
  for (const element of document.querySelectorAll('[data-copy]')) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy secondary';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', `Copy ${element.dataset.copy}`);
    const status = document.createElement('span');
    status.className = 'copied';
    status.setAttribute('role', 'status');
    button.addEventListener('click', async () => {
      try {
        // An input (a value just generated on a form) holds its text in value.
        await navigator.clipboard.writeText(element instanceof HTMLInputElement ? element.value : (element.textContent ?? ''));
        status.textContent = 'Copied';
      } catch {
        status.textContent = 'Could not copy: select the text instead';
      }
      setTimeout(() => {
        status.textContent = '';
      }, 2500);
    });
    // A PEM block sits in a <details>: the button goes after it, visible while it is folded.
    const anchor = element.closest('details') ?? element;
    anchor.after(button, status);
  }
})();
