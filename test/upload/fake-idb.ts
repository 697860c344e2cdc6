/**
 * An in-memory object store behind idb-keyval's `UseStore` contract: `(mode, callback) => callback(objectStore)`.
 * It implements what idb-keyval calls (get, put, delete, and a transaction whose oncomplete/onabort it awaits),
 * with IndexedDB's semantics where they matter here: values are structured-cloned on put, requests answer
 * asynchronously, and a transaction is atomic: a failing put aborts it with the DOMException and applies nothing.
 */
import type { UseStore } from 'idb-keyval';

export interface FakeIdb {
  store: UseStore;
  map: Map<string, unknown>;
  /** Return a DOMException to make a put of this key (and its whole transaction) fail. */
  failPut: ((key: string, value: unknown) => DOMException | undefined) | null;
}

interface FakeRequest {
  result?: unknown;
  error: DOMException | null;
  onsuccess?: () => void;
  onerror?: () => void;
  oncomplete?: () => void;
  onabort?: () => void;
}

export function fakeIdb(): FakeIdb {
  const map = new Map<string, unknown>();
  const fake: FakeIdb = { map, failPut: null, store: null as unknown as UseStore };
  const later = (f: () => void) => setTimeout(f, 0);

  fake.store = (async <T>(mode: IDBTransactionMode, callback: (store: IDBObjectStore) => T | PromiseLike<T>) => {
    const writes: (() => void)[] = [];
    let abort: DOMException | null = null;
    const transaction: FakeRequest = { error: null };
    const request = (answer: () => unknown): FakeRequest => {
      const r: FakeRequest = { error: null };
      later(() => {
        r.result = answer();
        r.onsuccess?.();
      });
      return r;
    };
    const readonly = () => {
      if (mode === 'readonly') throw new DOMException('The transaction is read-only.', 'ReadOnlyError');
    };
    const objectStore = {
      transaction,
      get: (key: string) => request(() => structuredClone(map.get(key))),
      put: (value: unknown, key: string) => {
        readonly();
        const failure = fake.failPut?.(key, value);
        if (failure) abort ??= failure;
        const copy = structuredClone(value);
        writes.push(() => map.set(key, copy));
        return request(() => key);
      },
      delete: (key: string) => {
        readonly();
        writes.push(() => map.delete(key));
        return request(() => undefined);
      },
    };
    const result = callback(objectStore as unknown as IDBObjectStore);
    // The transaction settles after its requests: commit everything, or abort with the first failure.
    later(() =>
      later(() => {
        if (abort) {
          transaction.error = abort;
          transaction.onabort?.();
        } else {
          for (const w of writes) w();
          transaction.oncomplete?.();
        }
      }),
    );
    return await result;
  }) as UseStore;
  return fake;
}

/** A store that cannot be opened, as IndexedDB in some private windows. */
export function unavailableIdb(): UseStore {
  return () => Promise.reject(new DOMException('A mutation operation was attempted on a database that did not allow mutations.', 'InvalidStateError'));
}
