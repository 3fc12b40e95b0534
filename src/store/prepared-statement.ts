// Hot statements built and compiled by Kysely once; each later run only binds its values.
// Building a query (immutable node trees, frozen at every step) and compiling it to SQL cost
// more CPU than SQLite takes to run a small statement, and on the hot paths (a start, an
// assign, a release) the SQL text never changes: the values are parameters. So the builder runs
// once with placeholders ("slots") where the values go, and a run copies the compiled statement
// with the values in the slots' places. The statement run is the very one Kysely compiled: same
// SQL, same parameter order, same driver path (fault mapping, counters, transactions).
import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import { StatementNames } from './pg-named-statements.js';

/** The texts compiled here: fixed and run often, so PostgreSQL keeps them prepared (pg-named-statements.ts). */
export const HOT_STATEMENTS = new StatementNames();

/** Stands for the argument at `index` while the statement is built. */
class Slot {
  constructor(readonly index: number) {}
}

interface Template<R> {
  compiled: CompiledQuery<R>;
  /** Per parameter: the argument index it takes, or -1 for a constant the builder put there. */
  sources: number[];
}

export class PreparedStatement<A extends unknown[], R> {
  private template?: Template<R>;

  /**
   * `build` receives one slot per parameter (`arity`, by default the parameters it declares:
   * no defaults, no rest) and must hand each slot to Kysely as a value (`where(col, '=', slot)`,
   * `values({ col: slot })`, an element of an `in` list), never read it (`String(slot)`): a
   * slot that does not reach the compiled statement as a parameter fails the first run
   * rather than leaving a value unbound. A statement whose text depends on the values is not
   * one statement: see PreparedShapes.
   */
  constructor(
    private readonly build: (...slots: A) => Compilable<R>,
    private readonly arity = build.length,
  ) {}

  /** Runs the statement with `args` in the slots' places, on `db` (or a transaction). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(db: Kysely<any>, ...args: A): Promise<QueryResult<R>> {
    const { compiled, sources } = (this.template ??= this.compile());
    const parameters = new Array<unknown>(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      parameters[i] = source < 0 ? compiled.parameters[i] : args[source];
    }
    return db.executeQuery<R>({ sql: compiled.sql, query: compiled.query, parameters, queryId: createQueryId() });
  }

  /** Runs it and answers the first row (a select by key, a write `returning` its row). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async first(db: Kysely<any>, ...args: A): Promise<R | undefined> {
    return (await this.run(db, ...args)).rows[0];
  }

  /** Runs a write and answers how many rows it changed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async changed(db: Kysely<any>, ...args: A): Promise<number> {
    return Number((await this.run(db, ...args)).numAffectedRows ?? 0);
  }

  private compile(): Template<R> {
    const slots = Array.from({ length: this.arity }, (_, i) => new Slot(i));
    const compiled = this.build(...(slots as unknown as A)).compile();
    const sources = compiled.parameters.map((p) => (p instanceof Slot ? p.index : -1));
    const unused = slots.filter((slot) => !sources.includes(slot.index));
    if (unused.length > 0) throw new Error(`prepared statement ${compiled.sql}: argument(s) ${unused.map((s) => s.index).join(', ')} not bound as parameters`);
    HOT_STATEMENTS.add(compiled.sql);
    return { compiled, sources };
  }
}

/** `{ column: slot }` for the columns given, in order: what `values()` or `set()` take in a build. */
export function slotsByColumn<K extends string>(columns: readonly K[], slots: readonly unknown[], offset = 0): Record<K, never> {
  return Object.fromEntries(columns.map((column, i) => [column, slots[offset + i]])) as Record<K, never>;
}

/** A prepared statement per shape, for a statement whose SQL depends on which fields are given (an UPDATE's SET list). */
export class PreparedShapes<A extends unknown[], R> {
  private readonly shapes = new Map<string, PreparedStatement<A, R>>();

  /** `shape` names the SQL's variant; `build` makes it the first time (bounded: the shapes are few). */
  get(shape: string, arity: number, build: (...slots: A) => Compilable<R>): PreparedStatement<A, R> {
    let statement = this.shapes.get(shape);
    if (!statement) {
      statement = new PreparedStatement(build, arity);
      if (this.shapes.size < 64) this.shapes.set(shape, statement);
    }
    return statement;
  }
}
