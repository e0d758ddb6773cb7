// Passkeys (WebAuthn) for forms marked data-passkey="create" (add one) or "get" (sign in, or
// confirm it is you): on submit, fetch the ceremony's options from data-options (a post with
// the form's CSRF token), ask the authenticator, put its answer in the form's "response" field
// and submit the form as a normal post. Without WebAuthn (or without script) the forms stay
// hidden and the other ways in remain.
(() => {
  const supported =
    window.PublicKeyCredential &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function' &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';
  if (!supported) return;
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    form.hidden = false;
    const status = form.querySelector('[role=status]');
    form.addEventListener('submit', async (event) => {
      if (form.dataset.answered) return;
      event.preventDefault();
      if (status) status.textContent = '';
      try {
        const body = new URLSearchParams({ _csrf: form.querySelector('[name=_csrf]').value });
        const answer = await fetch(form.dataset.options, {
          method: 'POST',
          body,
          headers: { accept: 'application/json' },
          credentials: 'same-origin',
        });
        const options = await answer.json();
        if (!answer.ok) throw new Error(options.error?.message ?? 'Passkeys are not available now');
        const credential =
          form.dataset.passkey === 'create'
            ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
            : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        form.querySelector('[name=response]').value = JSON.stringify(credential.toJSON());
        form.dataset.answered = 'yes';
        form.requestSubmit();
      } catch (error) {
        if (status) status.textContent = error.name === 'NotAllowedError' ? 'Cancelled, or no passkey here' : error.message;
      }
    });
  }
})();
