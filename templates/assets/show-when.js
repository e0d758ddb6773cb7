// Shows a conditional field (data-show-when) only while the fields it depends on hold one of
// its values, as the server decides; hidden inputs are disabled, so they are neither checked
// by the browser nor sent. Without this script every field is shown and the server drops the
// ones the values do not show. Loaded as a file: the pages keep a CSP without inline script.
(() => {
  const form = document.querySelector('form[data-conditions]');
  if (!form) return;
  const conditional = [...form.querySelectorAll('[data-show-when]')];
  const valueOf = (key) => {
    const input = form.elements.namedItem(`fields[${key}]`);
    if (!input) return undefined;
    if (input.type === 'checkbox') return String(input.checked);
    return input.disabled ? undefined : input.value;
  };
  const update = () => {
    // Repeated: a field that depends on a conditional field settles once that one has.
    for (let round = 0; round < conditional.length; round++) {
      for (const wrapper of conditional) {
        const rule = JSON.parse(wrapper.dataset.showWhen);
        const shown = Object.entries(rule).every(([key, values]) => {
          const value = valueOf(key);
          return value !== undefined && values.some((candidate) => String(candidate) === value);
        });
        wrapper.hidden = !shown;
        for (const input of wrapper.querySelectorAll('input, select, textarea')) input.disabled = !shown;
      }
    }
  };
  form.addEventListener('change', update);
  form.addEventListener('input', update);
  update();
})();
