/** What a call came to, for tables of expectations: 'allowed', or the error's code (and its field, if any). */
export const outcomeOf = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'allowed',
    (error: { code?: string; field?: string }) => `${error.code ?? 'error'}${error.field ? `:${error.field}` : ''}`,
  );
