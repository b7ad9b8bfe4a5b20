// "Later in this turn of the event loop, after the current code": setImmediate on Node; in a
// browser, which has none, a MessageChannel message (setTimeout(0) is clamped to 4 ms there).

type Task = () => void;

function browserImmediate(): (task: Task) => void {
  const queue: Task[] = [];
  const channel = new MessageChannel();
  // A browser's MessagePort (Node's types describe Node's own, which has no onmessage).
  (channel.port1 as unknown as { onmessage: () => void }).onmessage = () => {
    const tasks = queue.splice(0);
    for (const task of tasks) task();
  };
  return (task) => {
    if (queue.push(task) === 1) channel.port2.postMessage(null);
  };
}

const immediate = (globalThis as { setImmediate?: (task: Task) => unknown }).setImmediate;

/** Runs `task` once the current turn's synchronous code is done. */
export const nextTurn: (task: Task) => void = immediate !== undefined ? (task) => void immediate(task) : browserImmediate();
