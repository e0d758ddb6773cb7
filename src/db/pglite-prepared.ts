/**
 * PGlite with prepared statements. PGlite's `query()` parses, describes and plans every
 * statement again (an unnamed statement each time): for the embedded database, where there is
 * no network, planning was most of a statement's cost (the locked read of a write: 2.19 ms
 * as text, 0.66 ms prepared). PostgreSQL mode prepares each statement once per connection
 * (`preparing()` in client.ts); this does the same for PGlite's one backend: a statement is
 * parsed and described once under a name, and each later call only binds and executes it,
 * in one round trip through the wire protocol that PGlite exposes.
 *
 * Statements run under the same locks as PGlite's own `query()`: outside a transaction under
 * the transaction lock (so nothing runs inside somebody else's transaction), inside one
 * under the query lock only.
 */
import { type PGlite, parse, protocol, type QueryOptions, type Results, type Transaction } from '@electric-sql/pglite';

type BackendMessage = Parameters<typeof parse.parseResults>[0][number];

interface Statement {
  name: string;
  paramTypes: number[];
  /** The statement's row description, given to the result parser (an execute sends none). */
  rowDescription: BackendMessage | undefined;
}

/** How to read a statement's results: the parsers by type, and the options without their own parsers. */
interface Reading {
  parsers: ParserMap;
  options: QueryOptions | undefined;
}

type ParserMap = PGlite['parsers'];

/**
 * Tresor's SQL comes from a fixed set of shapes; a bound keeps a caller that builds texts
 * freely (ad-hoc SQL in a test, say) from growing the backend's memory without end.
 */
const MAX_STATEMENTS = 1000;

function concat(parts: Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** `client` with `query()` (its own and its transactions') running prepared statements. */
export function withPreparedStatements(client: PGlite): PGlite {
  const statements = new Map<string, Statement>();
  const { serialize } = protocol;

  /**
   * PGlite's result parser copies the client's parsers (318 types) and a query's own into one
   * map on every call: 84 µs a statement, a fifth of an embedded write's CPU (measured), and
   * drizzle gives every query its own parsers. Here the query's few parsers sit in front of
   * the client's through the prototype chain, so nothing is copied.
   */
  const readingOf = (options: QueryOptions | undefined): Reading => {
    if (!options?.parsers) return { parsers: client.parsers, options };
    const { parsers, ...rest } = options;
    return { parsers: Object.assign(Object.create(client.parsers) as ParserMap, parsers), options: rest };
  };

  const exchange = (parts: Uint8Array[]) => client.execProtocolStream(concat(parts), { syncToFs: false });

  const statementFor = async (text: string, options: QueryOptions | undefined): Promise<Statement> => {
    const known = statements.get(text);
    if (known) return known;
    const name = `tresor_${statements.size}`;
    const described = await exchange([
      serialize.parse({ name, text, types: options?.paramTypes }),
      serialize.describe({ type: 'S', name }),
      serialize.sync(),
    ]);
    const statement = {
      name,
      paramTypes: parse.parseDescribeStatementResults(described),
      rowDescription: described.find((message) => message.name === 'rowDescription'),
    };
    statements.set(text, statement);
    return statement;
  };

  const run = async <T>(text: string, params: unknown[], options: QueryOptions | undefined): Promise<Results<T>> => {
    const statement = await statementFor(text, options);
    const values = params.map((value, index) => {
      if (value === null || value === undefined) return null;
      const type = statement.paramTypes[index]!;
      const serializer = options?.serializers?.[type] ?? client.serializers[type];
      return serializer ? serializer(value) : String(value);
    });
    const messages = await exchange([
      serialize.bind({ statement: statement.name, values }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    const described = statement.rowDescription ? [statement.rowDescription, ...messages] : messages;
    const reading = readingOf(options);
    return parse.parseResults(described, reading.parsers, reading.options)[0] as Results<T>;
  };

  /** Whether `query()` may take the prepared path: blobs (COPY) and a full cache take PGlite's own. */
  const preparable = (text: string, options: QueryOptions | undefined) =>
    !options?.blob && (statements.has(text) || statements.size < MAX_STATEMENTS);

  const query = async <T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> => {
    if (!preparable(text, options)) return client.query<T>(text, params, options);
    await client._checkReady();
    const result = await client._runExclusiveTransaction(() =>
      client._runExclusiveQuery(() => run<T>(text, params, options)),
    );
    await client.syncToFs();
    return result;
  };

  const inTransaction = (tx: Transaction): Transaction =>
    new Proxy(tx, {
      get(target, property, receiver) {
        if (property === 'query')
          return <T>(text: string, params: unknown[] = [], options?: QueryOptions): Promise<Results<T>> => {
            if (!preparable(text, options) || target.closed) return target.query<T>(text, params, options);
            return client._runExclusiveQuery(() => run<T>(text, params, options));
          };
        return Reflect.get(target, property, receiver);
      },
    });

  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'transaction')
        return <T>(body: (tx: Transaction) => Promise<T>) => target.transaction((tx) => body(inTransaction(tx)));
      const value: unknown = Reflect.get(target, property, target);
      // PGlite keeps its state in private fields, which a method reaches only through the real instance.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
