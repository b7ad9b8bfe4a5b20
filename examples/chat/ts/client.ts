// A chat client, in TypeScript: subscribes to message_posted, says it is typing, posts four
// messages (the fourth is refused: RateLimited, a declared error), then closes its node.
//   node --import tsx ts/client.ts tcp://127.0.0.1:PORT        (the address the server printed)
import { Node } from '@interop/runtime';
import { ChatClient, ChatModule, RateLimited } from './gen/example.chat.js';

// Under `interop run` the node config comes in INTEROP_NODE_CONFIG; alone, dial the address given.
const config = process.env.INTEROP_NODE_CONFIG;
const address = process.argv[2];
if (config === undefined && address === undefined) {
  console.error('usage: node --import tsx ts/client.ts <the address the server printed>');
  process.exit(2);
}
const node = await Node.start(config ?? { node: 'chat-client', connect: [{ address: address!, modules: ['example.chat'] }] }, {
  uses: [ChatModule],
});
const chat = new ChatClient(node.invoker(ChatModule));

const seen = new Set<bigint>();
let wake = (): void => {};
const subscription = await chat.onMessagePosted((m) => {
  console.log(`event message_posted: #${m.id} "${m.text}"`);
  seen.add(m.id);
  wake();
});

chat.typing('ada'); // one-way: no answer, nothing to await
const posted: bigint[] = [];
for (const text of ['hello :)', 'how is everyone?', 'off to lunch :(', 'one more']) {
  try {
    const message = await chat.post(text);
    console.log(`post("${text}") -> #${message.id}, mood ${message.mood ?? 'none'}`);
    posted.push(message.id);
  } catch (err) {
    if (!(err instanceof RateLimited)) throw err;
    console.log(`post("${text}") -> RateLimited: ${err.message}, retry after ${err.retryAfterMs} ms`);
  }
}
// An event may arrive after the answer to its post: wait until every posted message was seen.
while (!posted.every((id) => seen.has(id))) await new Promise<void>((resolve) => (wake = resolve));
await subscription.unsubscribe();
await node.close();
