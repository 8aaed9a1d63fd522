/**
 * AsyncQueue: an unbounded FIFO with one awaiting consumer, bridging push-style listeners to the
 * pull-style async generators of the client (`followRun`).
 */
export class AsyncQueue<T> {
  #items: T[] = [];
  #waiter: ((item: T) => void) | undefined;

  /** Hands `item` to the waiting consumer, or keeps it until `shift()` asks. */
  push(item: T): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(item);
      return;
    }
    this.#items.push(item);
  }

  /**
   * The oldest item, waiting for one if the queue is empty.
   * @throws the signal's reason when `signal` aborts first
   */
  shift(signal?: AbortSignal): Promise<T> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift() as T);
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiter = undefined;
        reject(signal?.reason);
      };
      this.#waiter = (item) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(item);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
