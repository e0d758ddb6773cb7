// Name/value lists (fieldset[data-pairs]): an "Add a row" button and a "Remove" button per row.
// A removed row is cleared and hidden, so the server drops it as a blank row (for a stored pair,
// clearing name and value is what removes it). Without this script the form shows the rows and
// three empty ones, and clearing a row removes it. A file: the pages keep a CSP without inline script.
(() => {
  for (const fieldset of document.querySelectorAll('fieldset[data-pairs]')) {
    const key = fieldset.dataset.pairs;
    const list = fieldset.querySelector('.pair-rows');
    if (!list) continue;
    const addRemove = (row) => {
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'link';
      remove.textContent = 'Remove';
      remove.addEventListener('click', () => {
        for (const input of row.querySelectorAll('input')) input.value = '';
        row.hidden = true;
      });
      row.append(remove);
    };
    for (const row of list.querySelectorAll('.pair')) addRemove(row);
    const add = document.createElement('button');
    add.type = 'button';
    add.textContent = 'Add a row';
    add.addEventListener('click', () => {
      const rows = list.querySelectorAll('.pair');
      const next = rows.length === 0 ? 0 : Math.max(...[...rows].map((r) => Number(r.dataset.index ?? 0))) + 1;
      const row = document.createElement('div');
      row.className = 'pair';
      row.dataset.index = String(next);
      row.innerHTML =
        `<label>Name <input name="fields[${key}][${next}][name]" autocomplete="off"></label> ` +
        `<label>Value <input name="fields[${key}][${next}][value]" type="password" autocomplete="new-password"></label>`;
      addRemove(row);
      list.append(row);
      row.querySelector('input')?.focus();
    });
    list.after(add);
  }
})();
