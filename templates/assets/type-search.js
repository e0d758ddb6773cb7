// The type picker's search as you type: hides the cards whose name and description do not hold
// every word typed. Without script the same search runs on the server when the form is sent.
(() => {
  const input = document.querySelector('input[data-filter-cards]');
  const list = input && document.getElementById(input.dataset.filterCards);
  const none = document.getElementById('type-none');
  if (!input || !list) return;
  const cards = [...list.querySelectorAll('li')];
  const filter = () => {
    const words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const card of cards) {
      const text = card.textContent.toLocaleLowerCase();
      card.hidden = !words.every((w) => text.includes(w));
      if (!card.hidden) shown++;
    }
    if (none) {
      none.hidden = shown > 0;
      none.textContent = `No kind of credential matches "${input.value}".`;
    }
  };
  input.addEventListener('input', filter);
})();
